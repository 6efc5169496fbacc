package alert_test

import (
	"context"
	"errors"
	"log"
	"net/smtp"

	"github.com/vitals-go/vitals/alert"
)

// Failures are mailed through a shared account. When the provider
// throttles it (a 421), the sink's breaker stays open for RetryAfter and
// the alerts meanwhile are counted and stay in the log: the job goes on.
func ExampleNewSMTP() {
	mailer, err := alert.NewSMTP(alert.SMTPConfig{
		Addr: "smtp.example.com:587",
		From: "Alerts <alerts@example.com>",
		To:   []string{"oncall@example.com"},
		Auth: smtp.PlainAuth("", "alerts@example.com", "app-password", "smtp.example.com"),
	})
	if err != nil {
		log.Fatal(err)
	}
	n, err := alert.New(alert.Config{Sinks: []alert.Sink{mailer}})
	if err != nil {
		log.Fatal(err)
	}
	defer n.Close(context.Background())
	n.Error(context.Background(), errors.New("process job: connection reset by peer"))
}
