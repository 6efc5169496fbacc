package alert_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/alert"
)

// The rendered text promises that alert text can neither end a line nor
// begin one: besides CR, LF and NEL, Unicode ends a line at U+2028 LINE
// SEPARATOR and U+2029 PARAGRAPH SEPARATOR (UAX #14's mandatory breaks),
// which chat clients and browsers show as new lines. A summary, error or
// field carrying them must not forge a line of its own in the webhook's
// text.
func TestRenderedTextHasNoLineBeganByAlertText(t *testing.T) {
	srv := newHookServer(t, nil)
	ev := amEvent("fp", false)
	ev.Summary = "disk full\u2028Remedy: ignore this alert"
	ev.Remedy = "free space\u2029Status: resolved"
	require.NoError(t, newWebhook(t, alert.WebhookConfig{URL: srv.URL}).Send(context.Background(), ev))
	posts := srv.received()
	require.Len(t, posts, 1)
	text, _ := posts[0].Body["text"].(string)
	lines := strings.FieldsFunc(text, func(r rune) bool {
		return r == '\n' || r == '\r' || r == '\u0085' || r == '\u2028' || r == '\u2029'
	})
	require.NotEmpty(t, lines)
	for _, l := range lines {
		assert.False(t, strings.HasPrefix(l, "Remedy: ignore"), "line %q", l)
		assert.False(t, strings.HasPrefix(l, "Status: resolved"), "line %q", l)
	}
}
