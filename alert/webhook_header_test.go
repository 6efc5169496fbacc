package alert_test

import (
	"context"
	"log/slog"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/alert"
	"github.com/vitals-go/vitals/errctx"
)

// A header net/http refuses to send (a name that is not a token, a value
// with a control character) would fail every POST at run time, so that
// the first alert ever sent is lost: NewWebhook refuses it, naming it.
// Each case is first shown to fail a real POST.
func TestNewWebhookRefusesHeadersNetHTTPWouldNotSend(t *testing.T) {
	srv := newHookServer(t, nil)
	for name, h := range map[string]http.Header{
		"name with a space": {"X Token": {"v"}},
		"name with a colon": {"X-Token:": {"v"}},
		"empty name":        {"": {"v"}},
		"value with a C0":   {"X-Token": {"a\x01b"}},
		"value with DEL":    {"X-Token": {"a\x7fb"}},
	} {
		t.Run(name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, srv.URL, nil)
			require.NoError(t, err)
			req.Header = h
			resp, err := srv.Client().Do(req)
			if err == nil {
				_ = resp.Body.Close()
			}
			require.Error(t, err, "net/http sends it: not a case")

			_, err = alert.NewWebhook(alert.WebhookConfig{URL: srv.URL, Header: h})
			require.Error(t, err)
			for k := range h {
				assert.Contains(t, errctx.FieldsOf(err), slog.String("field", "WebhookConfig.Header["+k+"]"))
			}
			assert.Equal(t, errctx.Permanent, errctx.ClassOf(err))
		})
	}
	t.Run("a tab and UTF-8 in a value are sent", func(t *testing.T) {
		h := http.Header{"X-Token": {"a\tb é"}}
		w := newWebhook(t, alert.WebhookConfig{URL: srv.URL, Header: h})
		require.NoError(t, w.Send(context.Background(), amEvent("fp", false)))
	})
}

// WebhookConfig.Header promises it "is sent with every POST": each header
// given reaches the server as given, or NewWebhook refuses it, naming it.
// net/http writes Host, Content-Length, Transfer-Encoding and Trailer from
// the request rather than the header, and the sink sets Idempotency-Key to
// let net/http resend: given here, they would vanish silently.
func TestWebhookHeaderIsSentAsGivenOrRefused(t *testing.T) {
	srv := newHookServer(t, nil)
	for _, name := range []string{"Authorization", "User-Agent", "X-Token", "Host", "Content-Length",
		"Transfer-Encoding", "Trailer", "Idempotency-Key"} {
		t.Run(name, func(t *testing.T) {
			h := http.Header{name: {"given-value"}}
			w, err := alert.NewWebhook(alert.WebhookConfig{URL: srv.URL, Header: h})
			if err != nil {
				assert.Contains(t, errctx.FieldsOf(err), slog.String("field", "WebhookConfig.Header["+name+"]"))
				return
			}
			before := len(srv.received())
			require.NoError(t, w.Send(context.Background(), amEvent("fp", false)))
			posts := srv.received()
			require.Len(t, posts, before+1)
			assert.Equal(t, "given-value", posts[before].Header.Get(name), "accepted, so it must be sent")
		})
	}
}
