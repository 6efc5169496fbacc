package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/vitals-go/vitals/middleware"
	"github.com/vitals-go/vitals/stats"
)

// The fake payments API's test card tokens, as card networks' sandboxes
// have them: each makes the API behave in one way.
const (
	cardOK         = "tok_visa"            // charged
	cardDeclined   = "tok_insufficient"    // declined: insufficient funds
	cardExpired    = "tok_expired"         // declined: expired card
	cardBusy       = "tok_busy"            // 503 twice, then charged
	cardSlow       = "tok_slow"            // the first request is charged, but answered 504: the card network confirmed too late
	cardIssuerDown = "tok_issuer_down"     // 503 every time: the card's issuer is unreachable
	busyAnswers    = 2                     // how many 503s a cardBusy charge gets first
	idempotencyHdr = "Idempotency-Key"     // the request header the API deduplicates on
	replayedHdr    = "Idempotent-Replayed" // "true" on an answer replayed for a known key
)

// chargeRequest is the body of POST /v1/charges.
type chargeRequest struct {
	Customer    string `json:"customer"`
	AmountCents int64  `json:"amount_cents"`
	Currency    string `json:"currency"`
	Card        string `json:"card"`
	Reference   string `json:"reference"`
}

// chargeAnswer is the API's answer: a charge, or an error with a code.
type chargeAnswer struct {
	ID          string    `json:"id,omitempty"`
	AmountCents int64     `json:"amount_cents,omitempty"`
	Error       *apiError `json:"error,omitempty"`
}

// chargeList is the answer to GET /v1/charges.
type chargeList struct {
	Data []listedCharge `json:"data"`
}

// listedCharge is one charge of the ledger as GET /v1/charges lists it.
type listedCharge struct {
	ID          string    `json:"id"`
	Reference   string    `json:"reference"`
	AmountCents int64     `json:"amount_cents"`
	Created     time.Time `json:"created"`
}

// apiError is the error object of the API, shaped like the big providers'.
type apiError struct {
	Code        string `json:"code"`                   // card_declined, currency_not_supported, unavailable
	DeclineCode string `json:"decline_code,omitempty"` // for card_declined: why
	Message     string `json:"message"`
}

// payments is the fake payments API, served over HTTP on a loopback port.
// It keeps a ledger of the charges it made and deduplicates requests by
// their Idempotency-Key, replaying the first answer, as real providers do.
// Besides the test cards, it restarts once (a deploy) right after its
// restartAfter-th charge: its port refuses connections for downFor.
type payments struct {
	logger       *slog.Logger
	restartAfter int
	downFor      time.Duration

	mu       sync.Mutex
	ledger   []chargeRequest // every charge made, in order
	madeAt   []time.Time     // when each charge of the ledger was made
	byKey    map[string]int  // idempotency key -> index in ledger
	requests map[string]int  // charge requests received, per customer
	replays  int             // answers replayed for a known key
	srv      *http.Server
	addr     string
	ln       net.Listener // the listening socket, closed while restarting
	back     *time.Timer  // brings the API back after a restart
	stopped  bool
	serving  sync.WaitGroup
}

// startPayments serves the fake API on a free loopback port.
func startPayments(logger *slog.Logger, restartAfter int, downFor time.Duration) (*payments, error) {
	p := &payments{
		logger:       logger.With("component", "payments-api"),
		restartAfter: restartAfter,
		downFor:      downFor,
		byKey:        map[string]int{},
		requests:     map[string]int{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/charges", p.charge)
	mux.HandleFunc("GET /v1/charges", p.list)
	// The API's own access records are at debug level: it stands for
	// another company's service.
	h, err := middleware.New(mux, middleware.ServerConfig{
		AccessLog: middleware.AccessLogConfig{
			Logger: p.logger,
			Level:  func(middleware.ServerOutcome) slog.Level { return slog.LevelDebug },
		},
		Stats: middleware.StatsConfig{Emitter: stats.Discard},
	})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p.addr, p.ln = ln.Addr().String(), ln
	p.srv = &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second,
		ErrorLog: slog.NewLogLogger(p.logger.Handler(), slog.LevelDebug)}
	p.serve(ln)
	return p, nil
}

// URL is where the API answers.
func (p *payments) URL() string { return "http://" + p.addr }

// serve accepts connections on ln until it is closed.
func (p *payments) serve(ln net.Listener) {
	p.serving.Add(1)
	go func() {
		defer p.serving.Done()
		_ = p.srv.Serve(ln) // returns when ln closes or the server shuts down
	}()
}

// stop shuts the API down, waiting for the answers in flight.
func (p *payments) stop() {
	p.mu.Lock()
	p.stopped = true
	if p.back != nil {
		p.back.Stop()
	}
	p.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = p.srv.Shutdown(ctx)
	p.serving.Wait()
}

func (p *payments) charge(w http.ResponseWriter, r *http.Request) {
	var req chargeRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Customer == "" || req.AmountCents <= 0 {
		reply(w, http.StatusBadRequest, &apiError{Code: "invalid_request",
			Message: "want a JSON body with customer, amount_cents > 0, currency, card and reference"})
		return
	}
	key := r.Header.Get(idempotencyHdr)

	p.mu.Lock()
	p.requests[req.Customer]++
	n := p.requests[req.Customer]
	if i, ok := p.byKey[key]; ok && key != "" {
		p.replays++
		first := p.ledger[i]
		p.mu.Unlock()
		w.Header().Set(replayedHdr, "true")
		replyCharge(w, i, first)
		return
	}
	var refusal *apiError
	status := http.StatusCreated
	switch {
	case req.Currency != "usd":
		status, refusal = http.StatusBadRequest, &apiError{Code: "currency_not_supported",
			Message: fmt.Sprintf("this merchant account settles in usd only, not %q", req.Currency)}
	case req.Card == cardDeclined:
		status, refusal = http.StatusPaymentRequired, &apiError{Code: "card_declined",
			DeclineCode: "insufficient_funds", Message: "the card has insufficient funds"}
	case req.Card == cardExpired:
		status, refusal = http.StatusPaymentRequired, &apiError{Code: "card_declined",
			DeclineCode: "expired_card", Message: "the card has expired"}
	case req.Card == cardIssuerDown, req.Card == cardBusy && n <= busyAnswers:
		status, refusal = http.StatusServiceUnavailable, &apiError{Code: "unavailable",
			Message: "the card issuer did not answer; nothing was charged"}
	}
	if refusal != nil {
		p.mu.Unlock()
		reply(w, status, refusal)
		return
	}
	i := len(p.ledger)
	p.ledger = append(p.ledger, req)
	p.madeAt = append(p.madeAt, time.Now())
	if key != "" {
		p.byKey[key] = i
	}
	restart := len(p.ledger) == p.restartAfter
	p.mu.Unlock()

	if req.Card == cardSlow && n == 1 {
		// Charged, but the API's own wait for the card network timed out
		// first: a gateway timeout leaves the caller not knowing whether
		// the card was charged. The API says so at once rather than
		// holding the answer until the job's -timeout: that timeout then
		// bounds healthy charges only. (A short -timeout that doubled as
		// the wait for a lost answer also cut healthy charges short on a
		// loaded machine.)
		reply(w, http.StatusGatewayTimeout, &apiError{Code: "gateway_timeout",
			Message: "the card network did not confirm the charge in time; it may have been made"})
		return
	}
	if restart {
		p.restart()
	}
	replyCharge(w, i, req)
}

// restart takes the API down, as a deploy does: its port refuses new
// connections and idle ones are closed; the answer being written still goes
// out. It comes back on the same port after downFor.
func (p *payments) restart() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.srv.SetKeepAlivesEnabled(false) // closes idle connections, and this one after its answer
	_ = p.ln.Close()                  // Serve returns; the server stays usable
	p.logger.Info("payments API restarting: its port refuses connections for a while",
		"addr", p.addr, "down_for", p.downFor)
	p.back = time.AfterFunc(p.downFor, p.comeBack)
}

// comeBack listens on the API's port again.
func (p *payments) comeBack() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return
	}
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.logger.Error("payments API could not come back", "addr", p.addr, "error", err)
		return
	}
	p.srv.SetKeepAlivesEnabled(true)
	p.ln = ln
	p.serve(ln)
	p.logger.Info("payments API back", "addr", p.addr)
}

// list answers GET /v1/charges with every charge made, as providers list
// them for reconciliation.
func (p *payments) list(w http.ResponseWriter, _ *http.Request) {
	p.mu.Lock()
	var page chargeList
	for i, c := range p.ledger {
		page.Data = append(page.Data, listedCharge{ID: chargeID(i), Reference: c.Reference, AmountCents: c.AmountCents, Created: p.madeAt[i]})
	}
	p.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(page)
}

// chargeID is the ID of the charge at index i of the ledger: the
// authorization code the job keeps with a paid invoice.
func chargeID(i int) string { return fmt.Sprintf("ch_%06d", i+1) }

// replyCharge answers with the charge at index i of the ledger.
func replyCharge(w http.ResponseWriter, i int, c chargeRequest) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(chargeAnswer{ID: chargeID(i), AmountCents: c.AmountCents})
}

// reply answers with an API error.
func reply(w http.ResponseWriter, status int, e *apiError) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(chargeAnswer{Error: e})
}

// ledgerReport is what the API's books say at the end of the run.
type ledgerReport struct {
	charges int
	cents   int64
	per     map[string]int // charges per customer
	replays int            // repeated requests answered with the first charge
}

func (p *payments) report() ledgerReport {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := ledgerReport{charges: len(p.ledger), per: map[string]int{}, replays: p.replays}
	for _, c := range p.ledger {
		r.cents += c.AmountCents
		r.per[c.Customer]++
	}
	return r
}
