package breaker

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
)

// Subscribe calls fn with every transition from now on, in order, on a
// goroutine of its own: a slow listener delays only its own deliveries, and
// a listener that panics (or calls runtime.Goexit) is logged and keeps
// receiving the next ones. A listener that falls more than 256 transitions
// behind (one that blocks) loses the oldest of them, counted in a log
// record ("breaker listener fell behind") written in order with the
// transitions; the breaker's calls and transitions never wait for it. fn may call back into
// the breaker. The returned function unsubscribes, at once even while fn
// runs; deliveries already queued are dropped.
func (b *Breaker) Subscribe(fn func(Transition)) (unsubscribe func()) {
	m := &mailbox[Transition]{
		deliver: func(t Transition) {
			defer func() {
				if r := recover(); r != nil {
					b.logUserFault(t.Context(), "breaker listener panicked",
						"delivering the "+t.To.String()+" transition of "+b.name, fmt.Sprint(r),
						"fix the listener given to Subscribe; later transitions are still delivered")
				}
			}()
			fn(t)
		},
		// Told by the publishing goroutine, not this one: the log handler
		// may block, and must not hold up this listener's deliveries.
		lost: func(n int) { b.pub.post(published{listenerLost: n}) },
	}
	b.subMu.Lock()
	defer b.subMu.Unlock()
	var ls []*mailbox[Transition]
	if old := b.listeners.Load(); old != nil {
		ls = slices.Clone(*old)
	}
	ls = append(ls, m)
	b.listeners.Store(&ls)
	var once sync.Once
	return func() {
		once.Do(func() {
			b.subMu.Lock()
			defer b.subMu.Unlock()
			ls := slices.DeleteFunc(slices.Clone(*b.listeners.Load()), func(x *mailbox[Transition]) bool { return x == m })
			b.listeners.Store(&ls)
			m.close()
		})
	}
}

// logUserFault logs, as an error, a fault of code the user gave the
// breaker; a log handler that panics too is ignored (see safely).
func (b *Breaker) logUserFault(ctx context.Context, msg, attempted, fault, remedy string) {
	safely(func() {
		b.logger().LogAttrs(ctx, slog.LevelError, msg,
			slog.String("breaker", b.name),
			slog.String("attempted", attempted),
			slog.String("error", fault),
			slog.String("remedy", remedy))
	})
}

// mailboxLimit bounds the transitions waiting in a mailbox: a listener (or
// log handler) that never returns must not make the breaker keep every
// transition from then on.
const mailboxLimit = 256

// mailbox delivers items (transitions, to a listener or to the log) one at
// a time, in order, on a goroutine that exists only while there is
// something to deliver: an idle breaker holds no goroutine. It holds at
// most mailboxLimit items, dropping the oldest.
type mailbox[T any] struct {
	mu      sync.Mutex
	queue   []T
	dropped int // since the last delivery
	running bool
	closed  bool
	deliver func(T)
	lost    func(n int) // reports dropped items, before the next delivery
}

func (m *mailbox[T]) post(t T) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return
	}
	var zero T
	if len(m.queue) >= mailboxLimit {
		m.queue[0] = zero
		m.queue = m.queue[1:]
		m.dropped++
	}
	m.queue = append(m.queue, t)
	if !m.running {
		m.running = true
		go m.run()
	}
}

func (m *mailbox[T]) run() {
	var zero T
	for {
		m.mu.Lock()
		if len(m.queue) == 0 || m.closed {
			m.queue = nil
			m.running = false
			m.mu.Unlock()
			return
		}
		t, dropped := m.queue[0], m.dropped
		m.queue[0] = zero
		m.queue = m.queue[1:]
		m.dropped = 0
		m.mu.Unlock()
		if dropped > 0 {
			m.lost(dropped)
		}
		if !m.deliverReturns(t) {
			return // runtime.Goexit: deliverReturns started another goroutine
		}
	}
}

// deliverReturns delivers t and reports whether deliver returned. When it
// called runtime.Goexit, which no recover stops, this goroutine ends: the
// deferred check starts another to deliver the rest, so that the mailbox
// does not stay marked running with no goroutine.
func (m *mailbox[T]) deliverReturns(t T) (returned bool) {
	defer func() {
		if !returned {
			go m.run()
		}
	}()
	m.deliver(t)
	return true
}

func (m *mailbox[T]) close() {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
}
