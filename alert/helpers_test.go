package alert_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/alert"
	"github.com/vitals-go/vitals/internal/logtest"
	"github.com/vitals-go/vitals/internal/testclock"
	"github.com/vitals-go/vitals/stats/statstest"
)

// fakeSink records what it is sent and answers with fail (nil: success).
type fakeSink struct {
	name string
	fail func(ev alert.Event) error

	mu     sync.Mutex
	events []alert.Event
	got    chan struct{} // a token per event received, never blocking
}

func newFake(name string, fail func(alert.Event) error) *fakeSink {
	return &fakeSink{name: name, fail: fail, got: make(chan struct{}, 1<<16)}
}

func (s *fakeSink) Name() string { return s.name }

func (s *fakeSink) Send(ctx context.Context, ev alert.Event) error {
	s.mu.Lock()
	s.events = append(s.events, ev)
	s.mu.Unlock()
	select {
	case s.got <- struct{}{}:
	default:
	}
	if s.fail != nil {
		return s.fail(ev)
	}
	return nil
}

func (s *fakeSink) received() []alert.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]alert.Event(nil), s.events...)
}

// wait waits up to 20 s (a loaded CI machine) for the sink to have
// received n events.
func (s *fakeSink) wait(t testing.TB, n int) []alert.Event {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		if evs := s.received(); len(evs) >= n {
			return evs
		}
		select {
		case <-s.got:
		case <-deadline:
			require.FailNowf(t, "sink timeout", "%s received %d events, want %d", s.name, len(s.received()), n)
		}
	}
}

// rig is a Notifier with a recorder and a JSON log buffer, closed at the
// end of the test.
type rig struct {
	n    *alert.Notifier
	rec  *statstest.Recorder
	logs *logtest.Buffer
}

func newRig(t testing.TB, cfg alert.Config) *rig {
	t.Helper()
	r := &rig{rec: statstest.New(), logs: &logtest.Buffer{}}
	if cfg.Emitter == nil {
		cfg.Emitter = r.rec
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewJSONHandler(r.logs, nil))
	}
	n, err := alert.New(cfg)
	require.NoError(t, err)
	r.n = n
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = n.Close(ctx)
	})
	return r
}

// counts returns the four outcome counters of sink.
func (r *rig) counts(sink string) (sent, failed, dropped, suppressed int64) {
	c := func(what string) int64 { return r.rec.NewCounter("alert." + sink + "." + what).Value() }
	return c("sent"), c("failed"), c("dropped"), c("suppressed")
}

// newClock is a fake clock at a fixed date, for the Notifier's Config.Clock.
func newClock() *testclock.Clock { return testclock.New(time.Date(2026, 12, 6, 10, 2, 0, 0, time.UTC)) }
