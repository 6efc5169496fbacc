package bench

// Side by side, in one run, over the same bare handler driven by
// httptest.NewRecorder: the vitals server stack (middleware.New: request ID,
// access log with panic recovery, stats) against chi's RequestID + httplog
// v3 + Recoverer and against samber/slog-http with its Recovery, all
// logging through the same slog.Logger to io.Discard.
// And the vitals client Transport over a round tripper that answers at once,
// so network noise does not hide the middleware's cost.

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	chimw "github.com/go-chi/chi/v5/middleware"
	"github.com/go-chi/httplog/v3"
	sloghttp "github.com/samber/slog-http"

	"github.com/vitals-go/vitals/internal/benchmetric"
	vlog "github.com/vitals-go/vitals/log"
	"github.com/vitals-go/vitals/middleware"
	"github.com/vitals-go/vitals/reqid"
	"github.com/vitals-go/vitals/stats"
)

var bareHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	_, _ = io.WriteString(w, "ok")
})

// serverRequest is the request every server benchmark serves.
func serverRequest() *http.Request {
	req := httptest.NewRequest(http.MethodGet, "/users/42", nil)
	req.RemoteAddr = "127.0.0.1:40000"
	req.Header.Set("User-Agent", "bench")
	return req
}

// vitalsStack is the vitals server stack over the bare handler, logging
// through logger and counting to stats.Discard.
func vitalsStack(b *testing.B, logger *slog.Logger) http.Handler {
	h, err := middleware.New(bareHandler, middleware.ServerConfig{
		AccessLog: middleware.AccessLogConfig{Logger: logger},
		Stats:     middleware.StatsConfig{Emitter: stats.Discard},
	})
	if err != nil {
		b.Fatal(err)
	}
	return h
}

func serveEach(b *testing.B, h http.Handler) {
	req := serverRequest()
	b.ReportAllocs()
	defer benchmetric.ReportCPU(b)()
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
}

func BenchmarkMiddlewareServer(b *testing.B) {
	loggers := []struct {
		name   string
		logger *slog.Logger
	}{
		{"vitals-log", vlog.New(vlog.Options{Writer: io.Discard})},
		{"slog-json", slog.New(slog.NewJSONHandler(io.Discard, nil))},
	}
	for _, l := range loggers {
		b.Run(l.name+"/bare", func(b *testing.B) { serveEach(b, bareHandler) })
		b.Run(l.name+"/vitals", func(b *testing.B) { serveEach(b, vitalsStack(b, l.logger)) })
		// The floor: the bare handler plus one record with the same fields
		// as the vitals access record, through the same logger.
		b.Run(l.name+"/bare+one-record", func(b *testing.B) {
			serveEach(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				bareHandler(w, r)
				l.logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
					slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", 200),
					slog.Int64("bytes", 2), slog.Duration("duration", 1234), slog.String("remote_addr", r.RemoteAddr),
					slog.String("user_agent", r.UserAgent()), slog.String("route", "GET /users/{id}"),
					slog.String("request_id", "0123456789abcdef0123456789abcdef"))
			}))
		})
		for _, p := range serverPeers(l.logger) {
			b.Run(l.name+"/"+p.name, func(b *testing.B) { serveEach(b, p.handler) })
		}
	}
}

// serverPeers are the peer stacks measured against the vitals server
// stack, each with request IDs, one record per request and panic recovery,
// over the bare handler and logging through logger.
func serverPeers(logger *slog.Logger) []struct {
	name    string
	unit    string
	handler http.Handler
} {
	chi := chimw.RequestID(httplog.RequestLogger(logger, &httplog.Options{
		Level: slog.LevelInfo, Schema: httplog.SchemaECS,
	})(chimw.Recoverer(bareHandler)))
	slogHTTPConfig := sloghttp.DefaultConfig() // request ID and client IP on
	slogHTTPConfig.WithUserAgent = true
	slogHTTP := sloghttp.NewWithConfig(logger, slogHTTPConfig)(sloghttp.Recovery(bareHandler))
	return []struct {
		name    string
		unit    string
		handler http.Handler
	}{
		{"chi+httplog-v3", "chi", chi},
		{"slog-http", "sloghttp", slogHTTP},
	}
}

// BenchmarkMiddlewareServerOverhead runs the bare handler, the vitals stack
// and one peer stack in alternating short stretches, in rotating order,
// all logging through one vitals logger, and reports the medians of the
// per-request overheads over the bare handler (vitals-ns, chi-ns or
// sloghttp-ns) and of their ratio (x-chi, target < 0.5; x-sloghttp):
// figures that stay put on a busy machine, where separate benchmark runs
// drift apart.
func BenchmarkMiddlewareServerOverhead(b *testing.B) {
	logger := vlog.New(vlog.Options{Writer: io.Discard})
	stack := vitalsStack(b, logger)
	req := serverRequest()
	serve := func(h http.Handler) func() {
		return func() { h.ServeHTTP(httptest.NewRecorder(), req) }
	}
	for _, p := range serverPeers(logger) {
		b.Run(p.name, func(b *testing.B) {
			reportOverheads(b, serve(bareHandler), serve(stack), serve(p.handler), "vitals-ns", p.unit+"-ns", "x-"+p.unit)
		})
	}
}

// BenchmarkMiddlewareClientOverhead runs the base round tripper, the vitals
// Transport over it and the Transport without its default timeout in
// alternating stretches, and reports the medians of their costs per call
// over the base (vitals-ns, target <= 1500; no-timeout-ns) and the ratio.
// Under "watching" the base treats the request's context as http.Transport
// does (it derives a cancellable context and watches it), which is what
// arms the timer of the per-call deadline.
func BenchmarkMiddlewareClientOverhead(b *testing.B) {
	logger := vlog.New(vlog.Options{Writer: io.Discard})
	call := clientCall(b)
	roundTrip := func(rt http.RoundTripper) func() { return func() { call(rt) } }
	for _, base := range []benchmetric.CannedTransport{{}, {Watch: true}} {
		name := "unwatched"
		if base.Watch {
			name = "watching"
		}
		b.Run(name, func(b *testing.B) {
			vitals := newTransport(b, base, middleware.ClientConfig{Logger: logger, Stats: stats.Discard})
			noTimeout := newTransport(b, base, middleware.ClientConfig{Logger: logger, Stats: stats.Discard, Timeout: -1})
			reportOverheads(b, roundTrip(base), roundTrip(vitals), roundTrip(noTimeout), "vitals-ns", "no-timeout-ns", "x-no-timeout")
		})
	}
}

// reportOverheads runs base, cand and peer in alternating stretches of 100
// calls, rotating their order, until b.Loop ends, and reports the medians of
// cand's and peer's cost over base per call, and of their ratio.
func reportOverheads(b *testing.B, base, cand, peer func(), candUnit, peerUnit, ratioUnit string) {
	const stretch = 100
	timed := func(f func()) float64 {
		t0 := time.Now()
		for range stretch {
			f()
		}
		return float64(time.Since(t0)) / stretch
	}
	fs := [3]func(){base, cand, peer}
	var candOver, peerOver, ratios []float64
	for i := 0; b.Loop(); i++ {
		var t [3]float64
		for j := range 3 {
			k := (i + j) % 3
			t[k] = timed(fs[k])
		}
		candOver = append(candOver, t[1]-t[0])
		peerOver = append(peerOver, t[2]-t[0])
		ratios = append(ratios, (t[1]-t[0])/(t[2]-t[0]))
	}
	median := func(xs []float64) float64 {
		slices.Sort(xs)
		return xs[len(xs)/2]
	}
	b.ReportMetric(median(candOver), candUnit)
	b.ReportMetric(median(peerOver), peerUnit)
	b.ReportMetric(median(ratios), ratioUnit)
}

// clientCall returns one call of the client benchmarks: a GET with a
// request ID through rt, its body closed, failing b on an error.
func clientCall(b *testing.B) func(rt http.RoundTripper) {
	ctx := reqid.With(context.Background(), reqid.New())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://api.internal:8080/users/42", nil)
	if err != nil {
		b.Fatal(err)
	}
	return func(rt http.RoundTripper) {
		resp, err := rt.RoundTrip(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
	}
}

func BenchmarkMiddlewareClient(b *testing.B) {
	call := clientCall(b)
	run := func(b *testing.B, rt http.RoundTripper) {
		b.ReportAllocs()
		defer benchmetric.ReportCPU(b)()
		for b.Loop() {
			call(rt)
		}
	}
	b.Run("bare", func(b *testing.B) { run(b, benchmetric.CannedTransport{}) })
	b.Run("vitals", func(b *testing.B) {
		run(b, newTransport(b, benchmetric.CannedTransport{}, middleware.ClientConfig{
			Logger: vlog.New(vlog.Options{Writer: io.Discard}),
			Stats:  stats.Discard,
		}))
	})
	// The same with successful calls below the logger's level: the cost of
	// the transport without its per-call record.
	b.Run("vitals-records-off", func(b *testing.B) {
		run(b, newTransport(b, benchmetric.CannedTransport{}, middleware.ClientConfig{
			Logger: vlog.New(vlog.Options{Writer: io.Discard, Level: slog.LevelWarn}),
			Stats:  stats.Discard,
		}))
	})
}

// newTransport is middleware.NewTransport for a valid cfg.
func newTransport(b *testing.B, base http.RoundTripper, cfg middleware.ClientConfig) *middleware.Transport {
	b.Helper()
	tr, err := middleware.NewTransport(base, cfg)
	if err != nil {
		b.Fatal(err)
	}
	return tr
}
