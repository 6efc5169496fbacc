package middleware

import (
	"cmp"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/internal/record"
	"github.com/vitals-go/vitals/middleware/internal/deadline"
	"github.com/vitals-go/vitals/middleware/internal/downstream"
	"github.com/vitals-go/vitals/middleware/internal/keycache"
	"github.com/vitals-go/vitals/middleware/internal/level"
	"github.com/vitals-go/vitals/middleware/internal/userfunc"
	"github.com/vitals-go/vitals/reqid"
	"github.com/vitals-go/vitals/stats"
)

// Stat names emitted by the client transport.
const (
	// StatClientRequests counts outbound calls, tagged host, client (see
	// ClientConfig.Name) and status
	// (class: 2xx..., "error" for transport errors and timeouts, "rejected"
	// for calls an open breaker refused, "cancelled" for calls their caller
	// cancelled, "unsent" for calls refused before sending: an invalid
	// request or a caller's context already over).
	StatClientRequests = "http.client.requests"
	// StatClientDuration times outbound calls up to the response headers,
	// tagged host and status (and client, see ClientConfig.Name).
	// Calls that were not sent, unsent or rejected, are not timed: their
	// near-zero times would drag the latency panels down.
	StatClientDuration = "http.client.duration"
)

// DefaultClientTimeout is the per-call timeout when ClientConfig.Timeout
// is zero.
const DefaultClientTimeout = 30 * time.Second

// OtherHost is the host tag (and breaker) shared once
// ClientConfig.MaxHosts distinct hosts have been seen.
const OtherHost = "other"

// DefaultMaxHosts is the bound on distinct hosts when ClientConfig.MaxHosts
// is zero.
const DefaultMaxHosts = 1000

// ClientOutcome is what happened to one outbound call, for
// ClientConfig.Level.
type ClientOutcome struct {
	Status   int   // the response status; 0 when there is no response
	Err      error // the errctx error returned to the caller, if any
	Duration time.Duration
	// Cancelled: the caller cancelled the call (its context was cancelled,
	// before or during it). Neither a failure of the host nor of ours.
	Cancelled bool
	// Rejected: an open breaker refused the call; it was not sent.
	Rejected bool
	// Unsent: the call was refused before it was sent, by the caller's
	// doing: a request net/http refuses (no URL, a URL scheme it does not
	// serve, a header value with a line break...) or a caller's context
	// already over; or its body failed while it was sent (a read error of
	// the caller's body, a body shorter or longer than its
	// ContentLength). The host's breaker never sees it, and it is never
	// retried (its error is Permanent, or the context's).
	Unsent bool
}

// DefaultClientLevel is the default ClientConfig.Level, by the table in
// the package doc ("Levels"), as middleware/grpcmw's: Info for a call its
// caller cancelled (the caller decided, nothing failed); Debug for a call
// an open breaker refused (the breaker's Warn announced it when it
// opened); Warn for a call refused before sending (the caller's mistake);
// Error when no response came back (transport error, timeout, the
// caller's deadline); Warn for a 5xx or 429; Info otherwise: a 404 from a
// lookup is an answer, not a failure.
func DefaultClientLevel(o ClientOutcome) slog.Level {
	return level.Called(level.Call{Cancelled: o.Cancelled, Rejected: o.Rejected, Unsent: o.Unsent,
		NoAnswer: o.Err != nil, DownstreamFailed: isFailureStatus(o.Status)})
}

// ClientConfig configures [Transport]. The zero value logs every call to
// slog.Default(), counts to stats.Default(), gives each call a 30 s timeout
// and each host a breaker with the breaker package's defaults.
type ClientConfig struct {
	// Name, when set, tells this transport's calls apart from another's
	// to the same host, such as "billing" and "search": their stats carry
	// the tag client=<name>, their records the key client, and the
	// default name of their breakers is "<name>/<host>", so each has its
	// own series. It must be 1 to 64 of a-z, 0-9, '-' and '_' (stats, logs
	// and Graphite show it the same); anything else is refused. Default:
	// no client tag or key, breakers named after the host.
	Name string
	// Logger receives one record per call. Default: slog.Default() at each call.
	Logger *slog.Logger
	// Level picks the record level. Default: DefaultClientLevel.
	Level func(ClientOutcome) slog.Level
	// Stats receives StatClientRequests and StatClientDuration. Default:
	// stats.Default() when the transport is built.
	Stats stats.Emitter
	// Timeout bounds each call, from sending the request to closing the
	// response body, so that no call waits forever. When the caller's
	// context has a deadline too, the sooner of the two ends the call: a
	// caller's long deadline (a batch job's hour) does not lift the per-call
	// bound, and a caller's shorter one is not extended (no timer of our own
	// is made then). The error says which one ran out. Default:
	// DefaultClientTimeout; negative: no timeout of our own, the caller's
	// deadline only.
	//
	// The deadline is a context of the transport's own, kept in the call's
	// one allocation: it borrows a pooled timer only once the base
	// transport watches the context (http.Transport does), and the
	// context http.Transport derives from it costs no children map. Over
	// a base that watches, it adds about 0.6 µs per call on the benchmark
	// machine, where context.WithDeadline added 0.95 µs; over one that
	// does not, about 60 ns.
	Timeout time.Duration
	// RequestIDHeader carries the request ID of the call's context (when
	// reqid.Valid accepts it). Default: X-Request-ID. A header the caller
	// set on the request is left alone. A name that is not a valid header
	// name (a space, a colon, a line break) is refused by NewTransport.
	RequestIDHeader string
	// Breaker says which calls share a breaker. Default: PerHost.
	// Responses 5xx and 429, transport errors and timeouts are failures;
	// other statuses are successes. Calls the caller cancelled, and calls
	// refused before sending (see ClientOutcome.Unsent), are neither: the
	// breaker never sees them.
	Breaker BreakerScope
	// BreakerConfig returns the configuration of the breaker of a host
	// (host:port as in the URL). Default: the breaker package's defaults,
	// named after the host (see Name).
	BreakerConfig func(host string) breaker.Config
	// MaxHosts bounds the distinct hosts given their own breaker and stats
	// tags; later hosts share OtherHost's. Default: DefaultMaxHosts.
	MaxHosts int
}

// Transport is the http.RoundTripper made by [NewTransport].
type Transport struct {
	base      http.RoundTripper
	name      string
	logger    *slog.Logger
	level     func(ClientOutcome) slog.Level
	emitter   stats.Emitter
	timeout   time.Duration
	idHeader  string
	scope     BreakerScope
	breakerOf func(string) breaker.Config
	hosts     *keycache.Cache[string, clientHost]
}

// clientHost is the per-host state: the breaker and the stats handles.
type clientHost struct {
	breaker *breaker.Breaker
	err     error // why the breaker could not be built
	*classGroup
}

// NewTransport returns base (http.DefaultTransport when nil) wrapped so
// that every call carries the context's request ID, is logged and counted,
// goes through its host's breaker and has a timeout. Errors are errctx
// errors saying what was attempted ("GET host/path"), the failure class and
// a remedy. The caller's request is never modified. An invalid cfg is
// refused with an errctx error naming the field.
//
// For spans and trace propagation, put otelhttp inside it, so each attempt's
// span is a child of the caller's and the breaker sees its errors:
//
//	middleware.NewTransport(otelhttp.NewTransport(nil), middleware.ClientConfig{})
//
// The record of a call that got a response then carries the trace_id and
// span_id of the client span otelhttp made for it (the span whose
// traceparent the host received), also for a call made outside any span,
// such as a background job's; the other fields of the caller's context
// (request_id, log.With fields) are kept. The record of a call that got no
// response (a transport error, a rejection, a call never sent) carries the
// caller's span, if any.
func NewTransport(base http.RoundTripper, opts ClientConfig) (*Transport, error) {
	if opts.Breaker > NoBreaker {
		return nil, configError("ClientConfig.Breaker", "is not PerHost or NoBreaker", "use one of the BreakerScope constants")
	}
	if opts.MaxHosts < 0 {
		return nil, configError("ClientConfig.MaxHosts", "is negative", "leave it 0 for the default (DefaultMaxHosts, 1000) or set a positive bound")
	}
	if err := downstream.CheckName("middleware", "ClientConfig.Name", opts.Name); err != nil {
		return nil, err
	}
	idHeader, err := headerName("ClientConfig.RequestIDHeader", opts.RequestIDHeader, DefaultRequestIDHeader)
	if err != nil {
		return nil, err
	}
	t := &Transport{
		base: base, name: opts.Name, logger: opts.Logger, emitter: opts.Stats, timeout: opts.Timeout,
		idHeader: idHeader, scope: opts.Breaker,
		level:     userfunc.Guard("ClientConfig.Level", "DefaultClientLevel", opts.Level, DefaultClientLevel, opts.Logger),
		breakerOf: userfunc.Guard("ClientConfig.BreakerConfig", "the breaker package's defaults", opts.BreakerConfig, nil, opts.Logger),
	}
	if t.base == nil {
		t.base = http.DefaultTransport
	}
	if t.emitter == nil {
		t.emitter = stats.Default()
	}
	t.timeout = deadline.Timeout(t.timeout, DefaultClientTimeout)
	maxHosts := opts.MaxHosts
	if maxHosts == 0 {
		maxHosts = DefaultMaxHosts
	}
	t.hosts = keycache.New(maxHosts, OtherHost, t.newHost)
	return t, nil
}

func (t *Transport) newHost(host string) *clientHost {
	tags, name := []stats.Tag{stats.T("host", host)}, host
	if t.name != "" {
		tags, name = []stats.Tag{stats.T("client", t.name), tags[0]}, t.name+"/"+host
	}
	h := &clientHost{classGroup: newClassGroup(t.emitter, StatClientRequests, tags...)}
	if t.scope == PerHost {
		h.breaker, h.err = downstream.NewBreaker(t.breakerOf, host, name, t.emitter, t.logger, "ClientConfig.BreakerConfig")
	}
	return h
}

// Breaker returns the breaker of host (host:port as in request URLs),
// creating it if needed; nil when breakers are off. Use it to inspect or
// register the breakers, or to force one open.
func (t *Transport) Breaker(host string) *breaker.Breaker {
	return t.hosts.Get(host).breaker
}

// CloseIdleConnections closes the base transport's idle connections, so that
// http.Client.CloseIdleConnections reaches it.
func (t *Transport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	h := t.hosts.Get(cmp.Or(hostOf(req), OtherHost))
	if h.err != nil {
		closeBody(req)
		return nil, h.err
	}
	callerCtx := req.Context()
	if why := refusal(req); why != "" {
		return t.unsent(req, h, start, unsentError(req, errors.New(why)))
	}
	if err := callerCtx.Err(); err != nil {
		return t.unsent(req, h, start, endedError(req, err))
	}
	var ticket breaker.Ticket
	if h.breaker != nil {
		tk, err := h.breaker.Allow(callerCtx)
		if err != nil {
			closeBody(req)
			err = errctx.Wrap(err, attempted(req))
			t.finish(callerCtx, req, h, "rejected", start, ClientOutcome{Err: err, Duration: time.Since(start), Rejected: true})
			return nil, err
		}
		ticket = tk
	}

	out, c := t.outbound(req, start)
	resp, err := t.base.RoundTrip(out)
	d := time.Since(start)
	if err != nil {
		c.stop()
		err = readable(err)
		if callerErr := callersError(req, c, err); callerErr != nil { // the base closed the body already
			ticket.Record(breaker.Ignore, err)
			t.finish(callerCtx, req, h, "unsent", start, ClientOutcome{Err: callerErr, Duration: d, Unsent: true})
			return nil, callerErr
		}
		outcome, err := classifyTransportError(req, err, t.timeout)
		ticket.Record(outcome, err)
		o := ClientOutcome{Err: err, Duration: d, Cancelled: outcome == breaker.Ignore}
		class := "error"
		if o.Cancelled {
			class = "cancelled"
		}
		t.finish(callerCtx, req, h, class, start, o)
		return nil, err
	}
	if isFailureStatus(resp.StatusCode) {
		ticket.Record(breaker.Failure, errctx.New(attempted(req)+": status "+resp.Status,
			errctx.WithClass(errctx.Transient)))
	} else {
		ticket.Done(nil)
	}
	if c.bounded() {
		resp.Body = c.stopOnClose(resp.Body)
	}
	t.finish(withClientSpan(callerCtx, out, resp), req, h, statusClass(resp.StatusCode), start, ClientOutcome{Status: resp.StatusCode, Duration: d})
	return resp, nil
}

// unsent ends a call refused before it was sent, with err: the caller's
// doing, counted but neither timed (it took no time) nor reported to the
// host's breaker.
func (t *Transport) unsent(req *http.Request, h *clientHost, start time.Time, err error) (*http.Response, error) {
	closeBody(req)
	t.finish(req.Context(), req, h, "unsent", start, ClientOutcome{Err: err, Duration: time.Since(start), Unsent: true,
		Cancelled: errors.Is(err, context.Canceled)})
	return nil, err
}

// call is what a RoundTrip that changes the request allocates, in one
// piece: the copy sent, the backing array of the request ID header's value,
// the context bounding the call and the body wrapper that ends it; and the
// one watching the caller's request body, apart, so that a call without
// a body stays in the allocator's 512-byte class.
type call struct {
	req      http.Request
	id       [1]string
	deadline deadline.Call // started only when the call needs a deadline of ours
	body     stopBody
	reqBody  *callerBody // nil when the request has no body
}

// outbound returns the request to send: req itself (and a nil call) when
// nothing needs changing, else c's copy with the call's deadline and the
// request ID header (the caller's request and headers are never modified).
// The deadline is start+timeout unless the caller's context ends sooner, in
// which case none of our own is set.
func (t *Transport) outbound(req *http.Request, start time.Time) (out *http.Request, c *call) {
	ctx := req.Context()
	end, bound := deadline.Needed(ctx, start, t.timeout)
	id, ok := reqid.From(ctx)
	setID := ok && len(req.Header[t.idHeader]) == 0 && reqid.Valid(id)
	if !bound && !setID && !wrapsBody(req) {
		return req, nil
	}
	c = new(call)
	if bound {
		c.deadline.Start(ctx, end)
		ctx = &c.deadline
	}
	c.req = *req.WithContext(ctx) // the inlined copy stays on the stack
	if setID {
		c.id[0] = id
		c.req.Header = make(http.Header, len(req.Header)+1)
		for k, v := range req.Header {
			c.req.Header[k] = v // values are not modified, only the map
		}
		c.req.Header[t.idHeader] = c.id[:]
	}
	if wrapsBody(req) {
		c.reqBody = &callerBody{ReadCloser: req.Body}
		c.req.Body = c.reqBody
	}
	return &c.req, c
}

// bounded reports whether the call has a deadline of ours to end.
func (c *call) bounded() bool { return c != nil && c.req.Context() == &c.deadline }

// stop ends the call's deadline, if it has one.
func (c *call) stop() {
	if c.bounded() {
		c.deadline.Stop()
	}
}

// finish counts one call, tagged status class, and logs it with ctx.
func (t *Transport) finish(ctx context.Context, req *http.Request, h *clientHost, class string, start time.Time, o ClientOutcome) {
	c := h.get(class)
	c.requests.Inc()
	if !o.Unsent && !o.Rejected {
		t.emitter.Timing(StatClientDuration, o.Duration, c.tags...)
	}
	status, d, err := o.Status, o.Duration, o.Err

	logger := t.logger
	if logger == nil {
		logger = slog.Default()
	}
	handler := logger.Handler()
	lvl := t.level(o)
	if !handler.Enabled(ctx, lvl) {
		return
	}
	var buf [12]slog.Attr
	host, path := target(req)
	attrs := buf[:0]
	if t.name != "" {
		attrs = append(attrs, slog.String("client", t.name))
	}
	attrs = append(attrs,
		slog.String("method", record.Truncate(req.Method, maxQuotedName)),
		slog.String("host", host),
		slog.String("path", path),
		slog.Duration("duration", d),
	)
	if status != 0 {
		attrs = append(attrs, slog.Int("status", status))
	}
	switch {
	case err != nil:
		attrs = append(attrs, slog.Any("error", err))
		if r := errctx.RemediesOf(err); len(r) > 0 {
			attrs = append(attrs, slog.String("attempted", attempted(req)), slog.String("remedy", r[0]))
		}
	case lvl >= slog.LevelWarn:
		attrs = append(attrs,
			slog.String("attempted", attempted(req)),
			slog.String("error", "status "+strconv.Itoa(status)),
			slog.String("remedy", statusRemedy(status, host)))
	}
	record.Emit(ctx, handler, start.Add(d), lvl, "outbound request", attrs)
}

// attempted names a call the way errors and records do: "GET host/path".
func attempted(req *http.Request) string {
	host, path := target(req)
	return cmp.Or(record.Truncate(req.Method, maxQuotedName), http.MethodGet) + " " + host + path
}

// hostOf returns the host of req's URL, "" when it has none.
func hostOf(req *http.Request) string {
	if req.URL == nil {
		return ""
	}
	return req.URL.Host
}

// target returns the host and the bounded path of req's URL, both "" when
// it has none.
func target(req *http.Request) (host, path string) {
	if req.URL == nil {
		return "", ""
	}
	return req.URL.Host, record.Truncate(req.URL.Path, maxPath)
}

// isFailureStatus reports whether a response status counts against the
// host's breaker: 5xx and 429.
func isFailureStatus(code int) bool {
	return code >= 500 || code == http.StatusTooManyRequests
}

func statusRemedy(status int, host string) string {
	switch {
	case status == http.StatusTooManyRequests:
		return "slow down: " + host + " is rate-limiting us; honour Retry-After"
	case status >= 500:
		return host + " failed to serve the call; check its health and logs (its breaker counts this as a failure)"
	}
	return "check the request against " + host + "'s API"
}

// classifyTransportError turns an error from the base transport into an
// errctx error and the breaker's outcome: the caller's cancellation is
// ignored by the breaker; timeouts are indeterminate (the call may have
// happened); failures to connect are transient (nothing was sent); anything
// else after sending is indeterminate.
func classifyTransportError(req *http.Request, err error, timeout time.Duration) (breaker.Outcome, error) {
	caller := req.Context().Err()
	var netErr net.Error
	var opErr *net.OpError
	switch {
	case errors.Is(caller, context.Canceled):
		return breaker.Ignore, errctx.Wrap(err, attempted(req), errctx.WithClass(errctx.NotAFailure),
			errctx.Remedy("the caller cancelled the call; it may or may not have reached "+req.URL.Host))
	case caller != nil:
		return breaker.Failure, errctx.Wrap(err, attempted(req), errctx.WithClass(errctx.Indeterminate),
			errctx.Remedy("the caller's deadline ran out; the call may or may not have happened: give it more time or check why "+req.URL.Host+" is slow"))
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()):
		return breaker.Failure, errctx.Wrap(err, attempted(req), errctx.WithClass(errctx.Indeterminate),
			errctx.Remedy("no answer within the per-call timeout ("+timeout.String()+"); the call may or may not have happened: check "+req.URL.Host+" or raise ClientConfig.Timeout"))
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return breaker.Failure, errctx.Wrap(err, attempted(req), errctx.WithClass(errctx.Transient),
			errctx.Remedy("could not connect to "+req.URL.Host+"; check that it is up and its address resolves"))
	}
	return breaker.Failure, errctx.Wrap(err, attempted(req), errctx.WithClass(errctx.Indeterminate),
		errctx.Remedy("the connection to "+req.URL.Host+" failed during the call; it may or may not have happened"))
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}

// stopBody ends the call's deadline when the body is read to the end or
// closed.
type stopBody struct {
	io.ReadCloser
	deadline *deadline.Call
}

func (b *stopBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		b.deadline.Stop()
	}
	return n, err
}

func (b *stopBody) Close() error {
	err := b.ReadCloser.Close()
	b.deadline.Stop()
	return err
}

// stopRWBody keeps the io.Writer of a 101 Switching Protocols body.
type stopRWBody struct {
	*stopBody
	w io.Writer
}

func (b stopRWBody) Write(p []byte) (int, error) { return b.w.Write(p) }

// stopOnClose returns body wrapped so that reading it to the end or closing
// it ends the call's deadline.
func (c *call) stopOnClose(body io.ReadCloser) io.ReadCloser {
	c.body = stopBody{ReadCloser: body, deadline: &c.deadline}
	if w, ok := body.(io.Writer); ok {
		return stopRWBody{&c.body, w}
	}
	return &c.body
}
