package breaker_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/errctx"
)

// regConfig is a quiet breaker config that opens on its first failure.
func regConfig(name string, critical bool) breaker.Config {
	return breaker.Config{
		Name:                name,
		Critical:            critical,
		ConsecutiveFailures: 1,
		Logger:              slog.New(slog.DiscardHandler),
	}
}

// regStatusEntry is one breaker as a health checker decodes it.
type regStatusEntry struct {
	Name       string    `json:"name"`
	State      string    `json:"state"`
	Critical   bool      `json:"critical"`
	Since      time.Time `json:"since"`
	Generation uint64    `json:"generation"`
	Reason     string    `json:"reason"`
	LastError  string    `json:"last_error"`
	Counts     struct {
		ConsecutiveFailures int64 `json:"consecutive_failures"`
	} `json:"counts"`
}

type regStatusBody struct {
	Status   string           `json:"status"`
	Breakers []regStatusEntry `json:"breakers"`
}

// serve starts the registry's handler on a loopback server.
func regServe(t *testing.T, r *breaker.Registry) string {
	t.Helper()
	srv := httptest.NewServer(r.Handler())
	t.Cleanup(srv.Close)
	require.True(t, strings.HasPrefix(srv.URL, "http://127.0.0.1:"), srv.URL)
	return srv.URL
}

// getStatus fetches and decodes the status.
func regGetStatus(t *testing.T, url string) (int, regStatusBody) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	var body regStatusBody
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	return resp.StatusCode, body
}

var errRegDown = errctx.New("querying the search index", errctx.Fields("host", "search-1"))

func regDown(context.Context) error { return errRegDown }

func TestRegistryRegisterGetAll(t *testing.T) {
	r := breaker.NewRegistry()
	assert.Empty(t, r.All())

	for _, name := range []string{"search", "payments", "mail"} {
		_, err := r.New(regConfig(name, false))
		require.NoError(t, err)
	}
	var names []string
	for _, b := range r.All() {
		names = append(names, b.Name())
	}
	assert.Equal(t, []string{"mail", "payments", "search"}, names)

	b, ok := r.Get("payments")
	require.True(t, ok)
	assert.Equal(t, "payments", b.Name())
	_, ok = r.Get("nope")
	assert.False(t, ok)

	// The same breaker again is fine; another one with its name is not.
	require.NoError(t, r.Register(b))
	dup, err := breaker.New(regConfig("payments", true))
	require.NoError(t, err)
	err = r.Register(dup)
	require.Error(t, err)
	var ee *errctx.Error
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, `registering breaker payments: a breaker named "payments" is already registered`, err.Error())
	assert.Contains(t, errctx.RemediesOf(err)[0], "Config.Name")
	assert.Equal(t, errctx.Permanent, errctx.ClassOf(err))
	got, _ := r.Get("payments")
	assert.Same(t, b, got, "the first one stays")

	_, err = r.New(regConfig("payments", false))
	assert.ErrorContains(t, err, "registering breaker payments")

	_, err = r.New(breaker.Config{Name: "bad", OpenDuration: -time.Second})
	require.Error(t, err, "an invalid config is refused")
	_, ok = r.Get("bad")
	assert.False(t, ok)

	err = r.Register(nil)
	require.Error(t, err)
	assert.NotEmpty(t, errctx.RemediesOf(err))

	var zero breaker.Registry // usable without NewRegistry
	require.NoError(t, zero.Register(b))
	assert.Len(t, zero.All(), 1)
}

func TestRegistryHandler(t *testing.T) {
	r := breaker.NewRegistry()
	url := regServe(t, r)

	code, body := regGetStatus(t, url)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "ok", body.Status)
	assert.NotNil(t, body.Breakers, "an empty registry serves [], not null")
	assert.Empty(t, body.Breakers)

	payments, err := r.New(regConfig("payments", true))
	require.NoError(t, err)
	search, err := r.New(regConfig("search", false))
	require.NoError(t, err)

	code, body = regGetStatus(t, url)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "ok", body.Status)
	require.Len(t, body.Breakers, 2)
	assert.Equal(t, "payments", body.Breakers[0].Name)
	assert.Equal(t, "closed", body.Breakers[0].State)
	assert.True(t, body.Breakers[0].Critical)
	assert.False(t, body.Breakers[1].Critical)

	// A non-critical breaker opens: still 200, but shown.
	require.ErrorIs(t, search.Run(context.Background(), regDown), errRegDown)
	code, body = regGetStatus(t, url)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "degraded", body.Status)
	s := body.Breakers[1]
	assert.Equal(t, "search", s.Name)
	assert.Equal(t, "open", s.State)
	assert.Equal(t, errRegDown.Error(), s.LastError)
	assert.Equal(t, uint64(1), s.Generation)
	assert.Equal(t, search.Snapshot().Since.UTC(), s.Since.UTC())
	assert.NotEmpty(t, s.Reason)

	// The critical one opens: 503.
	require.ErrorIs(t, payments.Run(context.Background(), regDown), errRegDown)
	code, body = regGetStatus(t, url)
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Equal(t, "unavailable", body.Status)
	assert.Equal(t, "open", body.Breakers[0].State)

	// Forced open counts as open; disabled as closed.
	payments.Reset()
	search.Reset()
	payments.ForceOpen("maintenance of the payments provider")
	code, body = regGetStatus(t, url)
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Equal(t, "forced_open", body.Breakers[0].State)
	assert.Contains(t, body.Breakers[0].Reason, "maintenance")

	payments.Disable()
	code, body = regGetStatus(t, url)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "ok", body.Status)
	assert.Equal(t, "disabled", body.Breakers[0].State)
	assert.Equal(t, "closed", body.Breakers[1].State)
}

func TestRegistryHandlerCriticalHalfOpenIsDegraded(t *testing.T) {
	r := breaker.NewRegistry()
	cfg := regConfig("payments", true)
	cfg.OpenDuration = time.Millisecond
	b, err := r.New(cfg)
	require.NoError(t, err)
	url := regServe(t, r)

	require.ErrorIs(t, b.Run(context.Background(), regDown), errRegDown)
	// Once the open period is over, the next call is a probe; hold it.
	var probe breaker.Ticket
	require.Eventually(t, func() bool {
		tk, err := b.Allow(context.Background())
		probe = tk
		return err == nil
	}, 5*time.Second, time.Millisecond)
	require.Equal(t, breaker.HalfOpen, b.State(), "the call is a probe")

	code, body := regGetStatus(t, url)
	assert.Equal(t, http.StatusOK, code, "probing is not an outage")
	assert.Equal(t, "degraded", body.Status)
	assert.Equal(t, "half_open", body.Breakers[0].State)

	probe.Done(nil)
	code, body = regGetStatus(t, url)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "ok", body.Status)
}

func TestRegistryHandlerMethods(t *testing.T) {
	r := breaker.NewRegistry()
	b, err := r.New(regConfig("payments", true))
	require.NoError(t, err)
	b.ForceOpen("test")
	url := regServe(t, r)

	resp, err := http.Head(url)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "HEAD answers like GET")

	resp, err = http.Post(url, "application/json", nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	assert.Equal(t, "GET, HEAD", resp.Header.Get("Allow"))
}

func TestRegistryConcurrentUse(t *testing.T) {
	r := breaker.NewRegistry()
	url := regServe(t, r)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			b, err := r.New(regConfig(fmt.Sprintf("dep-%02d", i), i%2 == 0))
			if !assert.NoError(t, err) {
				return
			}
			b.Run(context.Background(), regDown)
			code, _ := regGetStatus(t, url)
			assert.Contains(t, []int{http.StatusOK, http.StatusServiceUnavailable}, code)
		})
	}
	wg.Wait()
	code, body := regGetStatus(t, url)
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Len(t, body.Breakers, 16)
	for _, e := range body.Breakers {
		assert.Equal(t, "open", e.State, e.Name)
		assert.Equal(t, errRegDown.Error(), e.LastError)
	}
}

func TestRegistryStatus(t *testing.T) {
	r := breaker.NewRegistry()
	b, err := r.New(regConfig("search", false))
	require.NoError(t, err)
	require.ErrorIs(t, b.Run(context.Background(), regDown), errRegDown)

	st := r.Status()
	assert.Equal(t, breaker.Degraded, st.Health)
	require.Len(t, st.Breakers, 1)
	assert.Equal(t, "search", st.Breakers[0].Name)
	assert.Equal(t, breaker.Open, st.Breakers[0].State)
	assert.ErrorIs(t, st.Breakers[0].LastError, errRegDown)
	assert.Equal(t, b.Snapshot().OpenUntil, st.Breakers[0].OpenUntil)
}
