package alert_test

import (
	"context"
	"log"
	"net/http"

	"github.com/vitals-go/vitals/alert"
)

// Alerts go to a Slack channel through an incoming webhook. When Slack
// answers 429 with a Retry-After, the sink's breaker stays open that long
// and the alerts meanwhile are counted and stay in the log.
func ExampleNewWebhook() {
	slack, err := alert.NewWebhook(alert.WebhookConfig{
		URL:    "https://hooks.slack.com/services/T000/B000/XXXX",
		Header: http.Header{"User-Agent": {"billing-alerts"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer slack.Close()
	n, err := alert.New(alert.Config{Sinks: []alert.Sink{slack}})
	if err != nil {
		log.Fatal(err)
	}
	defer n.Close(context.Background())
	n.Notify(context.Background(), alert.Alert{Summary: "payments breaker open", Severity: alert.Page,
		Remedy: "check the payments gateway"})
}
