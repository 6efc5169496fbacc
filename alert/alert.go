package alert

import (
	"log/slog"
	"strconv"
	"time"

	"github.com/vitals-go/vitals/reqid"
)

// Severity says how soon a person must act on an alert.
type Severity uint8

const (
	// Ticket, the zero value, means "look today": something is wrong and
	// will not fix itself, but nobody needs to be woken. It is the default
	// so that an alert never pages by accident.
	Ticket Severity = iota
	// Page means "act now": users are affected or soon will be.
	Page
)

// String returns "ticket" or "page" (the label sinks send), or
// "severity(N)" for a value outside the constants.
func (s Severity) String() string {
	switch s {
	case Ticket:
		return "ticket"
	case Page:
		return "page"
	}
	return "severity(" + strconv.Itoa(int(s)) + ")"
}

// Status says whether an alert is firing or has been resolved.
type Status uint8

const (
	// Firing means the condition holds now.
	Firing Status = iota
	// Resolved means the condition no longer holds.
	Resolved
)

// String returns "firing" or "resolved" (Alertmanager's words).
func (s Status) String() string {
	if s == Resolved {
		return "resolved"
	}
	return "firing"
}

// An Alert is what application code asks a Notifier to tell a person. Only
// Summary is required; the Notifier fills the rest that it can.
type Alert struct {
	// Summary says in one line what is wrong ("payments breaker open",
	// "purchases without authorization code").
	Summary string
	// Severity says how soon a person must act; the zero value is Ticket.
	Severity Severity
	// Fingerprint identifies repeats of the same problem, for deduplication
	// and for Alertmanager's grouping. Empty means derived: from the errctx
	// error's attempted steps, class and call site for Notifier.Error, from
	// Summary and Severity otherwise. Never put volatile text (IDs, times,
	// counts) in it.
	Fingerprint string
	// Remedy says what the person should do.
	Remedy string
	// Fields are key-value details, sent as labels or annotations.
	Fields []slog.Attr
	// Err is the failure behind the alert, if any.
	Err error
}

// An Event is what a Sink receives: one alert as the Notifier decided to
// deliver it, with what the Notifier knows about its context and its
// repeats. Sinks must not modify it.
type Event struct {
	Alert
	// Status is Firing or Resolved.
	Status Status
	// Ongoing is true when the condition is tracked (an invariant check, a
	// breaker watch, a caller that will resolve it): a Resolved event will
	// follow, so a sink such as Alertmanager keeps it firing until then. It
	// is false for one-shot alerts from Notify and Error, which a sink lets
	// expire after a documented time without repeats.
	Ongoing bool
	// Process is the identity of the process that raised the alert.
	Process reqid.Identity
	// RequestID, TraceID and SpanID come from the context of the call that
	// raised the alert (empty when it had none).
	RequestID, TraceID, SpanID string
	// Occurrence is how many times the fingerprint was raised in the
	// current window, this one included (1, 10, 100, ...).
	Occurrence int64
	// Suppressed is how many occurrences since the previous delivery of
	// this fingerprint were not delivered (a digest when above zero).
	Suppressed int64
	// FirstSeen is when the fingerprint was first raised in the current
	// window; LastSeen is when it was last raised.
	FirstSeen, LastSeen time.Time
}
