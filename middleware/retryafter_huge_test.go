package middleware_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/middleware"
)

// RFC 9110's delay-seconds has no upper bound: a server saying
// "Retry-After: 99999999999" asks for a very long wait, which the error
// must carry (retry.Do and a breaker cap it), not drop so that the caller
// retries at once. Garbage still carries none.
func TestResponseErrorKeepsAHugeRetryAfter(t *testing.T) {
	cases := map[string]struct {
		ok      bool
		atLeast time.Duration
	}{
		"4294967295":           {true, 4294967295 * time.Second},
		"4294967296":           {true, 4294967296 * time.Second},   // past uint32
		"99999999999":          {true, 292 * 365 * 24 * time.Hour}, // past a Duration: the longest one
		"99999999999999999999": {true, 292 * 365 * 24 * time.Hour}, // past uint64 too
		"-5":                   {false, 0},
		"5s":                   {false, 0},
		"":                     {false, 0},
	}
	for value, want := range cases {
		t.Run(value, func(t *testing.T) {
			srv := newPlainServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if value != "" {
					w.Header().Set("Retry-After", value)
				}
				w.WriteHeader(http.StatusServiceUnavailable)
			}))
			resp, err := http.Get(srv.URL)
			require.NoError(t, err)
			err = middleware.ResponseError(resp, "")
			require.Equal(t, errctx.Transient, errctx.ClassOf(err))
			after, ok := errctx.RetryAfterOf(err)
			assert.Equal(t, want.ok, ok)
			assert.GreaterOrEqual(t, after, want.atLeast)
		})
	}
}
