package main

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/vitals-go/vitals/examples/internal/demo"
	"github.com/vitals-go/vitals/middleware"
	"github.com/vitals-go/vitals/stats"
)

// Test card numbers the fake payments service knows, as card networks'
// sandboxes do: the first is charged, the second always declined.
const (
	cardOK       = "4242424242424242"
	cardDeclined = "4000000000000002"
)

// Where in its period the fake payments service misbehaves, as fractions of
// the period.
const (
	outageFrom, outageTo = 0.30, 0.42 // every charge fails with 503
	calmFrom, calmTo     = 0.25, 0.65 // no slow charges around the outage
	slowEvery            = 20         // one charge in slowEvery is slow
)

// chargeRequest is the body of POST /charges.
type chargeRequest struct {
	Order       string `json:"order"`
	AmountCents int64  `json:"amount_cents"`
	Card        string `json:"card"`
}

// chargeResponse is the answer to POST /charges: a charge ID, or the reason
// a card was declined.
type chargeResponse struct {
	Charge   string `json:"charge,omitempty"`
	Declined string `json:"declined,omitempty"`
	Error    string `json:"error,omitempty"`
}

// payments is the fake dependency: a card-charging API that follows a
// schedule repeating every period, so that one run tells the whole story:
//
//   - from 30% to 42% of the period it is down: every charge fails with 503,
//     which trips the orders service's breaker; on a machine too busy to
//     send 5 charges in that time it stays down until it has failed 5;
//   - one charge in 20 takes longer than the orders service waits, except
//     from 25% to 65% of the period, so that the outage alone trips the
//     breaker and the breaker's probe meets a healthy service;
//   - the card 4000000000000002 is always declined with 402.
type payments struct {
	start  time.Time
	period time.Duration
	slow   time.Duration // how long a slow charge takes, unless its caller leaves first
	seq    atomic.Int64  // charges received
	outage *demo.Outage
}

func newPayments(period, slow time.Duration) *payments {
	start := time.Now()
	return &payments{start: start, period: period, slow: slow,
		outage: &demo.Outage{Start: start, Period: period, From: outageFrom, To: outageTo, Fails: 5}}
}

// phase is where now falls in the schedule, in [0, 1).
func (p *payments) phase(now time.Time) float64 {
	return float64(now.Sub(p.start)%p.period) / float64(p.period)
}

// handler serves POST /charges behind the vitals server stack, so its
// records carry the request ID the orders service sent. It logs at debug
// level: it stands for another team's service.
func (p *payments) handler(logger *slog.Logger) (http.Handler, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /charges", p.charge)
	return middleware.New(mux, middleware.ServerConfig{
		AccessLog: middleware.AccessLogConfig{
			Logger: logger.With("component", "payments"),
			Level:  func(middleware.ServerOutcome) slog.Level { return slog.LevelDebug },
		},
		Stats: middleware.StatsConfig{Emitter: stats.Discard},
	})
}

func (p *payments) charge(w http.ResponseWriter, r *http.Request) {
	n := p.seq.Add(1)
	now := time.Now()
	phase := p.phase(now)
	if p.outage.Down(now) {
		reply(w, http.StatusServiceUnavailable, chargeResponse{Error: "card processor unreachable"})
		return
	}
	var req chargeRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.AmountCents <= 0 {
		reply(w, http.StatusBadRequest, chargeResponse{Error: "want a JSON body with order, amount_cents > 0 and card"})
		return
	}
	if req.Card == cardDeclined {
		reply(w, http.StatusPaymentRequired, chargeResponse{Declined: "insufficient_funds"})
		return
	}
	if n%slowEvery == 0 && (phase < calmFrom || phase >= calmTo) {
		t := time.NewTimer(p.slow)
		select {
		case <-t.C:
		case <-r.Context().Done(): // the caller gave up; the charge still happens
			t.Stop()
		}
	}
	reply(w, http.StatusCreated, chargeResponse{Charge: fmt.Sprintf("ch_%06d", n)})
}

// reply writes v as the JSON body of a response with the given status.
func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
