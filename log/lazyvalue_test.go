package log_test

import (
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/vitals-go/vitals/internal/logtest"
	"github.com/vitals-go/vitals/log"
)

// changing is a LogValuer whose value changes, as a route does once the
// router matched.
type changing struct{ v atomic.Value }

func (c *changing) LogValue() slog.Value { return slog.StringValue(c.v.Load().(string)) }

// TestContextLogValuerResolvedAtEveryRecord: a LogValuer carried by the
// context is logged as it is at each record, after the fields were
// encoded once (from the second record on).
func TestContextLogValuerResolvedAtEveryRecord(t *testing.T) {
	var buf logtest.Buffer
	logger := log.New(log.Options{Writer: &buf})
	route := &changing{}
	route.v.Store("")
	ctx := log.WithAttrs(t.Context(), slog.String("method", "GET"), slog.Any("route", route))
	logger.InfoContext(ctx, "before")
	logger.InfoContext(ctx, "before")
	route.v.Store("GET /users/{id}")
	logger.InfoContext(ctx, "after", "n", 1)
	logger.InfoContext(ctx, "after", "n", 2)
	recs := buf.Records(t)
	assert.Len(t, recs, 4)
	for i, rec := range recs {
		want := ""
		if i >= 2 {
			want = "GET /users/{id}"
		}
		assert.Equal(t, want, rec["route"], "record %d", i)
		assert.Equal(t, "GET", rec["method"], "record %d", i)
	}
}
