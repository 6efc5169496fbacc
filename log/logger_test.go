package log_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	vlog "github.com/vitals-go/vitals/log"
	"github.com/vitals-go/vitals/reqid"
)

func TestNewWritesJSONWithContextFields(t *testing.T) {
	t.Setenv(vlog.LevelEnv, "")
	var out lines
	l := vlog.New(vlog.Options{Writer: &out})
	l.Debug("below the default level")
	l.InfoContext(requestContext(), "served", "status", 200)

	got := out.decode(t)
	require.Len(t, got, 1)
	m := got[0]
	assert.Equal(t, "INFO", m["level"])
	assert.Equal(t, "served", m["msg"])
	assert.Equal(t, 200.0, m["status"])
	assertRequestFields(t, m)
	assert.Equal(t, reqid.Process().ID, m["process"].(map[string]any)["id"])
	assert.NotEmpty(t, m["time"])
}

func TestNewLevel(t *testing.T) {
	for _, tc := range []struct {
		env     string
		opt     slog.Leveler
		debug   bool
		info    bool
		warning bool // New warned about the value
	}{
		{env: "", info: true},
		{env: "debug", debug: true, info: true},
		{env: "WARN"},
		{env: "info-4", debug: true, info: true},
		{env: "verbose", info: true, warning: true},
		{env: "error", opt: slog.LevelDebug, debug: true, info: true},
	} {
		t.Run(tc.env, func(t *testing.T) {
			t.Setenv(vlog.LevelEnv, tc.env)
			var out lines
			l := vlog.New(vlog.Options{Writer: &out, Level: tc.opt})
			assert.Equal(t, tc.debug, l.Enabled(context.Background(), slog.LevelDebug))
			assert.Equal(t, tc.info, l.Enabled(context.Background(), slog.LevelInfo))
			assert.True(t, l.Enabled(context.Background(), slog.LevelError))
			got := out.decode(t)
			if !tc.warning {
				assert.Empty(t, got)
				return
			}
			require.Len(t, got, 1)
			assert.Equal(t, "WARN", got[0]["level"])
			assert.Contains(t, got[0]["error"], `"verbose"`)
			assert.Contains(t, got[0]["attempted"], vlog.LevelEnv)
			assert.Contains(t, got[0]["remedy"], vlog.LevelEnv)
		})
	}
}

func TestNewAddSourceAndOptions(t *testing.T) {
	var out lines
	l := vlog.New(vlog.Options{Writer: &out, Level: slog.LevelInfo, AddSource: true, Handler: vlog.HandlerOptions{OmitProcess: true}})
	l.Info("x")
	m := out.decode(t)[0]
	assert.Contains(t, m["source"].(map[string]any)["file"], "logger_test.go")
	assert.NotContains(t, m, "process")
}

// TestNewWritesWhatSlogJSONWould compares New's logger with NewHandler on
// slog's JSON handler, byte for byte, through every path of NewHandler: the
// first and the cached record of a context, a record key that clashes with
// the context's, and groups, which NewHandler nests itself.
func TestNewWritesWhatSlogJSONWould(t *testing.T) {
	var got, want writes
	vitals := vlog.New(vlog.Options{Writer: &got, Level: slog.LevelDebug, AddSource: true,
		Handler: vlog.HandlerOptions{Process: &testIdentity}}).Handler()
	ref := vlog.NewHandler(slog.NewJSONHandler(&want, &slog.HandlerOptions{Level: slog.LevelDebug, AddSource: true}),
		&vlog.HandlerOptions{Process: &testIdentity})
	ctx := vlog.With(requestContext(), "tenant", "acme", "method", "POST")
	at := time.Date(2026, 11, 23, 14, 0, 0, 5000, time.Local)
	for _, h := range []func(slog.Handler) slog.Handler{
		func(h slog.Handler) slog.Handler { return h },
		func(h slog.Handler) slog.Handler { return h.WithAttrs([]slog.Attr{slog.String("component", "orders")}) },
		func(h slog.Handler) slog.Handler {
			return h.WithGroup("req").WithAttrs([]slog.Attr{slog.Int("attempt", 2)}).WithGroup("body")
		},
	} {
		hv, hr := h(vitals), h(ref)
		for _, r := range []slog.Record{
			record(at, slog.LevelInfo, "first", here(), slog.Int("items", 3)),
			record(at, slog.LevelDebug, "cached", 0, slog.Int("items", 3)),
			record(at, slog.LevelWarn, "clash", 0, slog.String("method", "GET")),
			record(at, slog.LevelError, "no attributes", here()),
		} {
			require.NoError(t, hv.Handle(ctx, r))
			require.NoError(t, hr.Handle(ctx, r))
		}
	}
	require.Len(t, got.calls, 12)
	assert.Equal(t, want.calls, got.calls)
}

func ExampleNew() {
	logger := vlog.New(vlog.Options{}) // JSON to stderr, level from VITALS_LOG_LEVEL
	slog.SetDefault(logger)

	ctx := reqid.With(context.Background(), reqid.New())
	slog.InfoContext(ctx, "order placed", "order", "ord-7f3a")
	// stderr: {"time":"...","level":"INFO","msg":"order placed",
	//   "process":{"service":"billing",...},"request_id":"0af7...","order":"ord-7f3a"}
}
