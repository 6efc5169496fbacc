package breaker

import (
	"fmt"
	"log/slog"
	"slices"
	"sync"
)

// Subscribe calls fn with every transition from now on, in order, on a
// goroutine of its own: a slow listener delays only its own deliveries, and a
// listener that panics is logged and keeps receiving the next ones. fn may
// call back into the breaker. The returned function unsubscribes; deliveries
// already queued are dropped.
func (b *Breaker) Subscribe(fn func(Transition)) (unsubscribe func()) {
	m := &mailbox{}
	m.deliver = func(t Transition) {
		defer func() {
			if r := recover(); r != nil {
				b.logger().LogAttrs(t.Context(), slog.LevelError, "breaker listener panicked",
					slog.String("breaker", b.name),
					slog.String("attempted", "delivering the "+t.To.String()+" transition of "+b.name),
					slog.String("error", fmt.Sprint(r)),
					slog.String("remedy", "fix the listener given to Subscribe; later transitions are still delivered"))
			}
		}()
		fn(t)
	}
	b.subMu.Lock()
	defer b.subMu.Unlock()
	var ls []*mailbox
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
			ls := slices.DeleteFunc(slices.Clone(*b.listeners.Load()), func(x *mailbox) bool { return x == m })
			b.listeners.Store(&ls)
			m.close()
		})
	}
}

// mailbox delivers transitions one at a time, in order, on a goroutine that
// exists only while there is something to deliver: an idle breaker holds no
// goroutine.
type mailbox struct {
	mu      sync.Mutex
	queue   []Transition
	running bool
	closed  bool
	deliver func(Transition)
}

func (m *mailbox) post(t Transition) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return
	}
	m.queue = append(m.queue, t)
	if !m.running {
		m.running = true
		go m.run()
	}
}

func (m *mailbox) run() {
	for {
		m.mu.Lock()
		if len(m.queue) == 0 || m.closed {
			m.queue = nil
			m.running = false
			m.mu.Unlock()
			return
		}
		t := m.queue[0]
		m.queue[0] = Transition{}
		m.queue = m.queue[1:]
		m.mu.Unlock()
		m.deliver(t)
	}
}

func (m *mailbox) close() {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
}
