package alert_test

import (
	"context"
	"log"

	"github.com/vitals-go/vitals/alert"
)

// Alerts go to Alertmanager, which groups, routes and silences them. The
// dependency field becomes a label (for routes and silences); other fields
// are annotations. Close stops the refresh of ongoing alerts.
func ExampleNewAlertmanager() {
	am, err := alert.NewAlertmanager(alert.AlertmanagerConfig{
		URL:         "http://127.0.0.1:9093",
		LabelFields: []string{"dependency"},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer am.Close()
	n, err := alert.New(alert.Config{Sinks: []alert.Sink{am}})
	if err != nil {
		log.Fatal(err)
	}
	defer n.Close(context.Background())
	// Fire keeps the alert firing in Alertmanager until Resolve.
	fp := n.Fire(context.Background(), alert.Alert{Summary: "payments breaker open", Severity: alert.Page})
	n.Resolve(context.Background(), fp)
}
