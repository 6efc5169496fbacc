package middleware_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/middleware"
	"github.com/vitals-go/vitals/reqid"
)

// newServer starts a loopback server running mux behind New(cfg), logging to
// the returned sink unless cfg names a logger.
func newServer(t *testing.T, mux http.Handler, cfg middleware.ServerConfig) (*httptest.Server, *logSink) {
	t.Helper()
	sink := &logSink{}
	if cfg.AccessLog.Logger == nil {
		cfg.AccessLog.Logger = sink.logger()
	}
	h, err := middleware.New(mux, cfg)
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, sink
}

func get(t *testing.T, url string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(body)
}

func TestNewLogsOneRecordPerRequestWithRouteAndRequestID(t *testing.T) {
	sink := &logSink{}
	logger := sink.logger()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, ok := reqid.From(r.Context())
		assert.True(t, ok)
		assert.Equal(t, id, w.Header().Get("X-Request-ID"))
		logger.InfoContext(r.Context(), "loading user", "user", r.PathValue("id"))
		_, _ = io.WriteString(w, "hello")
	})
	srv, _ := newServer(t, mux, middleware.ServerConfig{AccessLog: middleware.AccessLogConfig{Logger: logger}})

	resp, body := get(t, srv.URL+"/users/42?token=secret", "User-Agent", "test-agent")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "hello", body)
	id := resp.Header.Get("X-Request-ID")
	require.True(t, reqid.Valid(id), "echoed ID %q", id)

	rec := sink.wait(t, "request", 1)[0]
	assert.Equal(t, "INFO", rec["level"])
	assert.Equal(t, "GET", rec["method"])
	assert.Equal(t, "GET /users/{id}", rec["route"])
	assert.Equal(t, "/users/42", rec["path"], "no query string by default")
	assert.EqualValues(t, 200, rec["status"])
	assert.EqualValues(t, 5, rec["bytes"])
	assert.Contains(t, rec, "duration")
	assert.Contains(t, rec["remote_addr"], "127.0.0.1:")
	assert.Equal(t, "test-agent", rec["user_agent"])
	assert.Equal(t, id, rec["request_id"])
	assert.NotContains(t, rec, "client_gone")

	inner := sink.wait(t, "loading user", 1)[0]
	assert.Equal(t, id, inner["request_id"], "the handler's records carry the request ID")
	assert.Equal(t, "GET", inner["method"])
	assert.Equal(t, "GET /users/{id}", inner["route"], "the route resolves after the mux matched")
	assert.Len(t, sink.Records(t), 2, "one access record, one handler record")
}

func TestRequestIDTrustPolicy(t *testing.T) {
	const inbound = "upstream-id.42:a_b"
	cases := []struct {
		name   string
		cfg    middleware.RequestIDConfig
		header string
		kept   bool
	}{
		{"any accepts a valid ID", middleware.RequestIDConfig{}, inbound, true},
		{"any replaces an invalid ID", middleware.RequestIDConfig{}, "has space", false},
		{"none replaces a valid ID", middleware.RequestIDConfig{Trust: middleware.TrustNone}, inbound, false},
		{"trusted proxy accepted", middleware.RequestIDConfig{Trust: middleware.TrustProxies,
			TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}, inbound, true},
		{"untrusted peer replaced", middleware.RequestIDConfig{Trust: middleware.TrustProxies,
			TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}, inbound, false},
		{"custom header", middleware.RequestIDConfig{Header: "x-correlation-id"}, inbound, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, sink := newServer(t, http.NotFoundHandler(), middleware.ServerConfig{RequestID: tc.cfg})
			header := tc.cfg.Header
			if header == "" {
				header = "X-Request-ID"
			}
			resp, _ := get(t, srv.URL+"/", header, tc.header)
			got := resp.Header.Get(header)
			require.True(t, reqid.Valid(got))
			rec := sink.wait(t, "request", 1)[0]
			assert.Equal(t, got, rec["request_id"])
			if tc.kept {
				assert.Equal(t, tc.header, got)
			} else {
				assert.NotEqual(t, tc.header, got)
			}
		})
	}
}

func TestInvalidConfigIsRefusedNamingTheField(t *testing.T) {
	cases := map[string]middleware.ServerConfig{
		"RequestIDConfig.TrustedProxies": {RequestID: middleware.RequestIDConfig{Trust: middleware.TrustProxies}},
		"RequestIDConfig.Trust":          {RequestID: middleware.RequestIDConfig{Trust: 9}},
		"AccessLogConfig.StackDepth":     {AccessLog: middleware.AccessLogConfig{StackDepth: -1}},
		"AccessLogConfig.Headers":        {AccessLog: middleware.AccessLogConfig{Headers: []string{""}}},
		"StatsConfig.MaxRoutes":          {Stats: middleware.StatsConfig{MaxRoutes: -1}},
	}
	for field, cfg := range cases {
		_, err := middleware.New(http.NotFoundHandler(), cfg)
		require.Error(t, err, field)
		assert.Contains(t, err.Error(), field)
		assert.Equal(t, errctx.Permanent, errctx.ClassOf(err), field)
		assert.NotEmpty(t, errctx.RemediesOf(err), field)
	}
}

func TestLevelByOutcomeAndSkipDecidedAfterTheOutcome(t *testing.T) {
	healthy := true
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		if !healthy {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	mux.HandleFunc("/missing", http.NotFound)
	srv, sink := newServer(t, mux, middleware.ServerConfig{AccessLog: middleware.AccessLogConfig{
		Skip: middleware.SkipSucceeded("/healthz"),
	}})

	get(t, srv.URL+"/healthz")
	get(t, srv.URL+"/missing")
	healthy = false
	get(t, srv.URL+"/healthz")

	recs := sink.wait(t, "request", 2)
	require.Len(t, recs, 2, "the successful health check was skipped")
	assert.Equal(t, "/missing", recs[0]["path"])
	assert.Equal(t, "WARN", recs[0]["level"])
	assert.Equal(t, "/healthz", recs[1]["path"])
	assert.EqualValues(t, 503, recs[1]["status"])
	assert.Equal(t, "ERROR", recs[1]["level"])
}

func TestCustomLevelAndQuery(t *testing.T) {
	srv, sink := newServer(t, http.NotFoundHandler(), middleware.ServerConfig{AccessLog: middleware.AccessLogConfig{
		Level: func(middleware.ServerOutcome) slog.Level { return slog.LevelDebug },
		Query: true,
	}})
	get(t, srv.URL+"/a?b=c")
	rec := sink.wait(t, "request", 1)[0]
	assert.Equal(t, "DEBUG", rec["level"])
	assert.Equal(t, "/a?b=c", rec["path"])
}

func TestDefaultRedactedCannotBeChanged(t *testing.T) {
	names := middleware.DefaultRedacted()
	require.Contains(t, names, "Authorization")
	for i := range names {
		names[i] = "X-Nothing"
	}
	assert.Contains(t, middleware.DefaultRedacted(), "Authorization")

	srv, sink := newServer(t, http.NotFoundHandler(), middleware.ServerConfig{AccessLog: middleware.AccessLogConfig{
		Headers: []string{"Authorization"},
	}})
	get(t, srv.URL+"/", "Authorization", "Bearer hunter2")
	assert.Equal(t, map[string]any{"Authorization": "[REDACTED]"}, sink.wait(t, "request", 1)[0]["headers"])
}

func TestSensitiveHeadersAreRedacted(t *testing.T) {
	srv, sink := newServer(t, http.NotFoundHandler(), middleware.ServerConfig{AccessLog: middleware.AccessLogConfig{
		Headers: []string{"authorization", "X-Tenant", "X-Secret-Thing", "Absent"},
		Redact:  []string{"x-secret-thing"},
	}})
	get(t, srv.URL+"/", "Authorization", "Bearer hunter2", "X-Tenant", "acme", "X-Secret-Thing", "s3cr3t")
	rec := sink.wait(t, "request", 1)[0]
	assert.Equal(t, map[string]any{"Authorization": "[REDACTED]", "X-Tenant": "acme", "X-Secret-Thing": "[REDACTED]"}, rec["headers"],
		"masked as errctx masks a secret field")
	for _, line := range sink.Lines() {
		assert.NotContains(t, line, "hunter2")
		assert.NotContains(t, line, "s3cr3t")
	}
}

func TestPiecesAloneCompose(t *testing.T) {
	sink := &logSink{}
	logger := sink.logger()
	var inner http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		logger.InfoContext(r.Context(), "inside")
		w.WriteHeader(http.StatusAccepted)
	})
	h, err := middleware.Stats(inner, middleware.StatsConfig{})
	require.NoError(t, err)
	h, err = middleware.AccessLog(h, middleware.AccessLogConfig{Logger: logger})
	require.NoError(t, err)
	h, err = middleware.RequestID(h, middleware.RequestIDConfig{})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()

	resp, _ := get(t, srv.URL+"/x", "X-Request-ID", `bad"id`)
	id := resp.Header.Get("X-Request-ID")
	require.True(t, reqid.Valid(id))
	rec := sink.wait(t, "request", 1)[0]
	assert.Equal(t, id, rec["request_id"])
	assert.EqualValues(t, 202, rec["status"])
	assert.Contains(t, rec["request_id_rejected"], "len=6")
	for _, line := range sink.Lines() {
		assert.Equal(t, 1, strings.Count(line, `"method"`), "no repeated keys: %s", line)
	}
	assert.Equal(t, id, sink.wait(t, "inside", 1)[0]["request_id"])
}
