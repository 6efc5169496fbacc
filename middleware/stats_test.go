package middleware_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/middleware"
	"github.com/vitals-go/vitals/stats"
	"github.com/vitals-go/vitals/stats/statstest"
)

func TestServerStatsByRouteAndStatusClass(t *testing.T) {
	rec := statstest.New()
	inside := make(chan float64, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") == "0" {
			http.Error(w, "no", http.StatusBadRequest)
			return
		}
		v, _ := rec.GaugeValue(middleware.StatServerInFlight)
		select {
		case inside <- v:
		default:
		}
	})
	srv, _ := newServer(t, mux, middleware.ServerConfig{Stats: middleware.StatsConfig{Emitter: rec}})

	get(t, srv.URL+"/items/1")
	get(t, srv.URL+"/items/2")
	get(t, srv.URL+"/items/0")
	get(t, srv.URL+"/nowhere/at/all")

	route := stats.T("route", "GET /items/{id}")
	assert.EqualValues(t, 2, rec.Counted(middleware.StatServerRequests, route, stats.T("status", "2xx")))
	assert.EqualValues(t, 1, rec.Counted(middleware.StatServerRequests, route, stats.T("status", "4xx")))
	assert.EqualValues(t, 1, rec.Counted(middleware.StatServerRequests, stats.T("route", middleware.UnmatchedRoute), stats.T("status", "4xx")),
		"unmatched paths never become tags")
	assert.Len(t, rec.Timings(middleware.StatServerDuration, route, stats.T("status", "2xx")), 2)
	require.Len(t, inside, 1)
	assert.EqualValues(t, 1, <-inside, "in flight while the handler runs")
	v, ok := rec.GaugeValue(middleware.StatServerInFlight)
	assert.True(t, ok)
	assert.EqualValues(t, 0, v)
}

func TestServerStatsBoundRoutes(t *testing.T) {
	rec := statstest.New()
	h, err := middleware.Stats(http.NotFoundHandler(), middleware.StatsConfig{
		Emitter:   rec,
		MaxRoutes: 1,
		Route:     func(r *http.Request) string { return r.URL.Path },
	})
	require.NoError(t, err)
	srv := newPlainServer(t, h)
	get(t, srv.URL+"/a")
	get(t, srv.URL+"/b")
	get(t, srv.URL+"/c")
	assert.EqualValues(t, 1, rec.Counted(middleware.StatServerRequests, stats.T("route", "/a"), stats.T("status", "4xx")))
	assert.EqualValues(t, 2, rec.Counted(middleware.StatServerRequests, stats.T("route", middleware.OtherRoute), stats.T("status", "4xx")))
}

func TestServerStatsBoundRoutesByDefault(t *testing.T) {
	rec := statstest.New()
	h, err := middleware.Stats(http.NotFoundHandler(), middleware.StatsConfig{
		Emitter: rec,
		Route:   func(r *http.Request) string { return r.URL.Path },
	})
	require.NoError(t, err)
	for i := range middleware.DefaultMaxRoutes + 1 {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, fmt.Sprintf("/r%d", i), nil))
	}
	last := fmt.Sprintf("/r%d", middleware.DefaultMaxRoutes-1)
	assert.EqualValues(t, 1, rec.Counted(middleware.StatServerRequests, stats.T("route", last), stats.T("status", "4xx")))
	assert.EqualValues(t, 1, rec.Counted(middleware.StatServerRequests, stats.T("route", middleware.OtherRoute), stats.T("status", "4xx")))
}

func TestPanicThroughStatsAloneIsCountedAs5xx(t *testing.T) {
	rec := statstest.New()
	h, err := middleware.Stats(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("x") }), middleware.StatsConfig{Emitter: rec})
	require.NoError(t, err)
	srv := newPlainServer(t, h)
	_, err = http.Get(srv.URL)
	require.Error(t, err, "net/http dropped the connection")
	require.Eventually(t, func() bool {
		return rec.Counted(middleware.StatServerRequests, stats.T("route", middleware.UnmatchedRoute), stats.T("status", "5xx")) == 1
	}, 5e9, 5e6)
	v, _ := rec.GaugeValue(middleware.StatServerInFlight)
	assert.EqualValues(t, 0, v)
}
