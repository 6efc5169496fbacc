package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// summary counts the results of a run.
type summary struct {
	period                         string
	customers, notBilled           int
	charged, declined, failed      int
	chargedCents                   int64
	doubleChargesPrevented, mailed int
	needHuman                      []result
	ledger                         ledgerReport
	chargedTwice, chargedUnawares  []string // from the ledger: customers charged twice; charged without the job knowing
}

func summarize(period string, selected int, results []result, mailed int, ledger ledgerReport) summary {
	s := summary{period: period, customers: selected, notBilled: selected - len(results), mailed: mailed, ledger: ledger}
	for _, r := range results {
		switch r.outcome {
		case charged:
			s.charged++
			s.chargedCents += r.customer.Cents
		case declined:
			s.declined++
		case failed:
			s.failed++
			s.needHuman = append(s.needHuman, r)
		}
		if r.replayed {
			s.doubleChargesPrevented++
		}
		switch n := ledger.per[r.customer.ID]; {
		case n > 1:
			s.chargedTwice = append(s.chargedTwice, r.customer.ID)
		case n == 1 && r.outcome != charged:
			s.chargedUnawares = append(s.chargedUnawares, r.customer.ID)
		}
	}
	return s
}

// log writes the summary as one record, for machines.
func (s summary) log(ctx context.Context, logger *slog.Logger) {
	level := slog.LevelInfo
	if s.failed > 0 || s.notBilled > 0 {
		level = slog.LevelWarn
	}
	logger.Log(ctx, level, "billing run finished",
		"period", s.period,
		"customers", s.customers,
		"charged", s.charged,
		"declined", s.declined,
		"failed", s.failed,
		"not_billed", s.notBilled,
		"double_charges_prevented", s.doubleChargesPrevented,
		"ledger_charges", s.ledger.charges,
		"charged_twice", len(s.chargedTwice))
}

// write prints the summary for the operator.
func (s summary) write(w io.Writer) {
	var b strings.Builder
	fmt.Fprintf(&b, "Billing run for %s: %d customers\n", s.period, s.customers)
	fmt.Fprintf(&b, "  charged    %2d  (%s)\n", s.charged, cents(s.chargedCents))
	fmt.Fprintf(&b, "  declined   %2d  customers mailed to update their card: %d\n", s.declined, s.mailed)
	fmt.Fprintf(&b, "  failed     %2d  need a human:\n", s.failed)
	for _, r := range s.needHuman {
		fmt.Fprintf(&b, "    %s  %s  %s\n", r.customer.ID, r.customer.fee(), r.remedy)
	}
	if s.notBilled > 0 {
		fmt.Fprintf(&b, "  not billed %2d  the run was interrupted; re-run for the customers not listed in the logs\n", s.notBilled)
	}
	fmt.Fprintf(&b, "  double charges prevented: %d (timed-out charges repeated with their idempotency key; the API returned the first charge)\n",
		s.doubleChargesPrevented)
	twice := "no customer charged twice"
	if len(s.chargedTwice) > 0 {
		twice = "CHARGED TWICE: " + strings.Join(s.chargedTwice, ", ")
	}
	// A real job cannot read its provider's books; the fake API's show what
	// the unknown outcomes were.
	fmt.Fprintf(&b, "Payments API ledger: %d charges (%s), %d repeated requests answered with the first charge; %s\n",
		s.ledger.charges, cents(s.ledger.cents), s.ledger.replays, twice)
	if len(s.chargedUnawares) > 0 {
		fmt.Fprintf(&b, "  charged although the job could not tell: %s (the human's dashboard search will find these)\n",
			strings.Join(s.chargedUnawares, ", "))
	}
	_, _ = io.WriteString(w, b.String())
}

// cents renders an amount of US cents.
func cents(n int64) string { return fmt.Sprintf("USD %d.%02d", n/100, n%100) }
