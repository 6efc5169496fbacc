package seriestable

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// entry is a caller's entry.
type entry struct {
	name string
	tags []tag
	slot uint32
}

// find is the search a caller writes: by text, filling an empty slot.
func find(t *Table[entry], name string, tags []tag) *entry {
	for i := t.Start(Hash(t.Seed(), 0, name, tags)); ; i = t.Next(i) {
		e := t.At(i)
		if e == nil {
			if e = t.Add(i, func() *entry { return &entry{name: Clone(name), tags: CloneTags(tags), slot: i} }); e == nil {
				return nil
			}
		}
		if e.name == name && slices.Equal(e.tags, tags) {
			return e
		}
	}
}

// TestTableHoldsItsSizeWithSimilarNames fills a table with names that
// share all but a few bytes in the middle, as ordinary metric names do: it
// takes exactly its bound, each name once, each found again in its slot.
func TestTableHoldsItsSizeWithSimilarNames(t *testing.T) {
	for _, tags := range [][]tag{nil, {{"shard", "x"}}} {
		var tb Table[entry]
		tb.Init(4096)
		got := map[*entry]bool{}
		for i := range 4096 {
			e := find(&tb, fmt.Sprintf("shard.%04d.queue.depth.bytes.total", i), tags)
			require.NotNil(t, e, "name %d", i)
			got[e] = true
			assert.Same(t, e, tb.At(e.slot))
		}
		assert.Len(t, got, 4096)
		assert.Equal(t, 4096, tb.Len())
		assert.Nil(t, find(&tb, "one.more", tags), "full")
		assert.NotNil(t, find(&tb, "shard.0042.queue.depth.bytes.total", tags), "a known name is still found")
	}
}

// TestTableKeepsOneEntryPerNameWhateverTheRace has goroutines on every
// core find the same names at once: one entry per name, counted once.
func TestTableKeepsOneEntryPerNameWhateverTheRace(t *testing.T) {
	var tb Table[entry]
	tb.Init(1024)
	const goroutines, names = 8, 1000
	got := make([][names]*entry, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range names {
				j := (i + g*37) % names // each goroutine in its own order
				got[g][j] = find(&tb, fmt.Sprint("n.", j), []tag{{"k", fmt.Sprint(j % 3)}})
			}
		})
	}
	wg.Wait()
	assert.Equal(t, names, tb.Len(), "places taken")
	for i := range names {
		require.NotNil(t, got[0][i])
		assert.Same(t, tb.At(got[0][i].slot), got[0][i])
		for g := 1; g < goroutines; g++ {
			assert.Same(t, got[0][i], got[g][i], "name %d", i)
		}
	}
}

func TestInitSizesTheSlots(t *testing.T) {
	for _, c := range []struct{ max, slots int }{{1, 2}, {4096, 8192}, {5000, 16384}, {8192, 16384}} {
		var tb Table[entry]
		tb.Init(c.max)
		assert.Len(t, tb.slots, c.slots, "max %d", c.max)
	}
}
