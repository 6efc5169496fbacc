package middleware

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/vitals-go/vitals/middleware/internal/keycache"
	"github.com/vitals-go/vitals/middleware/internal/userfunc"
	"github.com/vitals-go/vitals/stats"
)

// Stat names emitted by the server middleware.
const (
	// StatServerRequests counts requests, tagged route and status (class: 2xx...).
	StatServerRequests = "http.server.requests"
	// StatServerDuration times requests, tagged route and status.
	StatServerDuration = "http.server.duration"
	// StatServerInFlight gauges the requests being served.
	StatServerInFlight = "http.server.in_flight"
)

// UnmatchedRoute is the route tag of requests no pattern matched, so raw
// paths never become stat names.
const UnmatchedRoute = "unmatched"

// OtherRoute is the route tag used once StatsConfig.MaxRoutes distinct routes
// have been seen.
const OtherRoute = "other"

// DefaultMaxRoutes is the bound on distinct route tags when
// StatsConfig.MaxRoutes is zero.
const DefaultMaxRoutes = 1000

// StatsConfig configures the stats piece ([Stats], and ServerConfig.Stats of
// [New]). The zero value emits to stats.Default() with routes from
// Request.Pattern.
type StatsConfig struct {
	// Emitter receives the stats. Default: stats.Default() when the
	// middleware is built (call stats.SetDefault first).
	Emitter stats.Emitter
	// Route names the route of a request; see [PatternRoute]. Default:
	// PatternRoute. An empty route is tagged UnmatchedRoute.
	Route func(*http.Request) string
	// MaxRoutes bounds the distinct route tags; later routes are tagged
	// OtherRoute. Default: DefaultMaxRoutes.
	MaxRoutes int
}

// PatternRoute returns the pattern that http.ServeMux matched (Go 1.22+
// Request.Pattern), such as "GET /users/{id}". A router that does not set
// Request.Pattern needs its own route function in the configs. When a
// middleware between the pieces and the router replaces the request
// (r.WithContext), wrap the router in [Routed], or every request reads as
// unmatched.
func PatternRoute(r *http.Request) string { return r.Pattern }

type serverStats struct {
	emitter  stats.Emitter
	inFlight *stats.Gauge
	route    func(*http.Request) string
	byRoute  *keycache.Cache[string, classGroup]
}

// classGroup holds the stats handles of one route (or host), built on first
// use for each status class.
type classGroup struct {
	classes *keycache.Cache[string, classStats]
}

// classStats holds the pre-registered counter and the tags of one route (or
// host) and status class.
type classStats struct {
	requests *stats.Counter
	tags     []stats.Tag
}

// newClassGroup returns the handles of counter tagged with tags and
// status=<class>.
func newClassGroup(e stats.Emitter, counter string, tags ...stats.Tag) *classGroup {
	return &classGroup{classes: keycache.New(16, "other", func(class string) *classStats {
		tags := append(tags[:len(tags):len(tags)], stats.T("status", class))
		return &classStats{requests: e.NewCounter(counter, tags...), tags: tags}
	})}
}

// get returns the handles of class.
func (g *classGroup) get(class string) *classStats { return g.classes.Get(class) }

// newServerStats returns the stats piece; a panic in cfg.Route is logged
// to logger (slog.Default() when nil).
func newServerStats(cfg StatsConfig, logger *slog.Logger) (*serverStats, error) {
	if cfg.MaxRoutes < 0 {
		return nil, configError("StatsConfig.MaxRoutes", "is negative", "leave it 0 for the default (DefaultMaxRoutes, 1000) or set a positive bound")
	}
	s := &serverStats{emitter: cfg.Emitter, route: userfunc.Guard("StatsConfig.Route", "PatternRoute", cfg.Route, PatternRoute, logger)}
	if s.emitter == nil {
		s.emitter = stats.Default()
	}
	maxRoutes := cfg.MaxRoutes
	if maxRoutes == 0 {
		maxRoutes = DefaultMaxRoutes
	}
	s.inFlight = s.emitter.NewGauge(StatServerInFlight)
	s.byRoute = keycache.New(maxRoutes, OtherRoute, func(route string) *classGroup {
		return newClassGroup(s.emitter, StatServerRequests, stats.T("route", route))
	})
	return s, nil
}

// record counts one finished request.
func (s *serverStats) record(route string, status int, d time.Duration) {
	if route == "" {
		route = UnmatchedRoute
	}
	c := s.byRoute.Get(route).get(statusClass(status))
	c.requests.Inc()
	s.emitter.Timing(StatServerDuration, d, c.tags...)
}

// statusClass returns "1xx" ... "5xx", or "other" for a code outside them.
func statusClass(code int) string {
	switch code / 100 {
	case 1:
		return "1xx"
	case 2:
		return "2xx"
	case 3:
		return "3xx"
	case 4:
		return "4xx"
	case 5:
		return "5xx"
	}
	return "other"
}
