package retry_test

import (
	"context"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/errctx"
	vlog "github.com/vitals-go/vitals/log"
	"github.com/vitals-go/vitals/reqid"
	"github.com/vitals-go/vitals/retry"
)

// outcomes are the counters one Do that retried ends in, exactly one each.
var outcomes = []string{"succeeded_after_retry", "exhausted", "stopped", "canceled"}

// ended asserts that the Do behind f counted exactly the outcome want, or
// none at all when want is empty.
func (f *fixture) ended(t *testing.T, want string) {
	t.Helper()
	for _, o := range outcomes {
		n := int64(0)
		if o == want {
			n = 1
		}
		assert.Equal(t, n, f.count(o), o)
	}
}

// field returns the value of the field key of err, failing if it has none.
func field(t *testing.T, err error, key string) any {
	t.Helper()
	for _, a := range errctx.FieldsOf(err) {
		if a.Key == key {
			return a.Value.Any()
		}
	}
	require.Failf(t, "no such field", "%s in %+v", key, err)
	return nil
}

// cancelOnWarn makes f's logger call cancel while it writes the retry's
// warning: the cancellation lands just before the wait.
func (f *fixture) cancelOnWarn(cancel context.CancelFunc) {
	w := writerFunc(func(p []byte) (int, error) {
		cancel()
		return f.logs.Write(p)
	})
	f.policy.Logger = slog.New(vlog.NewHandler(slog.NewJSONHandler(w, nil), nil))
}

type writerFunc func([]byte) (int, error)

func (w writerFunc) Write(p []byte) (int, error) { return w(p) }

func timedOut() error {
	return errctx.Wrap(context.DeadlineExceeded, "charging card", errctx.Remedy("nothing was charged"))
}

func TestFinalClassIsTheMostUncertainSeen(t *testing.T) {
	declined := errctx.New("charging card", errctx.WithClass(errctx.Permanent))
	for _, tc := range []struct {
		name    string
		errs    []error
		classes []string
		outcome string
	}{
		{"timeout, then 503s", []error{timedOut(), refused(), refused()}, []string{"indeterminate", "transient", "transient"}, "exhausted"},
		{"timeout, then a permanent failure", []error{timedOut(), declined}, []string{"indeterminate", "permanent"}, "stopped"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture()
			f.policy.Idempotent = true
			fn, calls := failing(tc.errs...)

			err := retry.Do(context.Background(), f.policy, fn)

			assert.Equal(t, len(tc.errs), *calls)
			assert.Equal(t, errctx.Indeterminate, errctx.ClassOf(err), "an attempt that may have taken effect makes the whole uncertain")
			assert.EqualValues(t, len(tc.errs), field(t, err, "attempts"))
			assert.Equal(t, tc.classes, field(t, err, "attempt_classes"))
			require.NotEmpty(t, errctx.RemediesOf(err))
			assert.Contains(t, errctx.RemediesOf(err)[0], "attempt 1 may have taken effect")
			f.ended(t, tc.outcome)
		})
	}
}

// errctxTransport wraps the failures of a round trip as a service's client
// does; net/http's Client then wraps them again in an *url.Error.
type errctxTransport struct{ base http.RoundTripper }

func (t errctxTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(r)
	return resp, errctx.Wrap(err, "POST payments/charge", errctx.Remedy("check that the payments service is up"))
}

func TestWarningLogsTheErrctxErrorInsideAURLError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	target := "http://" + ln.Addr().String() + "/charge"
	require.NoError(t, ln.Close())
	client := &http.Client{Transport: errctxTransport{&http.Transport{DisableKeepAlives: true}}}
	f := newFixture()
	f.policy.Attempts = 2

	err = retry.Do(context.Background(), f.policy, func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, nil)
		require.NoError(t, err)
		resp, err := client.Do(req)
		if resp != nil {
			resp.Body.Close()
		}
		return err
	})
	require.Error(t, err)

	recs := f.records(t)
	require.Len(t, recs, 1)
	logged, ok := recs[0]["error"].(map[string]any)
	require.True(t, ok, "the error is the structured errctx group: %v", recs[0]["error"])
	var ue *url.Error
	require.ErrorAs(t, err, &ue)
	assert.Contains(t, logged["message"], `Post "`+target+`"`)
	assert.Equal(t, []any{"POST payments/charge"}, logged["attempted"])
	assert.Equal(t, "transient", logged["class"])
	assert.Equal(t, []any{"check that the payments service is up"}, logged["remedy"])
}

func TestNoAttemptStartsAfterTheContextEnded(t *testing.T) {
	for range 200 {
		f := newFixture()
		f.policy.Base, f.policy.Cap = time.Nanosecond, time.Nanosecond
		ctx, cancel := context.WithCancel(context.Background())
		f.cancelOnWarn(cancel)
		calls, late := 0, 0

		err := retry.Do(ctx, f.policy, func(ctx context.Context) error {
			calls++
			if ctx.Err() != nil {
				late++
			}
			return refused()
		})

		require.Zero(t, late, "an attempt started with a cancelled context")
		require.Equal(t, 1, calls)
		require.ErrorIs(t, err, context.Canceled)
		f.ended(t, "canceled")
	}
}

func TestEveryRetriedDoEndsInOneOutcome(t *testing.T) {
	permanent := errctx.New("charging card", errctx.WithClass(errctx.Permanent))
	unsure := errctx.New("charging card", errctx.WithClass(errctx.Indeterminate))
	for _, tc := range []struct {
		name    string
		errs    []error
		outcome string
	}{
		{"success first time", nil, ""},
		{"not retried", []error{permanent}, ""},
		{"success after a retry", []error{refused()}, "succeeded_after_retry"},
		{"attempts used up", repeat(refused(), 3), "exhausted"},
		{"permanent after transient", []error{refused(), permanent}, "stopped"},
		{"timeout of a non-idempotent call after transient", []error{refused(), unsure}, "stopped"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture()
			fn, _ := failing(tc.errs...)
			_ = retry.Do(context.Background(), f.policy, fn)
			f.ended(t, tc.outcome)
		})
	}
	t.Run("panic in a retry", func(t *testing.T) {
		f := newFixture()
		fn, calls := failing(refused())
		assert.PanicsWithValue(t, "boom", func() {
			_ = retry.Do(context.Background(), f.policy, func(ctx context.Context) error {
				if err := fn(ctx); err != nil {
					return err
				}
				panic("boom")
			})
		})
		assert.Equal(t, 2, *calls)
		f.ended(t, "stopped")
	})
}

func TestCancellationDuringAnAttemptIsReportedAsCancellation(t *testing.T) {
	f := newFixture()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	calls := 0

	err := retry.Do(ctx, f.policy, func(ctx context.Context) error {
		calls++
		if calls == 2 {
			cancel()
			return errctx.Wrap(ctx.Err(), "charging card")
		}
		return refused()
	})

	assert.Equal(t, 2, calls)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, errctx.NotAFailure, errctx.ClassOf(err))
	assert.EqualError(t, err, "retrying charge (canceled after 2 attempts): context canceled")
	assert.Equal(t, "charging card: context canceled", field(t, err, "last_error"))
	require.NotEmpty(t, errctx.RemediesOf(err))
	assert.Contains(t, errctx.RemediesOf(err)[0], "the caller's context ended")
	f.ended(t, "canceled")

	// The same cancellation, landing during the wait, reads the same.
	f = newFixture()
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	f.cancelOnWarn(cancel)
	fn, _ := failing(refused(), refused())
	err = retry.Do(ctx, f.policy, fn)
	assert.EqualError(t, err, "retrying charge (canceled after 1 attempt): context canceled")
	assert.Equal(t, "connecting to payments", field(t, err, "last_error"))
	assert.Equal(t, errctx.NotAFailure, errctx.ClassOf(err))
	f.ended(t, "canceled")
}

// expiring is a context whose deadline, an hour away, passes when expire is
// called: a deadline that lands during an attempt, whatever the load.
type expiring struct {
	context.Context
	done    chan struct{}
	expired atomic.Bool
}

func newExpiring() *expiring {
	return &expiring{Context: context.Background(), done: make(chan struct{})}
}

func (c *expiring) expire() {
	c.expired.Store(true)
	close(c.done)
}

func (c *expiring) Deadline() (time.Time, bool) { return time.Now().Add(time.Hour), true }
func (c *expiring) Done() <-chan struct{}       { return c.done }

func (c *expiring) Err() error {
	if c.expired.Load() {
		return context.DeadlineExceeded
	}
	return nil
}

func TestDeadlineDuringAnAttemptIsReportedAsTheDeadline(t *testing.T) {
	f := newFixture()
	f.policy.Idempotent = true
	ctx := newExpiring()
	calls := 0

	err := retry.Do(ctx, f.policy, func(ctx context.Context) error {
		calls++
		if calls == 2 {
			ctx.(*expiring).expire()
			return errctx.Wrap(ctx.Err(), "charging card")
		}
		return refused()
	})

	assert.Equal(t, 2, calls)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, errctx.Indeterminate, errctx.ClassOf(err))
	assert.EqualError(t, err, "retrying charge (deadline passed after 2 attempts): context deadline exceeded")
	f.ended(t, "canceled")
}

func TestExtremeDurations(t *testing.T) {
	t.Run("a Base above the default Cap is refused", func(t *testing.T) {
		err := (&retry.Policy{Base: 20 * time.Second}).Validate()
		require.Error(t, err)
		assert.Contains(t, err.Error(), "field Base")
		assert.Contains(t, errctx.RemediesOf(err)[0], "Cap")
		assert.NoError(t, (&retry.Policy{Base: 20 * time.Second, Cap: time.Minute}).Validate())
	})
	for _, tc := range []struct {
		name   string
		policy retry.Policy
	}{
		{"Base and Cap at the largest duration", retry.Policy{Base: math.MaxInt64, Cap: math.MaxInt64}},
		{"Cap at the largest duration, as no cap", retry.Policy{Base: math.MaxInt64 >> 4, Cap: math.MaxInt64}},
		{"with a budget", retry.Policy{Base: math.MaxInt64, Cap: math.MaxInt64, Budget: time.Hour}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture()
			tc.policy.Name, tc.policy.Attempts, tc.policy.Logger, tc.policy.Stats = "charge", 40, f.policy.Logger, f.stats
			require.NoError(t, tc.policy.Validate())
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			fn, calls := failing(repeat(refused(), 40)...)

			var err error
			require.NotPanics(t, func() { err = retry.Do(ctx, tc.policy, fn) })

			assert.Equal(t, 1, *calls, "a wait past the deadline or budget is not made")
			assert.Contains(t, errctx.RemediesOf(err)[0], "past the")
			f.ended(t, "exhausted")
		})
	}
	t.Run("no deadline: the wait ends with the context", func(t *testing.T) {
		f := newFixture()
		p := retry.Policy{Name: "charge", Base: math.MaxInt64, Cap: math.MaxInt64, Stats: f.stats}
		ctx, cancel := context.WithCancel(context.Background())
		f.cancelOnWarn(cancel)
		p.Logger = f.policy.Logger
		fn, calls := failing(repeat(refused(), 3)...)

		var err error
		require.NotPanics(t, func() { err = retry.Do(ctx, p, fn) })

		assert.Equal(t, 1, *calls)
		assert.ErrorIs(t, err, context.Canceled)
	})
}

func TestReadmeExampleAllocations(t *testing.T) {
	ctx := context.Background()
	invoiceID := string([]byte("inv-2024-0042")) // a value, as a caller has it
	p := retry.Policy{Name: "billing.charge", IdempotencyKey: invoiceID}
	allocs := testing.AllocsPerRun(100, func() { _ = retry.Do(ctx, p, ok) })
	assert.LessOrEqual(t, allocs, 1.0, "the context that carries the key, and nothing else")
}

func TestIdempotencyKeyContextIsAFullContext(t *testing.T) {
	parent, cancel := context.WithCancel(reqid.With(context.Background(), "req-42"))
	p := newFixture().policy
	p.IdempotencyKey = "charge-7f3a"

	require.NoError(t, retry.Do(parent, p, func(ctx context.Context) error {
		derived, stop := context.WithTimeout(ctx, time.Hour)
		defer stop()
		key, ok := retry.IdempotencyKey(derived)
		assert.True(t, ok)
		assert.Equal(t, "charge-7f3a", key, "a derived context still carries the key")
		id, _ := reqid.From(derived)
		assert.Equal(t, "req-42", id, "and the caller's values")
		cancel()
		select {
		case <-derived.Done():
		case <-time.After(5 * time.Second):
			require.Fail(t, "the caller's cancellation did not reach a derived context")
		}
		return nil
	}))
}

func TestNoFirstAttemptAfterTheContextEnded(t *testing.T) {
	f := newFixture()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	fn, calls := failing()

	err := retry.Do(ctx, f.policy, fn)
	_, errValue := retry.DoValue(ctx, f.policy, func(context.Context) (int, error) {
		*calls++
		return 1, nil
	})

	assert.Zero(t, *calls, "fn never runs with a context that already ended")
	for _, err := range []error{err, errValue} {
		assert.ErrorIs(t, err, context.Canceled)
		assert.EqualError(t, err, "retrying charge (canceled before the first attempt): context canceled")
		assert.Equal(t, errctx.NotAFailure, errctx.ClassOf(err))
	}
	assert.Equal(t, int64(2), f.count("canceled"))
}

func TestPanickingClassifierIsReportedAndNotRetried(t *testing.T) {
	f := newFixture()
	f.policy.Classify = func(err error) errctx.Class {
		var rc *http.Response
		_ = rc.StatusCode // a nil response, as a classifier may meet
		return errctx.Transient
	}
	fn, calls := failing(refused(), refused())

	var err error
	require.NotPanics(t, func() { err = retry.Do(context.Background(), f.policy, fn) })

	assert.Equal(t, 1, *calls, "a failure the classifier could not judge is Unknown: never retried")
	assert.EqualError(t, err, "connecting to payments", "a first failure not retried comes back unchanged")
	assert.Equal(t, int64(1), f.count("classifier_panics"))
	recs := f.records(t)
	require.Len(t, recs, 1)
	assert.Equal(t, "ERROR", recs[0]["level"])
	assert.Equal(t, "run Policy.Classify", recs[0]["attempted"])
	assert.Contains(t, recs[0]["error"], "nil pointer")
	assert.Contains(t, recs[0]["remedy"], "Policy.Classify")
	assert.NotEmpty(t, recs[0]["stack"])
}
