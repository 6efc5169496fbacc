package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/vitals-go/vitals/examples/internal/demo"
)

// Traffic of the self-driven run: workers customers placing orders, each
// about ordersPerPeriod orders per period, one card in declineOneIn the
// declined one. The random choices are seeded, so every run places the same
// orders.
const (
	workers         = 2
	ordersPerPeriod = 40
	declineOneIn    = 8
	seed            = 2026
)

// drive places orders at base until ctx ends. A period of 20 s gives each
// worker an order every half second: a readable pace for a terminal.
func drive(ctx context.Context, base string, period time.Duration) {
	client := &http.Client{Timeout: 5 * time.Second}
	// One customer pays with a gift card, and meets its bug (gift.go).
	placeOrder(ctx, client, base, orderRequest{Customer: "c-41", AmountCents: 2500, Card: giftCardPrefix + "0001"})
	pace := demo.Pace{Workers: workers, PerPeriod: ordersPerPeriod, Period: period, Seed: seed}
	pace.Drive(ctx, func(ctx context.Context, rng *rand.Rand) {
		placeOrder(ctx, client, base, randomOrder(rng))
	})
}

// randomOrder is an order from one of 40 customers for 5 to 200 euros.
func randomOrder(rng *rand.Rand) orderRequest {
	card := cardOK
	if rng.IntN(declineOneIn) == 0 {
		card = cardDeclined
	}
	return orderRequest{
		Customer:    "c-" + strconv.Itoa(1+rng.IntN(40)),
		AmountCents: 500 + 5*rng.Int64N(3900),
		Card:        card,
	}
}

// placeOrder posts one order; the service logs and counts the outcome, so
// the answer is only read and dropped.
func placeOrder(ctx context.Context, client *http.Client, base string, o orderRequest) {
	body, err := json.Marshal(o)
	if err != nil {
		return
	}
	// An order in flight when the run ends is answered, not abandoned: an
	// abandoned one would be logged as a client gone.
	req, err := http.NewRequestWithContext(context.WithoutCancel(ctx), http.MethodPost, base+"/orders", bytes.NewReader(body))
	if err != nil {
		return
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return // the service is gone: nothing to count
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
}
