package breaker

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/internal/logtest"
)

// A critical breaker whose open period has passed lets the next call probe:
// the health check must not keep away the traffic that would.
func TestCriticalBreakerPastItsOpenPeriodIsNotUnavailable(t *testing.T) {
	h := newHarness(t, Config{Critical: true, ConsecutiveFailures: 1})
	r := NewRegistry()
	require.NoError(t, r.Register(h.b))
	h.fails(1)
	h.expect(Closed, Open)
	status := func() int {
		w := httptest.NewRecorder()
		r.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
		return w.Code
	}
	assert.Equal(t, http.StatusServiceUnavailable, status())
	assert.Equal(t, Unavailable, r.Status().Health)
	h.clock.Advance(30*time.Second - time.Millisecond)
	assert.Equal(t, http.StatusServiceUnavailable, status())
	h.clock.Advance(time.Millisecond)
	assert.Equal(t, http.StatusOK, status())
	assert.Equal(t, Degraded, r.Status().Health, "open, but the next call probes")
}

// A refused duplicate builds nothing: the registered breaker's state gauge
// keeps its value.
func TestRegistryRefusesADuplicateBeforeBuildingIt(t *testing.T) {
	h := newHarness(t, Config{Name: "payments", ConsecutiveFailures: 1})
	r := NewRegistry()
	require.NoError(t, r.Register(h.b))
	h.fails(1)
	h.expect(Closed, Open)
	require.Eventually(t, func() bool { v, _ := h.stats.GaugeValue("breaker.payments.state"); return v == 2 }, 5*time.Second, time.Millisecond)

	_, err := r.New(Config{Name: "payments", Stats: h.stats, Logger: discardLogger()})
	require.Error(t, err)
	v, _ := h.stats.GaugeValue("breaker.payments.state")
	assert.Equal(t, 2.0, v, "the refused breaker did not reset the shared gauge")
}

// Names that the stats write as one series are one name.
func TestRegistryRefusesNamesOfTheSameSeries(t *testing.T) {
	r := NewRegistry()
	_, err := r.New(Config{Name: "payments.eu"})
	require.NoError(t, err)
	for _, name := range []string{"payments_eu", "Payments.EU", "payments eu"} {
		_, err := r.New(Config{Name: name})
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), `"payments_eu"`, "the error names the stats form")
		assert.Equal(t, errctx.Permanent, errctx.ClassOf(err))
		_, ok := r.Get(name)
		assert.False(t, ok, name)
	}
	assert.Len(t, r.All(), 1)
	_, err = r.New(Config{Name: "payments.us"})
	assert.NoError(t, err)
}

// Only a person ends a forced-open breaker (or a latched one): retry must
// not repeat its rejections.
func TestForcedOpenRejectionIsNotRetryable(t *testing.T) {
	h := newHarness(t, Config{})
	h.b.ForceOpen("maintenance")
	err := h.run(nil)
	require.ErrorIs(t, err, ErrOpen)
	assert.Equal(t, errctx.Permanent, errctx.ClassOf(err))
	assert.False(t, errctx.ClassOf(err).Retryable(true))

	h.b.Reset()
	h.fails(5)
	err = h.run(nil)
	require.ErrorIs(t, err, ErrOpen)
	assert.Equal(t, errctx.Transient, errctx.ClassOf(err), "an automatic opening ends by itself")
	_, ok := errctx.RetryAfterOf(err)
	assert.True(t, ok)
}

// Policies that can never trip are refused, naming the fields.
func TestConfigThatCannotTripIsRefused(t *testing.T) {
	_, err := New(Config{Name: "p", FailureRate: 0.5, WindowSize: 5})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Config.MinCalls")
	assert.Contains(t, err.Error(), "WindowSize")
	_, err = New(Config{Name: "p", FailureRate: 0.5, WindowSize: 5, MinCalls: 5})
	assert.NoError(t, err)

	_, err = New(Config{Name: "p", ConsecutiveFailures: -1})
	require.Error(t, err)
	for _, field := range []string{"ConsecutiveFailures", "FailureRate", "SlowCallRate"} {
		assert.Contains(t, err.Error(), field)
	}
	assert.Equal(t, errctx.Permanent, errctx.ClassOf(err))
}

// The transition log quotes the errctx error inside what net/http's client
// returns, structured, not the *url.Error's flat text.
func TestTransitionLogsTheErrctxErrorInsideAURLError(t *testing.T) {
	lg := &logtest.Buffer{}
	h := newHarness(t, Config{ConsecutiveFailures: 1, Logger: slog.New(slog.NewJSONHandler(lg, nil))})
	inner := errctx.Wrap(errors.New("connection refused"), "calling payments", errctx.Remedy("check that payments is up"))
	err := &url.Error{Op: "Post", URL: "http://127.0.0.1:1/charge", Err: inner}
	_ = h.b.Run(context.Background(), func(context.Context) error { return err })
	h.expect(Closed, Open)
	rec := lg.Wait(t, logtest.Msg("breaker opened"), 1)[0]
	logged := rec.Group("error")
	require.NotNil(t, logged, "the error is a structured group: %v", rec["error"])
	assert.Equal(t, []any{"check that payments is up"}, logged["remedy"])
}

// The registry's status is the breakers' own snapshots, whose JSON quotes
// the trip's error as text.
func TestRegistryStatusIsSnapshots(t *testing.T) {
	h := newHarness(t, Config{Name: "payments", ConsecutiveFailures: 1})
	r := NewRegistry()
	require.NoError(t, r.Register(h.b))
	h.fails(1)
	h.expect(Closed, Open)
	st := r.Status()
	require.Len(t, st.Breakers, 1)
	assert.Equal(t, h.b.Snapshot(), st.Breakers[0])
	out, err := json.Marshal(st.Breakers[0])
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal(out, &got))
	assert.Equal(t, "boom", got["last_error"])
	assert.Equal(t, "open", got["state"])

	var back Snapshot
	require.NoError(t, json.Unmarshal(out, &back), "a status decodes into its own type")
	assert.Equal(t, Open, back.State)
	assert.EqualError(t, back.LastError, "boom")
	assert.Error(t, json.Unmarshal([]byte(`{"state":"ajar"}`), &back))
}
