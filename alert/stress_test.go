package alert_test

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/vitals-go/vitals/alert"
	"github.com/vitals-go/vitals/errctx"
)

// TestCountsReconcileUnderConcurrentLoad hammers a Notifier from many
// goroutines at GOMAXPROCS 8 with sinks that succeed, fail, throttle and
// stall, and checks that every sink accounts for every alert exactly once:
// notified = sent + failed + dropped + suppressed.
func TestCountsReconcileUnderConcurrentLoad(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(8))
	var flip atomic.Int64
	sinks := []alert.Sink{
		newFake("ok", nil),
		newFake("fails", func(alert.Event) error {
			if flip.Add(1)%2 == 0 {
				return errors.New("refused")
			}
			return nil
		}),
		newFake("throttled", func(alert.Event) error {
			return errctx.New("send", errctx.WithClass(errctx.Transient), errctx.RetryAfter(time.Millisecond))
		}),
		funcSink{"slow", func(ctx context.Context, _ alert.Event) error {
			<-ctx.Done()
			return ctx.Err()
		}},
	}
	r := newRig(t, alert.Config{Sinks: sinks, Timeout: time.Millisecond, QueueSize: 16, RateLimit: 5000, Burst: 50})
	var notified atomic.Int64
	var wg sync.WaitGroup
	deadline := time.Now().Add(time.Second)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Now().Before(deadline) && i < 200_000; i++ {
				r.n.Notify(context.Background(), alert.Alert{Summary: "failure " + strconv.Itoa(g*7+i%13)})
				notified.Add(1)
			}
		}()
	}
	wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = r.n.Close(ctx)
	total := notified.Load()
	assert.Equal(t, total, r.rec.NewCounter("alert.notified").Value())
	for _, s := range sinks {
		sent, failed, dropped, suppressed := r.counts(s.Name())
		assert.Equal(t, total, sent+failed+dropped+suppressed,
			"%s: sent %d failed %d dropped %d suppressed %d", s.Name(), sent, failed, dropped, suppressed)
	}
}
