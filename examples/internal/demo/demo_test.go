package demo

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/breaker"
	vlog "github.com/vitals-go/vitals/log"
	"github.com/vitals-go/vitals/stats"
)

var story = Story{Name: "test", Serves: "test", Duration: 10 * time.Second, Period: "the test"}

func TestParseConfigDefaults(t *testing.T) {
	t.Setenv(vlog.LevelEnv, "warn")
	t.Setenv(stats.AddrEnv, "statsd.internal:8125")
	c, err := ParseConfig(nil, io.Discard, story)
	require.NoError(t, err)
	assert.Equal(t, Config{Listen: "127.0.0.1:0", Statsd: "statsd.internal:8125", Level: slog.LevelWarn, Duration: 10 * time.Second}, c)

	c, err = ParseConfig([]string{"-serve", "-log-level", " debug ", "-duration", "1s"}, io.Discard, story)
	require.NoError(t, err)
	assert.Equal(t, Config{Serve: true, Listen: "127.0.0.1:8080", Statsd: "statsd.internal:8125", Level: slog.LevelDebug, Duration: time.Second}, c)
}

func TestParseConfigRefuses(t *testing.T) {
	for _, args := range [][]string{{"-log-level", "loud"}, {"-duration", "999ms"}, {"extra"}, {"-nope"}} {
		_, err := ParseConfig(args, io.Discard, story)
		assert.Error(t, err, "%v", args)
	}
	t.Setenv(vlog.LevelEnv, "loud")
	_, err := ParseConfig(nil, io.Discard, story)
	assert.ErrorContains(t, err, "-log-level", "an unreadable $VITALS_LOG_LEVEL")
}

func TestServeHTTPAndRun(t *testing.T) {
	stop, addr, err := ServeHTTP("127.0.0.1:0", http.NotFoundHandler(), slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	resp, err := http.Get("http://" + addr + "/")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	stop()
	_, err = http.Get("http://" + addr + "/")
	assert.Error(t, err, "stopped")

	// Without -serve, Run drives for the duration; with it, until ctx ends.
	var driven atomic.Bool
	Config{Duration: 10 * time.Millisecond}.Run(context.Background(), func(ctx context.Context) {
		<-ctx.Done()
		driven.Store(true)
	})
	assert.True(t, driven.Load())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	Config{Serve: true}.Run(ctx, func(context.Context) { t.Error("-serve drives no traffic") })
}

func TestPaceDrivesEveryWorkerAtItsPace(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	var calls atomic.Int64
	Pace{Workers: 2, PerPeriod: 20, Period: 200 * time.Millisecond, Seed: 1}.Drive(ctx, func(_ context.Context, rng *rand.Rand) {
		_ = rng.IntN(10)
		calls.Add(1)
	})
	// Each worker waits at least 3/4 of its 10 ms pace between calls: at
	// most 26 calls each in 200 ms (fewer on a busy machine).
	assert.Positive(t, calls.Load())
	assert.LessOrEqual(t, calls.Load(), int64(2*26))
}

func TestReport(t *testing.T) {
	start := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	tr := Transitions{Start: start}
	tr.Record(breaker.Transition{From: breaker.Closed, To: breaker.Open, Reason: "5 consecutive failures", At: start.Add(1500 * time.Millisecond)})
	var out bytes.Buffer
	tr.Write(&out, "payments")
	Delivery{StatsdAddr: "127.0.0.1:8125", Sent: 10, Dropped: 2, SendErrors: 1, LogsDropped: 3}.Write(&out)
	assert.Equal(t, "  payments breaker: 1 transitions\n"+
		"       1.5s  closed    -> open       5 consecutive failures\n"+
		"  stats to 127.0.0.1:8125: 10 sent, 2 dropped\n"+
		"    1 packets refused: nothing listens there, and the service never noticed\n"+
		"  log lines dropped: 3\n", out.String())
}
