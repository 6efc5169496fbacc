package reqid_test

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/reqid"
)

func TestNewShape(t *testing.T) {
	for range 1000 {
		id := reqid.New()
		require.Len(t, id, 32)
		require.Regexp(t, `^[0-9a-f]{32}$`, id)
		require.True(t, reqid.Valid(id), "a new ID must pass the inbound validator")
	}
}

func TestNewUniqueAcrossGoroutines(t *testing.T) {
	const workers, each = 8, 5000
	ids := make([][]string, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for range each {
				ids[w] = append(ids[w], reqid.New())
			}
		})
	}
	wg.Wait()
	seen := make(map[string]bool, workers*each)
	for _, batch := range ids {
		for _, id := range batch {
			require.False(t, seen[id], "duplicate ID %s", id)
			seen[id] = true
		}
	}
	assert.Len(t, seen, workers*each)
}

// TestNewLooksRandom is a coarse check that every bit position varies: a
// counter, a timestamp or a pid in the ID would leave some bits constant.
func TestNewLooksRandom(t *testing.T) {
	const n = 4096
	var ones [32][16]int
	for range n {
		id := reqid.New()
		for i := range 32 {
			ones[i][fromHex(id[i])]++
		}
	}
	for i := range 32 {
		for d := range 16 {
			// Expected n/16 = 256 per digit; 128..384 is far outside chance.
			assert.InDelta(t, n/16, ones[i][d], n/32, "position %d digit %x", i, d)
		}
	}
}

func fromHex(c byte) int {
	if c >= 'a' {
		return int(c-'a') + 10
	}
	return int(c - '0')
}

func TestNewAllocatesOnce(t *testing.T) {
	reqid.New()
	allocs := testing.AllocsPerRun(1000, func() { _ = reqid.New() })
	assert.LessOrEqual(t, allocs, 1.0)
}

func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = reqid.New()
	}
}

func BenchmarkNewParallel(b *testing.B) {
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_ = reqid.New()
		}
	})
}
