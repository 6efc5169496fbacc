package log_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	vlog "github.com/vitals-go/vitals/log"
	"github.com/vitals-go/vitals/reqid"
)

// pooledContext is a context object reused from one request to the next,
// as gin's *gin.Context (with ContextWithFallback) and fasthttp's
// RequestCtx are: its Value results change when the framework resets it.
type pooledContext struct {
	context.Context // the current request's context, where values are found
}

// reset starts the next request on the same object.
func (c *pooledContext) reset(ctx context.Context) { c.Context = ctx }

// TestPooledContextNeverLogsAnotherRequestsFields logs two records per
// request through one reused context object: every record carries its own
// request's ID and context fields, never the previous request's.
func TestPooledContextNeverLogsAnotherRequestsFields(t *testing.T) {
	var out lines
	l := newLogger(&out)
	pooled := &pooledContext{}
	requests := []struct{ id, user string }{
		{"rid-first-request", "alice"},
		{"rid-second-request", "bob"},
		{"rid-third-request", "carol"},
	}
	for _, req := range requests {
		pooled.reset(vlog.With(reqid.With(context.Background(), req.id), "user", req.user))
		l.InfoContext(pooled, "one")
		l.InfoContext(pooled, "two") // the second record would use the pre-encoded fields
		l.With("k", "v").InfoContext(pooled, "three")
	}
	pooled.reset(context.Background())
	l.InfoContext(pooled, "no request")

	got := out.decode(t)
	require.Len(t, got, 3*len(requests)+1)
	for i, req := range requests {
		for _, m := range got[3*i : 3*i+3] {
			assert.Equal(t, req.id, m["request_id"], "record %q of request %d", m["msg"], i)
			assert.Equal(t, req.user, m["user"], "record %q of request %d", m["msg"], i)
		}
	}
	last := got[len(got)-1]
	assert.NotContains(t, last, "request_id")
	assert.NotContains(t, last, "user")
}

// TestPooledContextAllocations keeps the promise of no allocations per
// record once a request's fields are encoded, with the context read anew
// for every record.
func TestPooledContextAllocations(t *testing.T) {
	skipUnderRace(t)
	l := slog.New(vlog.NewHandler(vlog.NewJSONHandler(io.Discard, nil), nil))
	pooled := &pooledContext{Context: requestContext()}
	logFour(pooled, l)
	assert.Zero(t, testing.AllocsPerRun(100, func() { logFour(pooled, l) }))
}
