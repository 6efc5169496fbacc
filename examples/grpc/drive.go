package main

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/vitals-go/vitals/examples/internal/demo"
)

// Traffic of the self-driven run: workers shoppers asking for quotes, each
// about quotesPerPeriod per period; one ask in oddOneIn is for an SKU the
// catalogue does not have, one for the corrupt record and one for more than
// the stock, all early in the run (asks 1, 2 and 3, long before the outage), so that a loaded
// machine that makes few asks still tells that part of the story. The other
// choices are seeded, so every run asks the same questions.
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
	var asks atomic.Int64
	pace.Drive(ctx, func(ctx context.Context, rng *rand.Rand) {
		sku, qty := pick(asks.Add(1), rng)
		ask(ctx, client, base, sku, qty)
	})
}

// pick is the SKU and quantity of the n-th ask of the run: one of the twelve
// good items, or now and then an unknown one, the corrupt record or more of
// the first item than its stock of 3.
func pick(n int64, rng *rand.Rand) (sku string, qty int) {
	switch n % oddOneIn {
	case 1:
		return "sku-404", 1
	case 2:
		return brokenSKU, 1
	case 3:
		return skuName(1), 6
	}
	return skuName(1 + rng.IntN(12)), 1 + rng.IntN(6)
}

// ask gets one quote; the front logs and counts the outcome, so the answer
// is only read and dropped.
func ask(ctx context.Context, client *http.Client, base, sku string, qty int) {
	q := url.Values{"sku": {sku}, "qty": {strconv.Itoa(qty)}}
	// An ask in flight when the run ends is answered, not abandoned: an
	// abandoned one would be logged as a client gone.
	req, err := http.NewRequestWithContext(context.WithoutCancel(ctx), http.MethodGet, base+"/quote?"+q.Encode(), nil)
	if err != nil {
		return
	}
	resp, err := client.Do(req)
	if err != nil {
		return // the service is gone: nothing to count
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
}
