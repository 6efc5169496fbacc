package userfunc_test

import (
	"log/slog"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/internal/logtest"
	"github.com/vitals-go/vitals/middleware/internal/userfunc"
)

func double(n int) int { return 2 * n }

// TestGuardFallsBackAndLogsAtPowersOfTwo: a panicking function answers
// with the default; of 100 panics from 8 goroutines, the 1st, 2nd, 4th
// ... 64th are logged, each with its count, what to fix and the stack.
func TestGuardFallsBackAndLogsAtPowersOfTwo(t *testing.T) {
	var buf logtest.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	f := userfunc.Guard("Config.F", "double", func(n int) int {
		if n < 0 {
			panic("negative")
		}
		return n + 1
	}, double, logger)
	assert.Equal(t, 4, f(3), "f answers when it does not panic")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 / 8 {
				assert.Equal(t, -2, f(-1))
			}
		})
	}
	wg.Wait()
	for range 100 - 100/8*8 {
		assert.Equal(t, -2, f(-1))
	}
	recs := buf.Records(t)
	require.Len(t, recs, 7)
	var counts []float64
	for _, rec := range recs {
		counts = append(counts, rec["panics"].(float64))
		assert.Equal(t, "ERROR", rec["level"])
		assert.Equal(t, "run Config.F", rec["attempted"])
		assert.Equal(t, "panic: negative", rec["error"])
		assert.Contains(t, rec["remedy"], "double answers instead")
		assert.NotEmpty(t, rec["stack"])
	}
	slices.Sort(counts) // the goroutines' records may be written out of order
	assert.Equal(t, []float64{1, 2, 4, 8, 16, 32, 64}, counts)
}

// TestGuardWithoutDefault: with no default, a panicking function answers
// the zero value; a nil function is the default itself.
func TestGuardWithoutDefault(t *testing.T) {
	f := userfunc.Guard("Config.Skip", "no skip", func(int) bool { panic("x") }, nil, slog.New(slog.DiscardHandler))
	assert.False(t, f(1))
	assert.Nil(t, userfunc.Guard[int, bool]("Config.Skip", "no skip", nil, nil, nil))
	assert.Equal(t, 6, userfunc.Guard("Config.F", "double", nil, double, nil)(3))
}
