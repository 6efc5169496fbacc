package stats

import (
	"encoding/binary"
	"sync/atomic"
)

// slotData is how many bytes of a line one queue slot holds; with its
// sequence number and length a slot is one 64-byte cache line.
const slotData = 54

// Bits of the queue's positions and sequence numbers, far above any
// position a queue reaches.
const (
	frozen    = 1 << 63 // in tail: nothing more can be claimed
	abandoned = 1 << 62 // in a slot's seq: the consumer gave up on the slot
)

// slot is one place in the queue: one record, or the first or a following
// part of a line. A line longer than slotData continues in the following
// slots; the first one holds its length. A record is a stat of a known
// series, formatted by the consumer: it takes one slot, whose length is 0.
type slot struct {
	// p+1 once what starts at position p is written, or p+1|abandoned
	// once the consumer stopped waiting for it
	seq  atomic.Uint64
	data [slotData]byte
	n    uint16 // after data, so that a record's value is 8-byte aligned
}

// record is a stat of a series in the series table: the slot holds its
// kind, the series' index and the value, and the consumer formats the line.
type record struct {
	kind   kind
	series uint32
	v      uint64 // an int64 count or duration, or float64 bits
}

// queue is a bounded, lock-free, multi-producer single-consumer queue of
// lines and records. Producers never wait: a producer claims the slots it
// needs by advancing tail with a compare-and-swap, or, when the consumer has
// not yet freed them, fails and the caller counts a drop; it then writes
// the slots and publishes them by storing the first slot's sequence number.
// The consumer reads what is published in order.
//
// Only producers write slots: the consumer tells them what it has read by
// publishing its position (head) every few lines rather than by writing
// each slot back, so a slot's cache line moves between cores once per lap,
// not twice.
//
// At Close the consumer freezes tail, so that every later claim fails, and
// waits for the slots already claimed; past its deadline it abandons them:
// a slot's writer and the consumer race on the slot's sequence number, so
// exactly one of them counts its stat.
type queue struct {
	_    [64]byte
	tail atomic.Uint64 // next position to claim; shared by producers
	_    [56]byte
	head atomic.Uint64 // positions before head are free; written by the consumer
	_    [56]byte
	read uint64 // next position to read; the consumer's alone
	_    [56]byte
	// Read-only, on a line of their own: producers read them at every
	// push, and would otherwise fetch the line again each time the
	// consumer moved read.
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
	if pos, ok = q.claim(k); ok {
		ok = q.fill(pos, line)
	}
	return pos, k, ok
}

// pushRecord queues r in one slot, reporting false when the queue is full
// or closed, and the slot's position. It never blocks.
func (q *queue) pushRecord(r record) (pos uint64, ok bool) {
	if pos, ok = q.claim(1); ok {
		sl := &q.slots[pos&q.mask]
		sl.data[0] = byte(r.kind)
		binary.LittleEndian.PutUint32(sl.data[4:], r.series)
		binary.LittleEndian.PutUint64(sl.data[8:], r.v)
		sl.n = 0
		ok = publish(sl, pos)
	}
	return pos, ok
}

// claim reserves k slots from the returned position on, or reports false
// when the consumer has not freed them yet or the queue is frozen (then
// pos+k-head overflows size).
func (q *queue) claim(k uint64) (pos uint64, ok bool) {
	for {
		pos = q.tail.Load()
		if pos+k-q.head.Load() > q.size {
			return 0, false
		}
		if q.tail.CompareAndSwap(pos, pos+k) {
			return pos, true
		}
	}
}

// fill writes line into the slots from pos on and publishes it, reporting
// false when the consumer abandoned it meanwhile.
func (q *queue) fill(pos uint64, line []byte) bool {
	first := &q.slots[pos&q.mask]
	for i, off := uint64(0), 0; off < len(line); i, off = i+1, off+slotData {
		copy(q.slots[(pos+i)&q.mask].data[:], line[off:])
	}
	first.n = uint16(len(line))
	return publish(first, pos)
}

// publish marks what starts at pos, in sl, as written, unless the consumer
// abandoned it first.
func publish(sl *slot, pos uint64) bool {
	for {
		old := sl.seq.Load()
		if old == pos+1|abandoned {
			return false
		}
		if sl.seq.CompareAndSwap(old, pos+1) {
			return true
		}
	}
}

// next returns the length of the next published line, 0 for a record, or
// false when the queue is empty or the next entry is still being written.
// Only the consumer calls next, pop, popRecord and free.
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
	q.advance(k)
	return b, true
}

// popRecord returns the next entry, which next reported to be a record.
func (q *queue) popRecord() record {
	sl := &q.slots[q.read&q.mask]
	r := record{
		kind:   kind(sl.data[0]),
		series: binary.LittleEndian.Uint32(sl.data[4:]),
		v:      binary.LittleEndian.Uint64(sl.data[8:]),
	}
	q.advance(1)
	return r
}

// advance moves past k read slots, freeing them every few lines.
func (q *queue) advance(k uint64) {
	q.read += k
	if q.read-q.head.Load() >= q.every {
		q.free()
	}
}

// free lets producers reuse every slot read so far.
func (q *queue) free() { q.head.Store(q.read) }

// freeze makes every later claim fail and returns the end of what was
// claimed before.
func (q *queue) freeze() (end uint64) { return q.tail.Or(frozen) &^ frozen }

// abandon gives up on everything between read and end, which freeze
// returned, and returns how many entries were written there: their stats
// are lost. The entries still being written are abandoned slot by slot, and
// their writers count them, as push and pushRecord report false.
func (q *queue) abandon(end uint64) (lost uint64) {
	for i := q.read; i < end; {
		sl := &q.slots[i&q.mask]
		switch seq := sl.seq.Load(); {
		case seq == i+1:
			lost++
			i += max(1, slotsFor(int(sl.n)))
		case sl.seq.CompareAndSwap(seq, i+1|abandoned):
			i++
		}
	}
	q.read = end
	return lost
}
