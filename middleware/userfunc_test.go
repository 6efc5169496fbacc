package middleware_test

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/middleware"
	"github.com/vitals-go/vitals/stats"
	"github.com/vitals-go/vitals/stats/statstest"
)

// TestServerUserFunctionsPanickingFallBack: a Level, Skip or Route that
// panics does not break the request: the client gets the handler's
// response, the record is logged with the default (the route the mux
// matched, the default level), and the panic is logged naming the option.
func TestServerUserFunctionsPanickingFallBack(t *testing.T) {
	cases := map[string]func(*middleware.ServerConfig){
		"AccessLogConfig.Level": func(c *middleware.ServerConfig) {
			c.AccessLog.Level = func(middleware.ServerOutcome) slog.Level { panic("level") }
		},
		"AccessLogConfig.Skip": func(c *middleware.ServerConfig) {
			c.AccessLog.Skip = func(*http.Request, middleware.ServerOutcome) bool { panic("skip") }
		},
		"AccessLogConfig.Route": func(c *middleware.ServerConfig) {
			c.AccessLog.Route = func(*http.Request) string { panic("route") }
		},
		"StatsConfig.Route": func(c *middleware.ServerConfig) {
			c.Stats.Route = func(*http.Request) string { panic("route") }
		},
	}
	for option, set := range cases {
		t.Run(option, func(t *testing.T) {
			mux := http.NewServeMux()
			sink := &logSink{}
			logger := sink.logger()
			mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
				logger.InfoContext(r.Context(), "inside")
				_, _ = w.Write([]byte("ok"))
			})
			st := statstest.New()
			cfg := middleware.ServerConfig{AccessLog: middleware.AccessLogConfig{Logger: logger}, Stats: middleware.StatsConfig{Emitter: st}}
			set(&cfg)
			srv, _ := newServer(t, mux, cfg)
			for range 3 {
				resp, body := get(t, srv.URL+"/users/7")
				assert.Equal(t, http.StatusOK, resp.StatusCode)
				assert.Equal(t, "ok", body)
			}
			for _, rec := range sink.wait(t, "request", 3) {
				assert.Equal(t, "INFO", rec["level"])
				assert.Equal(t, "GET /users/{id}", rec["route"])
			}
			for _, rec := range sink.wait(t, "inside", 3) {
				assert.Equal(t, "GET /users/{id}", rec["route"])
			}
			assert.EqualValues(t, 3, st.Counted(middleware.StatServerRequests, stats.T("route", "GET /users/{id}"), stats.T("status", "2xx")), "%v", st.Series())
			panics := sink.wait(t, "user function panicked", 2) // the 1st and the 2nd
			assert.Equal(t, "run "+option, panics[0]["attempted"])
			assert.Equal(t, "ERROR", panics[0]["level"])
		})
	}
}

// TestTransportUserFunctionsPanickingFallBack: a ClientConfig.Level or
// BreakerConfig that panics does not break the call: the caller gets the
// response, the record is logged at the default level, the host has a
// breaker with the defaults, and the panic is logged naming the option.
func TestTransportUserFunctionsPanickingFallBack(t *testing.T) {
	cases := map[string]func(*middleware.ClientConfig){
		"ClientConfig.Level": func(c *middleware.ClientConfig) {
			c.Level = func(middleware.ClientOutcome) slog.Level { panic("level") }
		},
		"ClientConfig.BreakerConfig": func(c *middleware.ClientConfig) {
			c.BreakerConfig = func(string) breaker.Config { panic("breaker config") }
		},
	}
	for option, set := range cases {
		t.Run(option, func(t *testing.T) {
			srv, hits := countingServer(t)
			sink := &logSink{}
			cfg := middleware.ClientConfig{Logger: sink.logger()}
			set(&cfg)
			client := &http.Client{Transport: newTransport(t, nil, cfg)}
			for range 2 {
				resp, err := client.Get(srv.URL + "/x")
				require.NoError(t, err)
				require.NoError(t, resp.Body.Close())
				assert.Equal(t, http.StatusOK, resp.StatusCode)
			}
			assert.EqualValues(t, 2, hits.Load())
			for _, rec := range sink.wait(t, "outbound request", 2) {
				assert.Equal(t, "INFO", rec["level"])
			}
			panics := sink.wait(t, "user function panicked", 1)
			assert.Equal(t, "run "+option, panics[0]["attempted"])
		})
	}
}

// TestTransportBreakerConfigBlockingHoldsOnlyItsHost: a BreakerConfig
// that blocks for one host holds up the calls to that host only.
func TestTransportBreakerConfigBlockingHoldsOnlyItsHost(t *testing.T) {
	slow, _ := countingServer(t)
	fast, _ := countingServer(t)
	slowHost := strings.TrimPrefix(slow.URL, "http://")
	release, entered := make(chan struct{}), make(chan struct{})
	client := &http.Client{Transport: newTransport(t, nil, middleware.ClientConfig{
		Logger: slog.New(slog.DiscardHandler),
		BreakerConfig: func(host string) breaker.Config {
			if host == slowHost {
				close(entered)
				<-release
			}
			return breaker.Config{}
		}})}
	slowDone := getAsync(client, slow.URL)
	<-entered
	fastDone := getAsync(client, fast.URL)
	select {
	case err := <-fastDone:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("a BreakerConfig blocked for one host held up another host's calls")
	}
	close(release)
	require.NoError(t, <-slowDone)
}

// getAsync gets url with client in a goroutine and sends the error (the
// body closed) on the returned channel.
func getAsync(client *http.Client, url string) <-chan error {
	done := make(chan error, 1)
	go func() {
		resp, err := client.Get(url)
		if err == nil {
			err = resp.Body.Close()
		}
		done <- err
	}()
	return done
}
