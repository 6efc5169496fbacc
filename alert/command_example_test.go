package alert_test

import (
	"context"
	"log"
	"time"

	"github.com/vitals-go/vitals/alert"
)

// Alerts are handed to the host's mail program, which already knows the
// relay: mail -s "[page] ..." oncall@example.com, the text on its
// standard input. A run that hangs is killed with its process group.
func ExampleNewCommand() {
	mail, err := alert.NewCommand(alert.CommandConfig{
		Path:    "/usr/bin/mail",
		Args:    []string{"-s", alert.SubjectArg, "oncall@example.com"},
		Timeout: 20 * time.Second,
	})
	if err != nil {
		log.Fatal(err)
	}
	n, err := alert.New(alert.Config{Sinks: []alert.Sink{mail}})
	if err != nil {
		log.Fatal(err)
	}
	defer n.Close(context.Background())
	n.Notify(context.Background(), alert.Alert{Summary: "disk /var 95% full", Remedy: "rotate the logs"})
}
