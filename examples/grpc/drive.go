package main

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/vitals-go/vitals/examples/internal/demo"
)

// Traffic of the self-driven run: workers shoppers asking for quotes, each
// about quotesPerPeriod per period; one ask in oddOneIn is for an SKU the
// catalogue does not have, one in oddOneIn for the corrupt record. The
// random choices are seeded, so every run asks the same questions.
const (
	workers         = 2
	quotesPerPeriod = 40
	oddOneIn        = 20
	seed            = 2026
)

// drive asks base for quotes until ctx ends. A period of 10 s gives each
// worker a quote every quarter second.
func drive(ctx context.Context, base string, period time.Duration) {
	client := &http.Client{Timeout: 5 * time.Second}
	pace := demo.Pace{Workers: workers, PerPeriod: quotesPerPeriod, Period: period, Seed: seed}
	pace.Drive(ctx, func(ctx context.Context, rng *rand.Rand) {
		ask(ctx, client, base, randomSKU(rng), 1+rng.IntN(6))
	})
}

// randomSKU is one of the twelve good items, or now and then an unknown
// one or the corrupt record.
func randomSKU(rng *rand.Rand) string {
	switch rng.IntN(oddOneIn) {
	case 0:
		return "sku-404"
	case 1:
		return brokenSKU
	}
	return skuName(1 + rng.IntN(12))
}

// ask gets one quote; the front logs and counts the outcome, so the answer
// is only read and dropped.
func ask(ctx context.Context, client *http.Client, base, sku string, qty int) {
	q := url.Values{"sku": {sku}, "qty": {strconv.Itoa(qty)}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/quote?"+q.Encode(), nil)
	if err != nil {
		return
	}
	resp, err := client.Do(req)
	if err != nil {
		return // the run is ending
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
}
