package stats

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQueueKeepsOrderAcrossSlotsAndWraps(t *testing.T) {
	q := newQueue(8)
	for round := range 20 {
		line := strings.Repeat(string(rune('a'+round%26)), 1+round*7%150) // 1..3 slots
		_, _, ok := q.push([]byte(line))
		require.True(t, ok, "round %d", round)
		b, ok := q.pop(nil)
		require.True(t, ok)
		assert.Equal(t, line, string(b))
	}
	_, ok := q.pop(nil)
	assert.False(t, ok, "empty queue pops nothing")
}

func TestQueueRefusesWhatDoesNotFit(t *testing.T) {
	q := newQueue(4)
	long := make([]byte, 5*slotData)
	_, _, ok := q.push(long)
	assert.False(t, ok, "a line longer than the whole queue")
	for range 4 {
		_, _, ok = q.push([]byte("x:1|c"))
		require.True(t, ok)
	}
	_, _, ok = q.push([]byte("x:1|c"))
	assert.False(t, ok, "full")
	_, ok = q.pop(nil)
	require.True(t, ok)
	_, _, ok = q.push(make([]byte, 2*slotData))
	assert.False(t, ok, "one slot free, two needed")
	_, _, ok = q.push([]byte("y:1|c"))
	assert.True(t, ok, "one slot free, one needed")
}

func TestQueueConcurrentProducersLoseNothingAccepted(t *testing.T) {
	q := newQueue(64)
	const producers, each = 4, 5000
	var wg sync.WaitGroup
	var mu sync.Mutex
	accepted := map[string]bool{}
	for p := range producers {
		wg.Go(func() {
			for i := range each {
				line := fmt.Sprintf("p%d.%d:%s|c", p, i, strings.Repeat("9", i%120))
				if _, _, ok := q.push([]byte(line)); ok {
					mu.Lock()
					accepted[line] = true
					mu.Unlock()
				}
			}
		})
	}
	popped := map[string]bool{}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	drain := func() {
		for {
			b, ok := q.pop(nil)
			if !ok {
				return
			}
			popped[string(b)] = true
		}
	}
	for {
		select {
		case <-done:
			drain()
			mu.Lock()
			defer mu.Unlock()
			require.NotEmpty(t, accepted, "the queue took no line at all")
			assert.Equal(t, accepted, popped)
			return
		default:
			drain()
		}
	}
}

func TestQueueInterleavesRecordsAndLines(t *testing.T) {
	q := newQueue(8)
	for round := range 40 {
		r := record{kind: kind(round % 4), series: uint32(round * 977), v: uint64(round) * 0x0123456789abcdef}
		_, ok := q.pushRecord(r)
		require.True(t, ok)
		line := strings.Repeat("x", 1+round*13%120) // 1..3 slots, wrapping
		_, _, ok = q.push([]byte(line))
		require.True(t, ok, "round %d", round)

		n, ok := q.next()
		require.True(t, ok)
		require.Zero(t, n, "a record has no length")
		assert.Equal(t, r, q.popRecord())
		b, ok := q.pop(nil)
		require.True(t, ok)
		assert.Equal(t, line, string(b))
	}
	_, ok := q.next()
	assert.False(t, ok)
}

// At Close the consumer freezes the queue and abandons what is still being
// written: the writer learns it, so that exactly one side counts the stat.
func TestQueueAbandonedSlotsAreCountedByOneSide(t *testing.T) {
	q := newQueue(16)
	_, _, ok := q.push([]byte("done:1|c"))
	require.True(t, ok)
	pos, ok := q.claim(2) // a writer that claimed two slots and has not written them yet
	require.True(t, ok)
	_, _, ok = q.push(make([]byte, slotData+1)) // written behind it
	require.True(t, ok)
	end := q.freeze()
	assert.Equal(t, uint64(5), end)
	_, _, ok = q.push([]byte("late:1|c"))
	assert.False(t, ok, "nothing is claimed once frozen")
	_, ok = q.pushRecord(record{})
	assert.False(t, ok, "nothing is claimed once frozen")

	b, ok := q.pop(nil)
	require.True(t, ok)
	assert.Equal(t, "done:1|c", string(b))
	_, ok = q.next()
	require.False(t, ok, "the claimed slots are not written")
	assert.Equal(t, uint64(1), q.abandon(end), "the line written behind the unfinished one is lost")
	assert.False(t, q.fill(pos, make([]byte, 2*slotData)), "the writer learns it was abandoned")
	_, ok = q.next()
	assert.False(t, ok)
}
