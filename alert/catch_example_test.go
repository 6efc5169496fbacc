package alert_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/vitals-go/vitals/alert"
	"github.com/vitals-go/vitals/breaker"
)

// printSink is a Sink that prints what it is sent and passes it on to
// sent, for the examples to wait on.
type printSink chan alert.Event

func (printSink) Name() string { return "print" }

func (s printSink) Send(_ context.Context, ev alert.Event) error {
	fmt.Printf("%s %s: %s\n", ev.Severity, ev.Status, ev.Summary)
	s <- ev
	return nil
}

// exampleNotifier returns a Notifier that delivers to sink and logs
// nothing (a real one logs every alert to slog.Default()).
func exampleNotifier(sink printSink) *alert.Notifier {
	n, err := alert.New(alert.Config{Sinks: []alert.Sink{sink}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		panic(err)
	}
	return n
}

// A goroutine's panic is alerted on; with alert.Return the goroutine ends
// quietly, with alert.Repanic (the zero value) the panic goes on up.
func ExampleNotifier_Recover() {
	sink := make(printSink, 1)
	n := exampleNotifier(sink)
	defer n.Close(context.Background())

	go func() {
		defer n.Recover(context.Background(), alert.Return)
		var totals map[string]int
		totals["eur"]++ // a bug: the map was never made
	}()
	ev := <-sink
	fmt.Println("error:", ev.Err)
	fmt.Println("fields:", attrs(ev.Fields)["panic_site"] != "", len(attrs(ev.Fields)["stack"].([]string)) > 0)
	// Output:
	// ticket firing: panic in github.com/vitals-go/vitals/alert_test.ExampleNotifier_Recover.func1
	// error: run github.com/vitals-go/vitals/alert_test.ExampleNotifier_Recover.func1: panic: assignment to entry in nil map
	// fields: true true
}

// A job that panics fails with an error, and the panic is alerted on.
func ExampleNotifier_RecoverError() {
	sink := make(printSink, 1)
	n := exampleNotifier(sink)
	defer n.Close(context.Background())

	job := func() (err error) {
		defer n.RecoverError(context.Background(), &err)
		panic("ledger row missing")
	}
	err := job()
	<-sink
	fmt.Println(err)
	// Output:
	// ticket firing: panic in github.com/vitals-go/vitals/alert_test.ExampleNotifier_RecoverError.func1
	// run github.com/vitals-go/vitals/alert_test.ExampleNotifier_RecoverError.func1: panic: ledger row missing
}

// A critical breaker pages when it opens and resolves the page when it
// closes.
func ExampleNotifier_WatchBreaker() {
	sink := make(printSink, 1)
	n := exampleNotifier(sink)
	defer n.Close(context.Background())
	payments, err := breaker.New(breaker.Config{Name: "payments", Critical: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		panic(err)
	}
	stop, err := n.WatchBreaker(payments)
	if err != nil {
		panic(err)
	}
	defer stop()

	payments.ForceOpen("payments is being migrated")
	<-sink
	payments.Reset()
	<-sink
	// Output:
	// page firing: payments breaker open
	// page resolved: payments breaker open
}

// An invariant check alerts while the invariant does not hold, and
// resolves the alert when it holds again.
func ExampleNotifier_Check() {
	sink := make(printSink, 1)
	n := exampleNotifier(sink)
	defer n.Close(context.Background())

	var unpaid atomic.Int64 // in a real check: a query of the database
	unpaid.Store(2)
	stop, err := n.Check("paid-without-auth-code", 10*time.Millisecond, func(ctx context.Context) error {
		if k := unpaid.Load(); k > 0 {
			return fmt.Errorf("%d purchases paid for 5 minutes without an authorization code", k)
		}
		return nil
	})
	if err != nil {
		panic(err)
	}
	defer stop()
	fmt.Println("error:", (<-sink).Err)
	unpaid.Store(0) // someone fixed them
	<-sink
	// Output:
	// ticket firing: check paid-without-auth-code failed
	// error: 2 purchases paid for 5 minutes without an authorization code
	// ticket resolved: check paid-without-auth-code failed
}

// A check's configuration is checked: an invalid field is refused with an
// errctx error that names it and says what to do.
func ExampleNotifier_CheckWith() {
	n := exampleNotifier(make(printSink))
	defer n.Close(context.Background())
	_, err := n.CheckWith(alert.CheckConfig{Name: "disk space", Every: time.Minute,
		Run: func(context.Context) error { return errors.New("unreachable") }})
	fmt.Println(err)
	// Output:
	// configure alert: CheckConfig.Name is "disk space", not 1 to 64 ASCII letters, digits, '_' or '-'
}
