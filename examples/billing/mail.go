package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
)

// mail is one message to a customer.
type mail struct {
	To, Subject, Body string
}

// outbox stands for the mail service: it queues mail for delivery, which
// cannot fail the job. Here it keeps the mail and logs each one.
type outbox struct {
	logger *slog.Logger

	mu   sync.Mutex
	sent []mail
}

// chargeFailed queues the "charge failed" mail for a declined card.
func (o *outbox) chargeFailed(ctx context.Context, c customer, period string, d *declineError) {
	m := mail{
		To:      c.Email,
		Subject: fmt.Sprintf("Your %s payment for %s did not go through", period, c.Plan),
		Body: fmt.Sprintf("Hello %s,\n\nwe could not charge %s for your %s plan: %s.\n"+
			"Please update your card in your account settings; we will try again within three days.\n",
			c.Name, c.fee(), c.Plan, d.Message),
	}
	o.mu.Lock()
	o.sent = append(o.sent, m)
	o.mu.Unlock()
	o.logger.InfoContext(ctx, "mail queued", "to", m.To, "subject", m.Subject)
}

// mails returns the mail queued so far.
func (o *outbox) mails() []mail {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]mail(nil), o.sent...)
}
