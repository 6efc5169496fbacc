package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	promclient "github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/vitals-go/vitals/examples/internal/demo"
	vlog "github.com/vitals-go/vitals/log"
	"github.com/vitals-go/vitals/stats"
	"github.com/vitals-go/vitals/stats/otelstats"
)

// metricsPrefix goes in front of every stat name, on either backend.
const metricsPrefix = "orders"

// metrics is where the service's stats go, as -metrics chose: statsd (the
// default), or OpenTelemetry through stats/otelstats, served in
// Prometheus' text format at /metrics of the orders server. Either way every
// vitals metric (middleware, breaker) goes through the same stats.Emitter.
type metrics struct {
	stats.Emitter
	statsdAddr string
	statsd     *stats.Statsd // -metrics statsd

	otel     *otelstats.Emitter // -metrics otel
	provider *sdkmetric.MeterProvider
	scrapes  *scrapes
}

// newMetrics returns the backend cfg.Metrics names.
func newMetrics(cfg demo.Config) (*metrics, error) {
	if cfg.Metrics != "otel" {
		s, err := stats.NewStatsd(stats.Config{Addr: cfg.Statsd, Prefix: metricsPrefix})
		if err != nil {
			return nil, err
		}
		return &metrics{Emitter: s, statsd: s, statsdAddr: cfg.Statsd}, nil
	}
	// A registry of its own, not Prometheus' global one: the exporter and
	// its /metrics belong to this run alone.
	registry := promclient.NewRegistry()
	exporter, err := otelprom.New(otelprom.WithRegisterer(registry))
	if err != nil {
		return nil, err
	}
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))
	e, err := otelstats.New(otelstats.Config{MeterProvider: provider, Prefix: metricsPrefix})
	if err != nil {
		return nil, err
	}
	return &metrics{Emitter: e, otel: e, provider: provider,
		scrapes: newScrapes(promhttp.HandlerFor(registry, promhttp.HandlerOpts{}))}, nil
}

// serve adds GET /metrics to mux when the stats go to OTel.
func (m *metrics) serve(mux *http.ServeMux) {
	if m.scrapes != nil {
		mux.Handle("GET /metrics", m.scrapes)
	}
}

// lastScrape waits, when something has been scraping /metrics, for one more
// scrape, so that the counts of the last requests reach Prometheus before
// the service stops serving. It waits at most twice the last interval
// between scrapes (10 s at most), and not at all without a scraper.
func (m *metrics) lastScrape() {
	if m.scrapes != nil {
		m.scrapes.awaitNext(10 * time.Second)
	}
}

// Close sends what statsd has queued, or shuts the OTel provider down.
func (m *metrics) Close() error {
	if m.statsd != nil {
		return m.statsd.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return m.provider.Shutdown(ctx)
}

// delivery is the summary's lines on the stats and the logs; call it once
// both are closed.
func (m *metrics) delivery(logs *vlog.AsyncWriter) interface{ Write(io.Writer) } {
	if m.statsd != nil {
		return demo.Delivered(m.statsdAddr, m.statsd, logs)
	}
	return otelDelivery{Scrapes: m.scrapes.count(), Dropped: m.otel.Dropped(), LogsDropped: logs.Dropped()}
}

// otelDelivery is what became of a run's stats and log lines with
// -metrics otel.
type otelDelivery struct {
	Scrapes     int    // scrapes of /metrics served
	Dropped     uint64 // stats otelstats lost
	LogsDropped uint64 // log lines the async writer dropped
}

// Write prints the delivery lines of the summary.
func (d otelDelivery) Write(w io.Writer) {
	fmt.Fprintf(w, "  stats to OpenTelemetry, served at /metrics: %d scrapes, %d dropped\n", d.Scrapes, d.Dropped)
	fmt.Fprintf(w, "  log lines dropped: %d\n", d.LogsDropped)
}

// scrapes serves /metrics and keeps track of the scrapes, so that the run
// can wait for one that began after its last request.
type scrapes struct {
	next http.Handler

	mu        sync.Mutex
	n         int           // scrapes served
	started   [2]time.Time  // the starts of the last two scrapes begun
	lastEnded time.Time     // the start of the latest scrape served
	ended     chan struct{} // closed, and replaced, when a scrape ends
}

func newScrapes(next http.Handler) *scrapes {
	return &scrapes{next: next, ended: make(chan struct{})}
}

func (s *scrapes) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	s.mu.Lock()
	s.started[0], s.started[1] = s.started[1], start
	s.mu.Unlock()
	s.next.ServeHTTP(w, r)
	s.mu.Lock()
	s.n++
	if start.After(s.lastEnded) {
		s.lastEnded = start
	}
	close(s.ended)
	s.ended = make(chan struct{})
	s.mu.Unlock()
}

// count returns how many scrapes were served.
func (s *scrapes) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// awaitNext waits until a scrape that began after the call has been served,
// for at most twice the interval between the last two scrapes, and at most
// limit; it returns at once if fewer than two scrapes have begun.
func (s *scrapes) awaitNext(limit time.Duration) {
	now := time.Now()
	s.mu.Lock()
	if s.started[0].IsZero() {
		s.mu.Unlock()
		return
	}
	wait := min(2*s.started[1].Sub(s.started[0]), limit)
	s.mu.Unlock()
	timeout := time.NewTimer(wait)
	defer timeout.Stop()
	for {
		s.mu.Lock()
		served, ended := s.lastEnded.After(now), s.ended
		s.mu.Unlock()
		if served {
			return
		}
		select {
		case <-ended:
		case <-timeout.C:
			return
		}
	}
}
