package stats

import (
	"sync/atomic"
)

// slotData is how many bytes of a line one queue slot holds; with its
// sequence number and length a slot is one 64-byte cache line.
const slotData = 54

// slot is one place in the queue. A line longer than slotData continues in
// the following slots; the first one holds its length.
type slot struct {
	seq  atomic.Uint64 // p+1 once the line starting at position p is written
	n    uint16
	data [slotData]byte
}

// queue is a bounded, lock-free, multi-producer single-consumer queue of
// lines. Producers never wait: a producer claims the slots a line needs by
// advancing tail with a compare-and-swap, or, when the consumer has not yet
// freed them, fails and the caller counts a drop; it then writes the line
// and publishes it by storing the first slot's sequence number. The consumer
// reads published lines in order.
//
// Only producers write slots: the consumer tells them what it has read by
// publishing its position (head) every few lines rather than by writing
// each slot back, so a slot's cache line moves between cores once per lap,
// not twice.
type queue struct {
	_     [64]byte
	tail  atomic.Uint64 // next position to claim; shared by producers
	_     [56]byte
	head  atomic.Uint64 // positions before head are free; written by the consumer
	_     [56]byte
	read  uint64 // next position to read; the consumer's alone
	slots []slot
	size  uint64
	mask  uint64
	every uint64 // the consumer publishes head after this many slots
}

func newQueue(size int) *queue {
	return &queue{
		slots: make([]slot, size),
		size:  uint64(size),
		mask:  uint64(size - 1),
		every: uint64(max(1, min(64, size/4))),
	}
}

// slotsFor returns how many slots a line of n bytes takes.
func slotsFor(n int) uint64 { return uint64((n + slotData - 1) / slotData) }

// push copies line into the queue, reporting false when it does not fit,
// and the position and number of the slots it took. It never blocks.
func (q *queue) push(line []byte) (pos, k uint64, ok bool) {
	k = slotsFor(len(line))
	if k == 0 || k > q.size || len(line) > 1<<16-1 {
		return 0, 0, false
	}
	for {
		pos = q.tail.Load()
		if pos+k-q.head.Load() > q.size {
			return 0, 0, false // full: the consumer has not freed these slots yet
		}
		if q.tail.CompareAndSwap(pos, pos+k) {
			q.fill(pos, line)
			return pos, k, true
		}
	}
}

// fill writes line into the slots from pos on and publishes it.
func (q *queue) fill(pos uint64, line []byte) {
	first := &q.slots[pos&q.mask]
	for i, off := uint64(0), 0; off < len(line); i, off = i+1, off+slotData {
		copy(q.slots[(pos+i)&q.mask].data[:], line[off:])
	}
	first.n = uint16(len(line))
	first.seq.Store(pos + 1)
}

// next returns the length of the next published line, or false when the
// queue is empty or the next line is still being written. Only the consumer
// calls next, pop and free.
func (q *queue) next() (int, bool) {
	first := &q.slots[q.read&q.mask]
	if first.seq.Load() != q.read+1 {
		return 0, false
	}
	return int(first.n), true
}

// pop appends the next published line to b, or reports false as next does.
// Its slots are freed a few lines later, or by free.
func (q *queue) pop(b []byte) ([]byte, bool) {
	n, ok := q.next()
	if !ok {
		return b, false
	}
	k := slotsFor(n)
	for i := uint64(0); i < k; i++ {
		take := min(n, slotData)
		b = append(b, q.slots[(q.read+i)&q.mask].data[:take]...)
		n -= take
	}
	q.read += k
	if q.read-q.head.Load() >= q.every {
		q.free()
	}
	return b, true
}

// free lets producers reuse every slot read so far.
func (q *queue) free() { q.head.Store(q.read) }
