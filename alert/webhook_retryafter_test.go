package alert_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/alert"
	"github.com/vitals-go/vitals/errctx"
)

// MaxRetryAfter's doc names the hostile "Retry-After: 99999999": a value
// past 2^32 seconds must be held to MaxRetryAfter like it, not read as no
// Retry-After at all, which let the sink's breaker probe the throttling
// destination again at once.
func TestWebhookHugeRetryAfterIsKept(t *testing.T) {
	for _, value := range []string{"99999999", "4294967296", "99999999999999999999"} {
		t.Run(value, func(t *testing.T) {
			srv := newHookServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", value)
				w.WriteHeader(http.StatusTooManyRequests)
			})
			err := newWebhook(t, alert.WebhookConfig{URL: srv.URL}).Send(context.Background(), amEvent("fp", false))
			require.Error(t, err)
			assert.Equal(t, errctx.Transient, errctx.ClassOf(err))
			after, ok := errctx.RetryAfterOf(err)
			assert.True(t, ok)
			assert.Greater(t, after, alert.MaxRetryAfter)
			assert.Greater(t, after, 1000*24*time.Hour)
		})
	}
}
