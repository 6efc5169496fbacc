package deadline

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// waitDone fails the test unless ch closes within a few seconds.
func waitDone(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatalf("%s: not done after 5s", what)
	}
}

type ctxKey struct{}

func started(parent context.Context, d time.Duration) *Call {
	c := new(Call)
	c.Start(parent, time.Now().Add(d))
	return c
}

func TestCallUnwatchedNoticesItsDeadlineInErr(t *testing.T) {
	c := started(context.Background(), time.Hour)
	assert.NoError(t, c.Err())
	d, ok := c.Deadline()
	assert.True(t, ok)
	assert.WithinDuration(t, time.Now().Add(time.Hour), d, time.Minute)

	past := started(context.Background(), -time.Millisecond)
	assert.ErrorIs(t, past.Err(), context.DeadlineExceeded, "no timer runs, so Err looks at the clock")
	waitDone(t, past.Done(), "a call over before anyone watched it")
	assert.ErrorIs(t, context.Cause(past), context.DeadlineExceeded)
}

func TestCallUnwatchedSeesItsParentEnd(t *testing.T) {
	parent, cancel := context.WithCancelCause(context.Background())
	c := started(parent, time.Hour)
	cancel(errors.New("shutting down"))
	assert.ErrorIs(t, c.Err(), context.Canceled)
}

func TestCallWatchedEndsAtItsDeadline(t *testing.T) {
	// A cancellable parent that stays alive: Cause must still report our
	// deadline, not the parent's (nil) cause.
	parent, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := started(parent, 20*time.Millisecond)
	defer c.Stop()
	waitDone(t, c.Done(), "watched call")
	assert.ErrorIs(t, c.Err(), context.DeadlineExceeded)
	assert.ErrorIs(t, context.Cause(c), context.DeadlineExceeded)
	assert.NoError(t, parent.Err(), "the parent is not touched")
}

func TestCallWatchedEndsWithItsParent(t *testing.T) {
	parent, cancel := context.WithCancel(context.Background())
	c := started(parent, time.Hour)
	done := c.Done()
	cancel()
	waitDone(t, done, "call whose parent ended")
	assert.ErrorIs(t, c.Err(), context.Canceled)
}

func TestCallStop(t *testing.T) {
	parent, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := started(parent, time.Hour)
	done := c.Done()
	c.Stop()
	waitDone(t, done, "stopped call")
	assert.ErrorIs(t, c.Err(), context.Canceled)
	c.Stop() // again: nothing changes
	cancel()
	assert.ErrorIs(t, c.Err(), context.Canceled, "the first end is kept")
}

// A context derived the way http.Transport derives its per-request one
// ends with the call, at once and without a goroutine of its own.
func TestCallEndsDerivedContexts(t *testing.T) {
	t.Run("stop", func(t *testing.T) {
		c := started(context.Background(), time.Hour)
		child, cancel := context.WithCancelCause(c)
		defer cancel(nil)
		_ = child.Done()
		c.Stop()
		assert.ErrorIs(t, child.Err(), context.Canceled, "cancelled before Stop returned")
	})
	t.Run("deadline", func(t *testing.T) {
		c := started(context.Background(), 20*time.Millisecond)
		defer c.Stop()
		child, cancel := context.WithCancelCause(c)
		defer cancel(nil)
		waitDone(t, child.Done(), "derived context")
		assert.ErrorIs(t, child.Err(), context.DeadlineExceeded)
		assert.ErrorIs(t, context.Cause(child), context.DeadlineExceeded)
	})
	t.Run("derived after the end", func(t *testing.T) {
		c := started(context.Background(), time.Hour)
		c.Stop()
		child, cancel := context.WithCancel(c)
		defer cancel()
		waitDone(t, child.Done(), "derived from an ended call")
	})
	t.Run("derived cancelled first", func(t *testing.T) {
		c := started(context.Background(), time.Hour)
		child, cancel := context.WithCancel(c)
		_ = child.Done()
		cancel()
		assert.Equal(t, 1, c.used)
		assert.Nil(t, c.hooks[0].f, "the derived context unregistered itself")
		c.Stop()
	})
}

func TestCallAfterFunc(t *testing.T) {
	c := started(context.Background(), time.Hour)
	var ran [4]atomic.Int32
	stops := make([]func() bool, len(ran))
	for i := range ran {
		stops[i] = c.AfterFunc(func() { ran[i].Add(1) })
	}
	assert.True(t, stops[1](), "a pending hook can be stopped")
	assert.False(t, stops[1](), "only once")
	assert.True(t, stops[3](), "a hook beyond the inline ones too")
	c.Stop()
	assert.Equal(t, [4]int32{1, 0, 1, 0}, [4]int32{ran[0].Load(), ran[1].Load(), ran[2].Load(), ran[3].Load()})
	assert.False(t, stops[0](), "a hook that ran cannot be stopped")

	late := make(chan struct{})
	stop := c.AfterFunc(func() { close(late) })
	waitDone(t, late, "a hook registered after the end")
	assert.False(t, stop())
}

// TestCallConcurrent races every method against the three ways to end.
func TestCallConcurrent(t *testing.T) {
	defer goleak.VerifyNone(t)
	for i := range 200 {
		parent, cancel := context.WithCancel(context.Background())
		c := started(parent, time.Duration(i%3)*time.Millisecond)
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				switch g {
				case 0:
					child, cancelChild := context.WithCancel(c)
					<-child.Done()
					cancelChild()
				case 1:
					stop := c.AfterFunc(func() {})
					stop()
				case 2:
					_ = c.Err()
					_ = context.Cause(c)
				case 3:
					if i%2 == 0 {
						cancel()
					}
					c.Stop()
				}
			}()
		}
		wg.Wait()
		require.Error(t, c.Err())
		cancel()
	}
}

func TestCallAllocations(t *testing.T) {
	c := new(Call)
	parent := context.WithValue(context.Background(), ctxKey{}, "v")
	allocs := testing.AllocsPerRun(100, func() {
		*c = Call{}
		c.Start(parent, time.Now().Add(time.Minute))
		_ = c.Err()
		_ = c.Value("key")
		c.Stop()
	})
	assert.Zero(t, allocs, "an unwatched call")
}

// BenchmarkDeadline compares the per-call cost against context.WithDeadline,
// unwatched and with a derived context as http.Transport makes per request.
func BenchmarkDeadline(b *testing.B) {
	parent := context.WithValue(context.Background(), ctxKey{}, "request")
	derive := func(ctx context.Context) {
		child, cancel := context.WithCancelCause(ctx)
		_ = child.Done()
		cancel(nil)
	}
	type holder struct{ c Call }
	b.Run("call/unwatched", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			h := &holder{}
			h.c.Start(parent, time.Now().Add(time.Minute))
			h.c.Stop()
		}
	})
	b.Run("context/unwatched", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, cancel := context.WithDeadline(parent, time.Now().Add(time.Minute))
			cancel()
		}
	})
	b.Run("call/derived", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			h := &holder{}
			h.c.Start(parent, time.Now().Add(time.Minute))
			derive(&h.c)
			h.c.Stop()
		}
	})
	b.Run("context/derived", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ctx, cancel := context.WithDeadline(parent, time.Now().Add(time.Minute))
			derive(ctx)
			cancel()
		}
	})
}

// TestCallTimersEndOnlyTheirOwnCall lends pooled timers over and over to
// calls that expire within a millisecond, calls stopped at once and calls
// that must outlive the test: a timer given back to the pool after firing,
// and lent again, would end a call that is not its own.
func TestCallTimersEndOnlyTheirOwnCall(t *testing.T) {
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				// A short call given up the moment its timer fires, then at
				// once a long one, which likely borrows the same timer.
				short := started(context.Background(), time.Duration(i%4)*50*time.Microsecond)
				_ = short.Done()
				if (g+i)%2 == 0 {
					short.Stop()
				} else {
					<-short.Done()
				}
				long := started(context.Background(), time.Hour)
				_ = long.Done()
				runtime.Gosched() // let a stale callback run, if there is one
				require.NoError(t, long.Err(), "a long call ended by a timer lent to another")
				long.Stop()
				assert.ErrorIs(t, long.Err(), context.Canceled)
			}
		}()
	}
	wg.Wait()
}
