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

func TestNeededWithoutCallerDeadline(t *testing.T) {
	start := time.Now()
	d, ok := Needed(context.Background(), start, time.Minute)
	require.True(t, ok)
	assert.Equal(t, start.Add(time.Minute), d)
}

func TestNeededUnderLaterCallerDeadline(t *testing.T) {
	start := time.Now()
	caller, stop := context.WithDeadline(context.Background(), start.Add(time.Hour))
	defer stop()
	d, ok := Needed(caller, start, time.Minute)
	require.True(t, ok, "a caller's long deadline does not lift the per-call bound")
	assert.Equal(t, start.Add(time.Minute), d)
}

func TestNeededUnderSoonerCallerDeadline(t *testing.T) {
	start := time.Now()
	for name, at := range map[string]time.Time{"sooner": start.Add(time.Second), "equal": start.Add(time.Minute)} {
		t.Run(name, func(t *testing.T) {
			caller, stop := context.WithDeadline(context.Background(), at)
			defer stop()
			_, ok := Needed(caller, start, time.Minute)
			assert.False(t, ok, "no deadline of our own")
		})
	}
}

func TestNeededWithoutTimeout(t *testing.T) {
	_, ok := Needed(context.Background(), time.Now(), 0)
	assert.False(t, ok)
}
