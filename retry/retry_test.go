package retry_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/internal/logtest"
	vlog "github.com/vitals-go/vitals/log"
	"github.com/vitals-go/vitals/reqid"
	"github.com/vitals-go/vitals/retry"
	"github.com/vitals-go/vitals/stats/statstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fixture is a fast policy with its log buffer and stats recorder.
type fixture struct {
	policy retry.Policy
	logs   *bytes.Buffer
	stats  *statstest.Recorder
}

func newFixture() *fixture {
	f := &fixture{logs: &bytes.Buffer{}, stats: statstest.New()}
	f.policy = retry.Policy{
		Name:   "charge",
		Base:   time.Microsecond,
		Cap:    time.Millisecond,
		Logger: slog.New(vlog.NewHandler(slog.NewJSONHandler(f.logs, nil), nil)),
		Stats:  f.stats,
	}
	return f
}

// records decodes the JSON log lines written so far.
func (f *fixture) records(t *testing.T) []logtest.Record {
	t.Helper()
	return logtest.Decode(t, f.logs.String())
}

func (f *fixture) count(what string) int64 { return f.stats.Counted("retry.charge." + what) }

// failing returns an fn that fails with errs in turn, then succeeds, and a
// pointer to the number of calls made.
func failing(errs ...error) (func(context.Context) error, *int) {
	calls := 0
	return func(context.Context) error {
		calls++
		if calls <= len(errs) {
			return errs[calls-1]
		}
		return nil
	}, &calls
}

func repeat(err error, n int) []error {
	errs := make([]error, n)
	for i := range errs {
		errs[i] = err
	}
	return errs
}

func refused() error {
	return errctx.New("connecting to payments",
		errctx.WithClass(errctx.Transient),
		errctx.Remedy("check that the payments service is up"))
}

func TestSuccessFirstTimeLeavesNoTrace(t *testing.T) {
	f := newFixture()
	fn, calls := failing()

	require.NoError(t, retry.Do(context.Background(), f.policy, fn))

	assert.Equal(t, 1, *calls)
	assert.Empty(t, f.logs.String())
	assert.Zero(t, f.count("retries"))
	assert.Zero(t, f.count("succeeded_after_retry"))
}

func TestClasses(t *testing.T) {
	for _, tc := range []struct {
		class      errctx.Class
		idempotent bool
		calls      int
	}{
		{errctx.Transient, false, 3},
		{errctx.Transient, true, 3},
		{errctx.Indeterminate, false, 1},
		{errctx.Indeterminate, true, 3},
		{errctx.Permanent, false, 1},
		{errctx.Permanent, true, 1},
		{errctx.Unknown, false, 1},
		{errctx.Unknown, true, 1},
		{errctx.NotAFailure, false, 1},
		{errctx.NotAFailure, true, 1},
	} {
		name := tc.class.String()
		if tc.idempotent {
			name += "/idempotent"
		}
		t.Run(name, func(t *testing.T) {
			f := newFixture()
			f.policy.Idempotent = tc.idempotent
			cause := errctx.New("charging card", errctx.WithClass(tc.class), errctx.Remedy("ask the card network"))
			fn, calls := failing(repeat(cause, 10)...)

			err := retry.Do(context.Background(), f.policy, fn)

			assert.Equal(t, tc.calls, *calls)
			assert.ErrorIs(t, err, cause)
			assert.Equal(t, tc.class, errctx.ClassOf(err))
			if tc.calls == 1 {
				assert.Same(t, cause, err, "a failure that is not retried comes back unchanged")
				assert.Empty(t, f.logs.String())
				assert.Zero(t, f.count("exhausted"))
				return
			}
			assert.EqualError(t, err, "retrying charge (gave up after 3 attempts): charging card")
			assert.Equal(t, []string{"retrying charge (gave up after 3 attempts)", "charging card"}, errctx.AttemptedOf(err))
			remedies := errctx.RemediesOf(err)
			require.Len(t, remedies, 2)
			assert.Contains(t, remedies[0], "Policy.Attempts")
			assert.Equal(t, "ask the card network", remedies[1])
			assert.Equal(t, int64(2), f.count("retries"))
			assert.Equal(t, int64(1), f.count("exhausted"))
			assert.Zero(t, f.count("succeeded_after_retry"))
		})
	}
}

func TestRetryLogsAndCounts(t *testing.T) {
	f := newFixture()
	fn, calls := failing(refused(), refused())
	ctx := reqid.With(context.Background(), "req-42")

	require.NoError(t, retry.Do(ctx, f.policy, fn))

	assert.Equal(t, 3, *calls)
	assert.Equal(t, int64(2), f.count("retries"))
	assert.Equal(t, int64(1), f.count("succeeded_after_retry"))
	assert.Zero(t, f.count("exhausted"))

	recs := f.records(t)
	require.Len(t, recs, 2)
	for i, rec := range recs {
		assert.Equal(t, "WARN", rec["level"])
		assert.Equal(t, "req-42", rec["request_id"], "the context reaches the handler")
		assert.Equal(t, "charge", rec["retry"])
		assert.Equal(t, "connecting to payments", rec["attempted"])
		assert.EqualValues(t, i+1, rec["attempt"])
		assert.EqualValues(t, 3, rec["attempts"])
		assert.Equal(t, "transient", rec["class"])
		assert.Equal(t, "check that the payments service is up", rec["remedy"])
		assert.Contains(t, rec, "error")
		wait, ok := rec["wait"].(float64)
		require.True(t, ok, "wait is logged as a duration")
		assert.LessOrEqual(t, time.Duration(wait), time.Millisecond)
	}
}

func TestIndeterminateAfterTransientStops(t *testing.T) {
	f := newFixture()
	timeout := errctx.New("charging card", errctx.WithClass(errctx.Indeterminate))
	fn, calls := failing(refused(), timeout, refused())

	err := retry.Do(context.Background(), f.policy, fn)

	assert.Equal(t, 2, *calls, "a charge that may have gone through is not repeated")
	assert.ErrorIs(t, err, timeout)
	assert.Equal(t, errctx.Indeterminate, errctx.ClassOf(err))
	assert.EqualError(t, err, "retrying charge (gave up after 2 attempts): charging card")
	require.NotEmpty(t, errctx.RemediesOf(err))
	assert.Contains(t, errctx.RemediesOf(err)[0], "IdempotencyKey")
	assert.Zero(t, f.count("exhausted"))
}

func TestIdempotencyKey(t *testing.T) {
	f := newFixture()
	f.policy.IdempotencyKey = "charge-7f3a"
	timeout := errctx.New("charging card", errctx.WithClass(errctx.Indeterminate))
	var keys []string

	err := retry.Do(context.Background(), f.policy, func(ctx context.Context) error {
		key, ok := retry.IdempotencyKey(ctx)
		require.True(t, ok)
		keys = append(keys, key)
		if len(keys) < 3 {
			return timeout
		}
		return nil
	})

	require.NoError(t, err)
	assert.Equal(t, []string{"charge-7f3a", "charge-7f3a", "charge-7f3a"}, keys)

	_, ok := retry.IdempotencyKey(context.Background())
	assert.False(t, ok)
}

func TestCustomClassifier(t *testing.T) {
	f := newFixture()
	busy := errors.New("HTTP 503")
	f.policy.Classify = func(err error) errctx.Class {
		if errors.Is(err, busy) {
			return errctx.Transient
		}
		return errctx.Permanent
	}
	fn, calls := failing(busy, busy, busy, busy)

	err := retry.Do(context.Background(), f.policy, fn)

	assert.Equal(t, 3, *calls)
	assert.ErrorIs(t, err, busy)
	assert.Equal(t, errctx.Transient, errctx.ClassOf(err), "the final error keeps the class retry acted on")
}

func TestRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		name       string
		retryAfter time.Duration
		cap        time.Duration
		want       time.Duration
	}{
		{"honoured", 20 * time.Millisecond, time.Second, 20 * time.Millisecond},
		{"within the cap", time.Hour, 10 * time.Millisecond, 10 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture()
			f.policy.Attempts = 2
			f.policy.Base = time.Nanosecond
			f.policy.Cap = tc.cap
			busy := errctx.New("calling payments", errctx.WithClass(errctx.Transient), errctx.RetryAfter(tc.retryAfter))
			fn, calls := failing(busy)

			start := time.Now()
			require.NoError(t, retry.Do(context.Background(), f.policy, fn))

			assert.Equal(t, 2, *calls)
			assert.GreaterOrEqual(t, time.Since(start), tc.want)
			recs := f.records(t)
			require.Len(t, recs, 1)
			assert.EqualValues(t, tc.want, recs[0]["wait"])
		})
	}
}

func TestBudgetExhausted(t *testing.T) {
	f := newFixture()
	f.policy.Attempts = 10
	f.policy.Cap = time.Hour
	f.policy.Budget = 50 * time.Millisecond
	busy := errctx.New("calling payments", errctx.WithClass(errctx.Transient), errctx.RetryAfter(time.Second))
	fn, calls := failing(repeat(busy, 10)...)

	start := time.Now()
	err := retry.Do(context.Background(), f.policy, fn)

	assert.Less(t, time.Since(start), 500*time.Millisecond, "Do does not wait past its budget")
	assert.Equal(t, 1, *calls)
	assert.ErrorIs(t, err, busy)
	assert.EqualError(t, err, "retrying charge (gave up after 1 attempt): calling payments")
	require.NotEmpty(t, errctx.RemediesOf(err))
	assert.Contains(t, errctx.RemediesOf(err)[0], "Policy.Budget")
	assert.Equal(t, int64(1), f.count("exhausted"))
	assert.Zero(t, f.count("retries"))
}

func TestContextDeadlineTooCloseForTheWait(t *testing.T) {
	f := newFixture()
	f.policy.Cap = time.Hour
	busy := errctx.New("calling payments", errctx.WithClass(errctx.Transient), errctx.RetryAfter(time.Hour))
	fn, calls := failing(repeat(busy, 10)...)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	start := time.Now()
	err := retry.Do(ctx, f.policy, fn)

	assert.Less(t, time.Since(start), time.Second, "Do does not sleep into a wait the caller cannot afford")
	assert.Equal(t, 1, *calls)
	assert.EqualError(t, err, "retrying charge (gave up after 1 attempt): calling payments")
	require.NotEmpty(t, errctx.RemediesOf(err))
	assert.Contains(t, errctx.RemediesOf(err)[0], "context's deadline")
	assert.Equal(t, int64(1), f.count("exhausted"))
}

func TestCancelDuringWait(t *testing.T) {
	defer goleak.VerifyNone(t)
	f := newFixture()
	f.policy.Cap = time.Hour
	busy := errctx.New("calling payments", errctx.WithClass(errctx.Transient), errctx.RetryAfter(time.Hour))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Cancel once the retry's warning is written, just before the wait:
	// the retry is counted by then.
	warned := make(chan struct{})
	f.policy.Logger = slog.New(vlog.NewHandler(slog.NewJSONHandler(io.MultiWriter(f.logs, closeOnWrite(warned)), nil), nil))
	calls := 0
	go func() {
		<-warned
		cancel()
	}()

	start := time.Now()
	err := retry.Do(ctx, f.policy, func(context.Context) error {
		calls++
		return busy
	})

	assert.Less(t, time.Since(start), time.Second, "the wait ends at once")
	assert.Equal(t, 1, calls)
	assert.ErrorIs(t, err, context.Canceled)
	assert.EqualError(t, err, "retrying charge (canceled after 1 attempt): context canceled")
	assert.Equal(t, []string{"retrying charge (canceled after 1 attempt)"}, errctx.AttemptedOf(err))
	assert.Equal(t, int64(1), f.count("retries"))
	assert.Zero(t, f.count("exhausted"))
}

// closeOnWrite is a writer that closes ch at its first write.
type closeOnWrite chan struct{}

func (ch closeOnWrite) Write(p []byte) (int, error) {
	select {
	case <-ch:
	default:
		close(ch)
	}
	return len(p), nil
}

func TestCanceledBeforeRetryDoesNotWait(t *testing.T) {
	f := newFixture()
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0

	err := retry.Do(ctx, f.policy, func(context.Context) error {
		calls++
		cancel()
		return refused()
	})

	assert.Equal(t, 1, calls)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, f.logs.String(), "no retry is announced once the context has ended")
	assert.Zero(t, f.count("retries"))
}

func TestAttemptsOneNeverRetries(t *testing.T) {
	f := newFixture()
	f.policy.Attempts = 1
	cause := refused()
	fn, calls := failing(cause)

	err := retry.Do(context.Background(), f.policy, fn)

	assert.Equal(t, 1, *calls)
	assert.Same(t, cause, err)
	assert.Zero(t, f.count("exhausted"))
}

func TestZeroPolicyMakesThreeAttempts(t *testing.T) {
	f := newFixture()
	p := retry.Policy{Cap: time.Millisecond, Logger: f.policy.Logger, Stats: f.stats}
	fn, calls := failing(repeat(refused(), 5)...)

	err := retry.Do(context.Background(), p, fn)

	assert.Equal(t, 3, *calls)
	assert.EqualError(t, err, "retrying (gave up after 3 attempts): connecting to payments")
	assert.Equal(t, int64(2), f.stats.Counted("retry.unnamed.retries"))
}

func TestInvalidPolicy(t *testing.T) {
	for _, tc := range []struct {
		field  string
		policy retry.Policy
	}{
		{"Attempts", retry.Policy{Attempts: -1}},
		{"Base", retry.Policy{Base: -time.Second}},
		{"Cap", retry.Policy{Cap: -time.Second}},
		{"Budget", retry.Policy{Budget: -time.Second}},
		{"Base", retry.Policy{Base: time.Minute, Cap: time.Second}},
		{"Base", retry.Policy{Base: 20 * time.Second}}, // above the default Cap, not cut silently
	} {
		t.Run(tc.field, func(t *testing.T) {
			called := false
			err := retry.Do(context.Background(), tc.policy, func(context.Context) error {
				called = true
				return nil
			})

			require.Error(t, err)
			assert.False(t, called, "fn never runs under an invalid policy")
			assert.Contains(t, err.Error(), "field "+tc.field)
			assert.Equal(t, errctx.Permanent, errctx.ClassOf(err))
			assert.NotEmpty(t, errctx.RemediesOf(err))
			assert.Equal(t, err.Error(), tc.policy.Validate().Error())
		})
	}
	p := retry.Policy{Cap: 10 * time.Millisecond}
	assert.NoError(t, p.Validate(), "a default Base above an explicit Cap is lowered to it")
}

func TestDoValue(t *testing.T) {
	f := newFixture()
	calls := 0

	id, err := retry.DoValue(context.Background(), f.policy, func(context.Context) (string, error) {
		calls++
		if calls == 1 {
			return "", refused()
		}
		return "ch_123", nil
	})

	require.NoError(t, err)
	assert.Equal(t, "ch_123", id)
	assert.Equal(t, 2, calls)
}

func TestDoValueReturnsLastValue(t *testing.T) {
	f := newFixture()
	declined := errctx.New("charging card", errctx.WithClass(errctx.NotAFailure))

	code, err := retry.DoValue(context.Background(), f.policy, func(context.Context) (int, error) {
		return 402, declined
	})

	assert.Same(t, declined, err)
	assert.Equal(t, 402, code)
}
