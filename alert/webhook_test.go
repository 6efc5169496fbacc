package alert_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/alert"
	"github.com/vitals-go/vitals/errctx"
)

// hookPost is one POST as the webhook server decoded it.
type hookPost struct {
	Header http.Header
	Body   map[string]any
}

// hookServer is a webhook receiver on loopback that records each POST and
// answers with answer (nil: 200).
type hookServer struct {
	*httptest.Server
	mu    sync.Mutex
	posts []hookPost
}

func newHookServer(t *testing.T, answer http.HandlerFunc) *hookServer {
	s := &hookServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.posts = append(s.posts, hookPost{r.Header.Clone(), body})
		s.mu.Unlock()
		if answer != nil {
			answer(w, r)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *hookServer) received() []hookPost {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]hookPost(nil), s.posts...)
}

func newWebhook(t *testing.T, cfg alert.WebhookConfig) *alert.Webhook {
	t.Helper()
	w, err := alert.NewWebhook(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = w.Close() })
	return w
}

func TestWebhookPostsSlackTextAndStructuredFields(t *testing.T) {
	srv := newHookServer(t, nil)
	w := newWebhook(t, alert.WebhookConfig{URL: srv.URL + "/services/T0/B0/secret",
		Header: http.Header{"Authorization": {"Bearer t0k3n"}}})
	assert.Equal(t, "webhook", w.Name())
	ev := amEvent("fp-1", false)
	ev.Summary = "payments <!channel> & <https://evil.example|bank> down"
	require.NoError(t, w.Send(context.Background(), ev))

	posts := srv.received()
	require.Len(t, posts, 1)
	p := posts[0]
	assert.Equal(t, "application/json", p.Header.Get("Content-Type"))
	assert.Equal(t, "Bearer t0k3n", p.Header.Get("Authorization"))
	text, _ := p.Body["text"].(string)
	assert.True(t, strings.HasPrefix(text, "[page] payments &lt;!channel&gt; &amp; &lt;https://evil.example|bank&gt; down (+3 more since"), text)
	assert.NotContains(t, text, "<")
	assert.Contains(t, text, "Remedy:      check the payments gateway")
	assert.Equal(t, ev.Summary, p.Body["summary"], "the structured members carry the text as it is")
	assert.Equal(t, "page", p.Body["severity"])
	assert.Equal(t, "firing", p.Body["status"])
	assert.Equal(t, "fp-1", p.Body["fingerprint"])
	assert.Equal(t, "billing", p.Body["service"])
	assert.Equal(t, "req-1", p.Body["request_id"])
	assert.Equal(t, "charging customer 42", p.Body["error"])
	assert.Equal(t, float64(10), p.Body["occurrence"])
	assert.Equal(t, float64(3), p.Body["suppressed"])
	assert.Equal(t, map[string]any{"dependency": "payments", "customer": "42"}, p.Body["fields"])
}

func TestWebhookAnswersAreClassed(t *testing.T) {
	testAnswersAreClassed(t, func(t *testing.T, url string) error {
		return newWebhook(t, alert.WebhookConfig{URL: url + "/secret-token"}).Send(context.Background(), amEvent("fp", false))
	})
}

// A server that never answers is given up at Timeout; one that closes the
// connection fails the send; one that answers 200 with an endless body is
// read no further than a bound. None leaks the URL's secret path.
func TestWebhookHangingClosingAndFloodingServers(t *testing.T) {
	t.Run("hangs", func(t *testing.T) {
		release := make(chan struct{})
		srv := newHookServer(t, func(http.ResponseWriter, *http.Request) { <-release })
		defer close(release)
		w := newWebhook(t, alert.WebhookConfig{URL: srv.URL + "/secret", Timeout: 50 * time.Millisecond})
		start := time.Now()
		err := w.Send(context.Background(), amEvent("fp", false))
		require.Error(t, err)
		assert.Less(t, time.Since(start), 2*time.Second)
		assert.NotContains(t, err.Error(), "secret")
	})
	t.Run("closes", func(t *testing.T) {
		srv := newHookServer(t, func(w http.ResponseWriter, _ *http.Request) {
			c, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				_ = c.Close()
			}
		})
		err := newWebhook(t, alert.WebhookConfig{URL: srv.URL + "/secret"}).Send(context.Background(), amEvent("fp", false))
		require.Error(t, err)
		assert.NotContains(t, err.Error(), "secret")
		assert.Len(t, srv.received(), 1, "a fresh connection closed is not tried again")
	})
	t.Run("floods", func(t *testing.T) {
		var wrote int64
		srv := newHookServer(t, func(w http.ResponseWriter, r *http.Request) {
			chunk := []byte(strings.Repeat("x", 32<<10))
			for r.Context().Err() == nil && wrote < 1<<30 {
				n, err := w.Write(chunk)
				wrote += int64(n)
				if err != nil {
					return
				}
			}
		})
		start := time.Now()
		require.NoError(t, newWebhook(t, alert.WebhookConfig{URL: srv.URL}).Send(context.Background(), amEvent("fp", false)))
		assert.Less(t, time.Since(start), 5*time.Second)
		srv.Close() // waits for the handler, so wrote is final
		assert.Less(t, wrote, int64(16<<20), "the sink stopped reading; the server could not write on")
	})
}

// Through a Notifier, a 429 with Retry-After holds the sink's breaker open
// for that long: the alerts meanwhile are dropped, counted, without a
// request; after it, alerts flow again.
func TestWebhookThrottledOpensTheBreakerForRetryAfter(t *testing.T) {
	var mu sync.Mutex
	throttled := true
	srv := newHookServer(t, func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if throttled {
			w.Header().Set("Retry-After", "30")
			w.WriteHeader(http.StatusTooManyRequests)
		}
	})
	clock := newClock()
	r := newRig(t, alert.Config{Sinks: []alert.Sink{newWebhook(t, alert.WebhookConfig{URL: srv.URL})}, Clock: clock, RateLimit: -1})
	notify := func(s string) { r.n.Notify(context.Background(), alert.Alert{Summary: s}) }
	notify("a")
	require.Eventually(t, func() bool { _, failed, _, _ := r.counts("webhook"); return failed == 1 }, 5*time.Second, time.Millisecond)
	notify("b")
	notify("c")
	require.Eventually(t, func() bool { _, _, dropped, _ := r.counts("webhook"); return dropped == 2 }, 5*time.Second, time.Millisecond)
	assert.Len(t, srv.received(), 1, "no request while throttled")

	mu.Lock()
	throttled = false
	mu.Unlock()
	clock.Advance(29 * time.Second)
	notify("d")
	require.Eventually(t, func() bool { _, _, dropped, _ := r.counts("webhook"); return dropped == 3 }, 5*time.Second, time.Millisecond,
		"still held open before Retry-After")
	clock.Advance(time.Second)
	notify("e")
	require.Eventually(t, func() bool { return len(srv.received()) == 3 }, 5*time.Second, time.Millisecond,
		"the throttled one, e, and the note of what was missed")
	posts := srv.received()
	assert.Equal(t, "e", posts[1].Body["summary"])
	assert.Contains(t, posts[2].Body["summary"], "missed 4 alerts")
}

func TestNewWebhookRefusesBadConfig(t *testing.T) {
	for field, cfg := range map[string]alert.WebhookConfig{
		"URL":                  {URL: "hooks.example.com/x"},
		"Timeout":              {URL: "http://127.0.0.1:1", Timeout: -1},
		"Header[Content-Type]": {URL: "http://127.0.0.1:1", Header: http.Header{"Content-Type": {"text/plain"}}},
		"Header[X-Token]":      {URL: "http://127.0.0.1:1", Header: http.Header{"X-Token": {"a\r\nInjected: 1"}}},
	} {
		_, err := alert.NewWebhook(cfg)
		require.Error(t, err, field)
		assert.Contains(t, errctx.FieldsOf(err), slog.String("field", "WebhookConfig."+field))
		assert.Equal(t, errctx.Permanent, errctx.ClassOf(err))
	}
}

// A summary and an error of megabytes make a text of kilobytes: each value
// is cut, the structured members keep it whole.
func TestWebhookTextOfHugeValuesIsBounded(t *testing.T) {
	srv := newHookServer(t, nil)
	ev := amEvent("fp", false)
	ev.Summary = strings.Repeat("s", 1<<20)
	ev.Err = errors.New(strings.Repeat("é", 1<<20))
	require.NoError(t, newWebhook(t, alert.WebhookConfig{URL: srv.URL}).Send(context.Background(), ev))
	p := srv.received()[0]
	text, _ := p.Body["text"].(string)
	assert.Less(t, len(text), 16<<10)
	assert.Contains(t, text, strings.Repeat("s", 2000)+"…")
	assert.Contains(t, text, "Error:       "+strings.Repeat("é", 2000)+"…\n")
	assert.Len(t, p.Body["summary"], 1<<20)
}
