package deadline

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTimeout(t *testing.T) {
	assert.Equal(t, 30*time.Second, Timeout(0, 30*time.Second), "zero: the default")
	assert.Equal(t, time.Duration(0), Timeout(-1, 30*time.Second), "negative: none")
	assert.Equal(t, 2*time.Second, Timeout(2*time.Second, 30*time.Second))
}

func TestBoundWithoutCallerDeadline(t *testing.T) {
	start := time.Now()
	ctx, cancel := Bound(context.Background(), start, time.Minute)
	require.NotNil(t, cancel)
	d, ok := ctx.Deadline()
	require.True(t, ok)
	assert.Equal(t, start.Add(time.Minute), d)
	cancel()
	assert.ErrorIs(t, ctx.Err(), context.Canceled, "cancel ends our deadline")
}

func TestBoundUnderLaterCallerDeadline(t *testing.T) {
	start := time.Now()
	caller, stop := context.WithDeadline(context.Background(), start.Add(time.Hour))
	defer stop()
	ctx, cancel := Bound(caller, start, time.Minute)
	require.NotNil(t, cancel, "a caller's long deadline does not lift the per-call bound")
	defer cancel()
	d, _ := ctx.Deadline()
	assert.Equal(t, start.Add(time.Minute), d)
}

func TestBoundUnderSoonerCallerDeadline(t *testing.T) {
	start := time.Now()
	for name, at := range map[string]time.Time{"sooner": start.Add(time.Second), "equal": start.Add(time.Minute)} {
		t.Run(name, func(t *testing.T) {
			caller, stop := context.WithDeadline(context.Background(), at)
			defer stop()
			ctx, cancel := Bound(caller, start, time.Minute)
			assert.Nil(t, cancel, "no timer of our own")
			assert.Equal(t, caller, ctx)
		})
	}
}

func TestBoundWithoutTimeout(t *testing.T) {
	ctx, cancel := Bound(context.Background(), time.Now(), 0)
	assert.Nil(t, cancel)
	_, ok := ctx.Deadline()
	assert.False(t, ok)
}
