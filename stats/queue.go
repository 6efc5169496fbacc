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
	seq  atomic.Uint64
	n    uint16
	data [slotData]byte
}

// queue is a bounded, lock-free, multi-producer single-consumer queue of
// lines (after Dmitry Vyukov's bounded MPMC queue, with multi-slot
// entries). Producers never wait: when the slots a line needs are not free,
// push fails and the caller counts a drop. The consumer frees slots in
// order, so a producer that finds the last slot of its range free knows the
// whole range is free.
//
// Slot i is free for position p when seq == p, and holds a published line
// starting at position p when seq == p+1.
type queue struct {
	_     [64]byte
	tail  atomic.Uint64 // next position to claim; shared by producers
	_     [56]byte
	head  uint64 // next position to read; the consumer's alone
	_     [56]byte
	slots []slot
	mask  uint64
}

func newQueue(size int) *queue {
	q := &queue{slots: make([]slot, size), mask: uint64(size - 1)}
	for i := range q.slots {
		q.slots[i].seq.Store(uint64(i))
	}
	return q
}

// slotsFor returns how many slots a line of n bytes takes.
func slotsFor(n int) uint64 { return uint64((n + slotData - 1) / slotData) }

// push copies line into the queue, reporting false when it does not fit,
// and the position and number of the slots it took. It never blocks.
func (q *queue) push(line []byte) (pos, k uint64, ok bool) {
	k = slotsFor(len(line))
	if k == 0 || k > uint64(len(q.slots)) || len(line) > 1<<16-1 {
		return 0, 0, false
	}
	pos = q.tail.Load()
	for {
		last := pos + k - 1
		seq := q.slots[last&q.mask].seq.Load()
		switch d := int64(seq - last); {
		case d == 0:
			if q.tail.CompareAndSwap(pos, pos+k) {
				q.fill(pos, line)
				return pos, k, true
			}
			pos = q.tail.Load()
		case d < 0:
			return 0, 0, false // full: the consumer has not freed these slots yet
		default:
			pos = q.tail.Load() // another producer claimed them first
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
// calls next and pop.
func (q *queue) next() (int, bool) {
	first := &q.slots[q.head&q.mask]
	if first.seq.Load() != q.head+1 {
		return 0, false
	}
	return int(first.n), true
}

// pop appends the next published line to b and frees its slots, or reports
// false as next does.
func (q *queue) pop(b []byte) ([]byte, bool) {
	n, ok := q.next()
	if !ok {
		return b, false
	}
	pos := q.head
	k := slotsFor(n)
	for i := uint64(0); i < k; i++ {
		s := &q.slots[(pos+i)&q.mask]
		take := min(n, slotData)
		b = append(b, s.data[:take]...)
		n -= take
	}
	for i := uint64(0); i < k; i++ {
		q.slots[(pos+i)&q.mask].seq.Store(pos + i + uint64(len(q.slots)))
	}
	q.head = pos + k
	return b, true
}
