package stats

import (
	"errors"
	"math"
	"runtime"
	"strconv"
	"time"

	"github.com/cactus/go-statsd-client/v5/statsd"

	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/internal/panics"
)

// flusher is the state of the sending goroutine: it drains the queue into a
// packet, adds the handles' values each interval and sends packets.
type flusher struct {
	s     *Statsd
	max   int           // MaxPacketSize
	every time.Duration // FlushInterval
	pkt   []byte        // the packet being filled
	line  []byte        // scratch for one line
	// stats in pkt, counted as dropped if it cannot be sent
	pktStats uint64
	// the line heads of the emitter's own totals, dropped and send_errors
	report [2][]byte
}

// run is the sending goroutine. It closes the sender when it stops, so that
// Close never waits on a sender beyond Config.CloseTimeout and never closes
// it while a Send is under way.
func (s *Statsd) run() {
	defer close(s.done)
	defer func() { s.senderErr = closeSender(s.sender) }()
	f := &s.flush
	t := time.NewTicker(f.every)
	defer t.Stop()
	for {
		select {
		case <-s.wake:
			// While lines keep coming, keep draining rather than park and
			// wait for the next wake-up: parking costs more than a pass.
			for f.drain() >= busyPass {
				runtime.Gosched()
			}
		case <-t.C:
			f.flush()
		case <-s.stop:
			f.finish()
			return
		}
	}
}

// busyPass is how many lines one drain must move for the sending goroutine
// to look again at once.
const busyPass = 64

// drain moves every queued stat into packets, sending the full ones, and
// returns how many it moved. Lines are copied from the queue, and records
// formatted, straight into the packet.
func (f *flusher) drain() (moved int) {
	q := f.s.q
	for ; ; moved++ {
		n, ok := q.next()
		switch {
		case !ok:
			q.free()
			return moved
		case n == 0:
			f.addRecord(q.popRecord())
			continue
		case n > f.max:
			f.line, _ = q.pop(f.line[:0])
			f.s.dropped.Add(1)
			continue
		case len(f.pkt) > 0 && len(f.pkt)+1+n > f.max:
			f.send()
		}
		if len(f.pkt) > 0 {
			f.pkt = append(f.pkt, '\n')
		}
		f.pkt, _ = q.pop(f.pkt)
		f.pktStats++
	}
}

// flush drains the queue, adds the handles and the emitter's own totals,
// and sends everything.
func (f *flusher) flush() {
	f.drain()
	s := f.s
	counters, gauges := s.handles()
	for _, c := range counters {
		if v := c.Value(); v != c.sent {
			f.line = strconv.AppendInt(append(f.line[:0], c.line...), v-c.sent, 10)
			f.add(append(f.line, c.suffix...), 1)
			c.sent = v
		}
	}
	for _, g := range gauges {
		if v := g.Value(); g.set.Load() && s.finite(v) {
			f.line = s.appendStat(f.line[:0], g.line, g.tail, kindGauge, math.Float64bits(v))
			f.add(f.line, 1)
		}
	}
	f.addReport(0, s.dropped.Load())
	f.addReport(1, s.sendErrors.Load())
	f.send()
}

// finish is the last flush, once Close was called. Nothing more can be
// queued then, so it waits for the callers still writing the stats they
// queued, for at most half of CloseTimeout, and counts those that did not
// finish in time as dropped.
func (f *flusher) finish() {
	q := f.s.q
	end := q.freeze()
	deadline := time.Now().Add(f.s.closeTimeout / 2)
	for f.drain(); q.read != end && time.Now().Before(deadline); f.drain() {
		runtime.Gosched()
	}
	f.s.dropped.Add(q.abandon(end))
	f.flush()
}

// addReport adds the line reporting one of the emitter's own totals, once
// it is not zero. It is a gauge of the running total, sent at every flush:
// a packet that a UDP socket took without error can still be lost, and
// the next report then makes it good.
func (f *flusher) addReport(i int, total uint64) {
	if total == 0 {
		return
	}
	f.line = strconv.AppendUint(append(f.line[:0], f.report[i]...), total, 10)
	f.add(append(f.line, "|g"...), 0)
}

// addRecord formats the line of a record at the end of the packet. When it
// does not fit, the packet goes out without it and the next one starts with
// it, as add does.
func (f *flusher) addRecord(r record) {
	start, from := len(f.pkt), len(f.pkt)
	if start > 0 {
		f.pkt = append(f.pkt, '\n')
		from++
	}
	e := f.s.series.At(r.series)
	f.pkt = f.s.appendStat(f.pkt, e.head, e.tail, r.kind, r.v)
	if len(f.pkt) <= f.max {
		f.pktStats++
		return
	}
	f.line = append(f.line[:0], f.pkt[from:]...)
	f.pkt = f.pkt[:start]
	f.add(f.line, 1)
}

// add appends one line holding n stats to the packet, first sending the
// packet if the line does not fit. A line longer than a packet is dropped.
func (f *flusher) add(line []byte, n uint64) {
	if len(f.pkt) > 0 && len(f.pkt)+1+len(line) > f.max {
		f.send()
	}
	if len(line) > f.max {
		f.s.dropped.Add(n)
		return
	}
	if len(f.pkt) > 0 {
		f.pkt = append(f.pkt, '\n')
	}
	f.pkt = append(f.pkt, line...)
	f.pktStats += n
}

// send sends the packet, if any. On failure its stats count as dropped.
func (f *flusher) send() {
	if len(f.pkt) == 0 {
		return
	}
	if err := trySend(f.s.sender, f.pkt); err != nil {
		f.s.sendErrors.Add(1)
		f.s.dropped.Add(f.pktStats)
	} else {
		f.s.sent.Add(f.pktStats)
	}
	f.pkt, f.pktStats = f.pkt[:0], 0
}

// trySend sends pkt, turning a panic of the user's Sender into an error.
func trySend(sender statsd.Sender, pkt []byte) (err error) {
	defer panicAsError(&err)
	_, err = sender.Send(pkt)
	return err
}

// closeSender closes the sender, turning a failure or a panic into an
// errctx error.
func closeSender(sender statsd.Sender) error {
	if err := tryClose(sender); err != nil {
		return errctx.Wrap(err, "closing the statsd sender",
			errctx.Remedy("nothing to do: every stat was sent or counted as dropped before"))
	}
	return nil
}

func tryClose(sender statsd.Sender) (err error) {
	defer panicAsError(&err)
	return sender.Close()
}

// panicAsError, deferred, turns a panic of the user's Sender into *err.
func panicAsError(err *error) {
	if p := recover(); p != nil {
		*err = errors.New(panics.Message(p))
	}
}
