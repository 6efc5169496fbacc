package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/vitals-go/vitals/alert"
	"github.com/vitals-go/vitals/examples/internal/demo"
	vlog "github.com/vitals-go/vitals/log"
	"github.com/vitals-go/vitals/middleware"
	"github.com/vitals-go/vitals/reqid"
	"github.com/vitals-go/vitals/retry"
)

// The fake payments API restarts after its 4th charge of a run and refuses
// connections for restartFor. The job's next charge must find it down, so
// restartFor must outlast the job's own work between two charges, which a
// loaded machine stretches (100 ms fell short under the race detector on
// a busy CPU); and the charge's retries must outlast restartFor: their
// waits add up to about a second (see the policy in run).
const (
	restartAfter = 4
	restartFor   = 300 * time.Millisecond
)

// errNeedsHuman is run's error when some charges failed: the process exits
// non-zero so that whoever schedules the job notices.
var errNeedsHuman = errors.New("some charges need a human; see the summary")

func main() { demo.Main("billing", run) }

// run is the whole job: logs go to stderr as JSON lines, the summary to
// stdout.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr, time.Now())
	if err != nil {
		return err
	}
	list, err := selectCustomers(cfg.only)
	if err != nil {
		return err
	}
	reqid.SetService("billing", "")
	// A payments outage makes every charge retry: the flood handler lets the
	// first warnings of each kind per customer through and summarises the
	// rest.
	flood := vlog.NewFloodHandler(vlog.New(vlog.Options{Writer: stderr, Level: cfg.level}).Handler(), vlog.FloodOptions{KeyAttr: "customer"})
	defer flood.Close()
	logger := slog.New(flood)

	api, err := startPayments(logger, restartAfter, restartFor)
	if err != nil {
		return err
	}
	defer api.stop()
	transport, err := middleware.NewTransport(nil, middleware.ClientConfig{
		Logger: logger,
		Level:  func(middleware.ClientOutcome) slog.Level { return slog.LevelDebug }, // the job logs outcomes
		// One charge at a time with its own retry budget: a breaker would
		// add nothing here (see examples/service for one in a service).
		Breaker: middleware.NoBreaker,
	})
	if err != nil {
		return err
	}
	j := &job{
		logger: logger,
		period: cfg.period,
		keys:   cfg.keys,
		client: &paymentsClient{url: api.URL(), http: &http.Client{Transport: transport}, timeout: cfg.timeout},
		policy: retry.Policy{
			Name:     "billing.charge",
			Attempts: 12,
			Base:     25 * time.Millisecond,
			Cap:      250 * time.Millisecond,
			Budget:   1500 * time.Millisecond,
			Logger:   logger,
		},
		outbox: &outbox{logger: logger},
		books:  newBooks(),
	}
	// The alerts go to the log; a real job adds an Alertmanager or SMTP sink.
	alerts, err := alert.New(alert.Config{Logger: logger})
	if err != nil {
		return err
	}
	stopCheck, err := alerts.CheckWith(alert.CheckConfig{Name: "charges-without-paid-invoice", Every: checkEvery,
		Timeout: time.Second + j.policy.Budget, Run: j.books.reconcile(j.client, j.policy),
		Summary: "cards charged without a paid invoice"})
	if err != nil {
		return err
	}
	logger.Info("billing run started", "period", cfg.period, "customers", len(list),
		"idempotency_keys", cfg.keys, "payments_api", api.URL())

	results := j.run(ctx, list)
	// Let the check look at the final books before the run ends.
	j.books.checkedSince(ctx, time.Now())
	stopCheck()
	_ = alerts.Close(ctx)
	s := summarize(cfg.period, len(list), results, len(j.outbox.mails()), api.report())
	flood.Flush() // the summaries of suppressed warnings come before the run's own
	s.log(ctx, logger)
	s.write(stdout)
	if s.failed > 0 || s.notBilled > 0 {
		return errNeedsHuman
	}
	return nil
}
