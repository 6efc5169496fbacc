package middleware_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/vitals-go/vitals/internal/benchmetric"
	"github.com/vitals-go/vitals/log"
	"github.com/vitals-go/vitals/middleware"
	"github.com/vitals-go/vitals/reqid"
	"github.com/vitals-go/vitals/stats"
)

var bare = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	_, _ = io.WriteString(w, "ok")
})

// benchRequest is the request the server benchmarks and allocation budgets
// serve, with the header name-value pairs given set too.
func benchRequest(header ...string) *http.Request {
	req := httptest.NewRequest(http.MethodGet, "/users/42", nil)
	req.RemoteAddr = "127.0.0.1:40000"
	req.Header.Set("User-Agent", "bench")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return req
}

// serveBench measures h serving benchRequest(header...).
func serveBench(b *testing.B, h http.Handler, header ...string) {
	b.Helper()
	req := benchRequest(header...)
	b.ReportAllocs()
	defer benchmetric.ReportCPU(b)()
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
}

func benchConfig() middleware.ServerConfig {
	return middleware.ServerConfig{
		AccessLog: middleware.AccessLogConfig{Logger: log.New(log.Options{Writer: io.Discard})},
		Stats:     middleware.StatsConfig{Emitter: stats.Discard},
	}
}

func BenchmarkServerBare(b *testing.B) { serveBench(b, bare) }

func BenchmarkServerStack(b *testing.B) {
	h, err := middleware.New(bare, benchConfig())
	if err != nil {
		b.Fatal(err)
	}
	serveBench(b, h)
}

func BenchmarkServerStackInboundID(b *testing.B) {
	h, err := middleware.New(bare, benchConfig())
	if err != nil {
		b.Fatal(err)
	}
	serveBench(b, h, "X-Request-ID", "0123456789abcdef0123456789abcdef")
}

func BenchmarkServerRequestIDAlone(b *testing.B) {
	h, err := middleware.RequestID(bare, middleware.RequestIDConfig{})
	if err != nil {
		b.Fatal(err)
	}
	serveBench(b, h)
}

func BenchmarkServerAccessLogAlone(b *testing.B) {
	h, err := middleware.AccessLog(bare, benchConfig().AccessLog)
	if err != nil {
		b.Fatal(err)
	}
	serveBench(b, h)
}

func BenchmarkServerStatsAlone(b *testing.B) {
	h, err := middleware.Stats(bare, middleware.StatsConfig{Emitter: stats.Discard})
	if err != nil {
		b.Fatal(err)
	}
	serveBench(b, h)
}

func clientBench(b *testing.B, rt http.RoundTripper) {
	b.Helper()
	ctx := reqid.With(context.Background(), reqid.New())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://api.internal:8080/users/42", nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	defer benchmetric.ReportCPU(b)()
	for b.Loop() {
		resp, err := rt.RoundTrip(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
	}
}

func benchTransport(b *testing.B, base http.RoundTripper) http.RoundTripper {
	return newTransport(b, base, middleware.ClientConfig{
		Logger: log.New(log.Options{Writer: io.Discard}),
		Stats:  stats.Discard,
	})
}

func BenchmarkClientBare(b *testing.B) { clientBench(b, benchmetric.CannedTransport{}) }

func BenchmarkClientTransport(b *testing.B) {
	clientBench(b, benchTransport(b, benchmetric.CannedTransport{}))
}

// BenchmarkClientBareWatching and BenchmarkClientTransportWatching are the
// pair above with a base that watches the context as http.Transport does.
func BenchmarkClientBareWatching(b *testing.B) {
	clientBench(b, benchmetric.CannedTransport{Watch: true})
}

func BenchmarkClientTransportWatching(b *testing.B) {
	clientBench(b, benchTransport(b, benchmetric.CannedTransport{Watch: true}))
}
