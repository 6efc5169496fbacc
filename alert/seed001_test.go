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
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/alert"
	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/internal/logtest"
)

// TestSeed001 replays seed 001: a release makes a worker's jobs fail about
// 1,000 times a second, every failure is reported through one shared mail
// account, and the mail server throttles the account after 5 messages
// ("421 4.7.0 Try again later"). With the Notifier in between, the worker
// keeps processing every job and never crashes; unrelated goroutines that
// share the Notifier (and so the account) see Notify return promptly, though
// the server takes a second to refuse; the
// server receives a bounded number of messages and is not hammered once it
// throttles; and every alert is accounted for exactly:
// notified = sent + failed + dropped + suppressed, with the server's own
// tally matching sent and failed.
func TestSeed001(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(8))
	const throttleAfter = 5
	const slowReply = time.Second // a loaded, throttling server is slow to say no
	srv := newSMTPServer(t, func(accepted int) string {
		if accepted >= throttleAfter {
			time.Sleep(slowReply)
			return "421 4.7.0 Try again later, closing connection"
		}
		return ""
	})
	mailer, err := alert.NewSMTP(alert.SMTPConfig{Addr: srv.addr(), From: "shared@example.com",
		To: []string{"dev-team@example.com"}})
	require.NoError(t, err)
	r := newRig(t, alert.Config{Sinks: []alert.Sink{mailer}, Window: 300 * time.Millisecond, Timeout: 2 * time.Second})

	var calls atomic.Int64 // every Notify and Error made
	stop := make(chan struct{})
	const runFor = 1500 * time.Millisecond

	// The worker: a batch of 10 failing jobs every 10 ms, about 1,000 a second.
	var processed atomic.Int64
	workerDone := make(chan struct{})
	go func() {
		defer close(workerDone)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for job := 0; ; {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			for range 10 {
				job++
				cause := errors.New("connection reset by peer")
				if job%3 == 0 {
					cause = errors.New("unexpected end of JSON input")
				}
				r.n.Error(context.Background(), errctx.Wrap(cause, "process job",
					errctx.Fields("job", strconv.Itoa(job))))
				calls.Add(1)
				processed.Add(1)
			}
		}
	}()

	// Unrelated systems that share the Notifier: each times its own Notify.
	var maxLatency atomic.Int64
	var unrelated sync.WaitGroup
	for i := range 4 {
		unrelated.Add(1)
		go func() {
			defer unrelated.Done()
			tick := time.NewTicker(5 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				start := time.Now()
				r.n.Notify(context.Background(), alert.Alert{Summary: "nightly report " + strconv.Itoa(i) + " late"})
				d := int64(time.Since(start))
				calls.Add(1)
				for {
					m := maxLatency.Load()
					if d <= m || maxLatency.CompareAndSwap(m, d) {
						break
					}
				}
			}
		}()
	}

	<-time.After(runFor) // the load runs this long; everything after waits on channels
	close(stop)
	<-workerDone
	unrelated.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, r.n.Close(ctx))

	// The worker processed jobs at the intended rate, none lost to a crash.
	assert.Greater(t, processed.Load(), int64(500), "the worker kept processing")
	// Unrelated callers were never held up by the slow, throttled server
	// (the bound leaves room for a loaded machine, not for slowReply).
	assert.Less(t, time.Duration(maxLatency.Load()), slowReply/4, "slowest unrelated Notify")

	// The server got at most what it accepted before throttling, and one
	// refusal opened the sink's breaker for the Retry-After: no hammering.
	msgs, refused := srv.received()
	assert.Len(t, msgs, throttleAfter)
	assert.GreaterOrEqual(t, refused, 1)
	assert.LessOrEqual(t, refused, 2)

	// Exact accounting. The log has one alert=true record per event the
	// throttle let through (first occurrences, the 10th, 100th... and the
	// window digests, whose occurrence is no milestone); each sink counts
	// each such event once as sent, failed or dropped, and every other
	// occurrence as suppressed.
	total := calls.Load()
	assert.Equal(t, total, r.rec.NewCounter("alert.notified").Value())
	records := r.logs.Find(t, logtest.Field("alert", true))
	var digests int64
	for _, rec := range records {
		if !isMilestone(int64(rec.Num("occurrence"))) {
			digests++
		}
	}
	assert.Equal(t, digests, r.rec.NewCounter("alert.smtp.digests").Value(), "the digests counted are the digests logged")
	sent, failed, dropped, suppressed := r.counts("smtp")
	notes := r.rec.NewCounter("alert.smtp.notes").Value()
	assert.Equal(t, int64(len(records)), sent+failed+dropped, "every event the throttle passed reached the sink's counts")
	assert.Equal(t, total+digests, sent+failed+dropped+suppressed,
		"notified %d + digests %d: sent %d failed %d dropped %d suppressed %d", total, digests, sent, failed, dropped, suppressed)
	assert.Equal(t, int64(len(msgs)), sent+notes, "every accepted message was counted as sent")
	assert.Equal(t, int64(refused), failed, "every refusal was counted as failed")
	assert.Greater(t, suppressed, total/2, "repeats were suppressed, not mailed")
	t.Logf("notified %d digests %d sent %d failed %d dropped %d suppressed %d refused %d", total, digests, sent, failed, dropped, suppressed, refused)
}

// isMilestone reports whether the n-th occurrence is one the throttle
// delivers: 1, 10, 100, 1000...
func isMilestone(n int64) bool {
	for n >= 10 && n%10 == 0 {
		n /= 10
	}
	return n == 1
}
