package log

import (
	"context"
	"errors"
	"hash/maphash"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vitals-go/vitals/reqid"
)

// FloodOptions configures [NewFloodHandler]. The zero value is the default:
// per key of WARN level or above, the first 5 records of every 10 s window
// pass.
type FloodOptions struct {
	// Level is the lowest level collapsed; records below it all pass
	// untouched (access records at INFO are each worth a line). nil means
	// slog.LevelWarn.
	Level slog.Leveler

	// Window is the span over which records of one key are counted; 0
	// means 10 s.
	Window time.Duration

	// Burst is how many records of one key pass per window; 0 means 5.
	Burst int

	// KeyAttr names an attribute whose value joins the key, so that, say,
	// "breaker" or "route" keeps each breaker's or route's records apart.
	// The value is taken from the record's top-level attributes, else from
	// the logger's (Logger.With before any group), else from the context's
	// ([With]). A string value costs nothing; another kind is formatted per
	// record. "" means none.
	KeyAttr string
}

const (
	defaultFloodWindow = 10 * time.Second
	defaultFloodBurst  = 5
	floodBits          = 8
	floodSlots         = 1 << floodBits
)

// FloodSummaryMsg is the message of a flood summary record. It is not the
// suppressed records' own, so that counting or checking the records of a
// message never mistakes a summary for one of them.
const FloodSummaryMsg = "log records suppressed"

// Keys of a flood summary record.
const (
	KeySuppressedMsg   = "suppressed_msg"   // the message of the suppressed records
	KeySuppressed      = "suppressed"       // records of the key not written in the window
	KeySuppressedFirst = "suppressed_first" // time of the first of them
	KeySuppressedLast  = "suppressed_last"  // time of the last of them
	KeyLastRequestID   = "last_request_id"  // request ID of the last of them, if any
)

// FloodHandler collapses repeated records, as an incident produces them: a
// record's key is its level, message, source (the logging call) and, with
// FloodOptions.KeyAttr, an attribute's value. Per key, the first Burst
// records of a window pass to the inner handler; the rest are counted, and
// one summary record ([FloodSummaryMsg]) gives their message, says how many
// were suppressed and when the first and the last of them were logged, with
// the request ID of the last. The summary has the key's level and source, so
// an ERROR is never lost silently: it is summarised, never dropped without a
// count.
//
// A summary is written as soon as the window is over: by the key's next
// record, or by a timer that runs only while records are suppressed (no
// goroutine stays behind), or by Flush and Close. It goes through the inner
// handler of the logger that logged the window's first record, with a
// background context.
//
// Keys are counted in a table of 256 slots, a key in one of 4 consecutive
// slots; when all 4 are in use by other keys' windows, the first is taken
// over and its key's summary is written early. So a flood of distinct keys
// is let through rather than suppressed, and memory stays fixed. Not wrapping a
// handler costs nothing; a wrapped record costs a hash and a short lock, and
// no allocation.
type FloodHandler struct {
	t       *floodTable
	inner   slog.Handler
	keyVal  slog.Value // the logger's KeyAttr value, if any
	hasKey  bool
	grouped bool // a group is open: later attributes are not top-level
}

// floodTable is shared by a FloodHandler and the handlers derived from it.
type floodTable struct {
	level   slog.Leveler
	window  time.Duration
	burst   int
	keyAttr string
	seed    maphash.Seed

	slots      [floodSlots]floodSlot
	armed      atomic.Bool // a sweep is scheduled
	closed     atomic.Bool
	suppressed atomic.Uint64 // records suppressed in total
	timerMu    sync.Mutex
	timer      *time.Timer
	sweeps     sync.WaitGroup // a scheduled or running sweep
}

// floodSlot counts the records of one key in its current window.
type floodSlot struct {
	mu sync.Mutex
	floodState
}

// floodState is a slot's content, replaced as a whole by a new window.
type floodState struct {
	used       bool
	hash       uint64
	level      slog.Level
	pc         uintptr
	msg        string
	key        string
	inner      slog.Handler // where the summary goes
	start      time.Time    // the window's start
	passed     int
	suppressed uint64
	first      time.Time
	last       time.Time
	lastID     string
}

// summary is a slot's suppressed records, taken out of the slot to be
// written without holding its lock.
type summary struct {
	inner       slog.Handler
	level       slog.Level
	pc          uintptr
	msg         string
	n           uint64
	first, last time.Time
	lastID      string
}

// NewFloodHandler returns a handler that passes records to inner, collapsing
// repeated ones as [FloodHandler] describes. Call Close (or Flush) at
// shutdown so that the last summaries are written.
func NewFloodHandler(inner slog.Handler, opts FloodOptions) *FloodHandler {
	t := &floodTable{level: opts.Level, window: opts.Window, burst: opts.Burst, keyAttr: opts.KeyAttr, seed: maphash.MakeSeed()}
	if t.window <= 0 {
		t.window = defaultFloodWindow
	}
	if t.burst <= 0 {
		t.burst = defaultFloodBurst
	}
	if t.level == nil {
		t.level = slog.LevelWarn
	}
	return &FloodHandler{t: t, inner: inner}
}

// Suppressed returns the number of records suppressed so far; each is
// counted in a summary record, written or to be written.
func (h *FloodHandler) Suppressed() uint64 { return h.t.suppressed.Load() }

// Enabled reports whether inner handles records at level l.
func (h *FloodHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

// WithAttrs returns a FloodHandler on inner.WithAttrs(attrs), sharing this
// one's counts.
func (h *FloodHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	h2 := *h
	h2.inner = h.inner.WithAttrs(attrs)
	if !h.grouped && h.t.keyAttr != "" {
		for _, a := range attrs {
			if a.Key == h.t.keyAttr {
				h2.keyVal, h2.hasKey = a.Value, true
			}
		}
	}
	return &h2
}

// WithGroup returns a FloodHandler on inner.WithGroup(name), sharing this
// one's counts.
func (h *FloodHandler) WithGroup(name string) slog.Handler {
	h2 := *h
	h2.inner = h.inner.WithGroup(name)
	h2.grouped = h.grouped || name != ""
	return &h2
}

// Handle passes r to inner, or counts it when its key has used its burst
// in the current window.
func (h *FloodHandler) Handle(ctx context.Context, r slog.Record) error {
	t := h.t
	if r.Level < t.level.Level() || t.closed.Load() {
		return h.inner.Handle(ctx, r)
	}
	key := h.key(ctx, r)
	hash := maphash.String(t.seed, r.Message) ^ uint64(r.PC)*0x9e3779b97f4a7c15 ^ uint64(int64(r.Level))*0xc2b2ae3d27d4eb4f
	if key != "" {
		hash ^= maphash.String(t.seed, key) * 0xff51afd7ed558ccd
	}
	now := r.Time
	if now.IsZero() {
		now = time.Now()
	}
	s, fresh := t.slot(hash, r, key, now)
	if fresh {
		// A new window for this key: the summary of the slot's previous
		// window (this key's or another's) is written first.
		old := s.take()
		s.floodState = floodState{used: true, hash: hash, level: r.Level, pc: r.PC, msg: r.Message, key: key,
			inner: h.inner, start: now, passed: 1}
		s.mu.Unlock()
		if old.n > 0 {
			_ = old.write()
		}
		return h.inner.Handle(ctx, r)
	}
	if s.passed < t.burst {
		s.passed++
		s.mu.Unlock()
		return h.inner.Handle(ctx, r)
	}
	if s.suppressed == 0 {
		s.first = now
	}
	s.suppressed++
	s.last = now
	if id, ok := reqid.From(ctx); ok {
		s.lastID = id
	}
	s.mu.Unlock()
	t.suppressed.Add(1)
	if t.closed.Load() {
		// Close ran meanwhile and may have flushed this slot already.
		t.flush(now, true)
		return nil
	}
	t.arm()
	return nil
}

// floodProbes is how many consecutive slots a key may use, so that a few
// keys whose hashes collide still have a slot each.
const floodProbes = 4

// slot returns, locked, the slot counting r's key: with fresh false, the
// key's slot in its current window; with fresh true, a slot to start a new
// window in: the key's own once its window is over, else an unused or
// expired one, else (all taken) the first, whose key is evicted.
func (t *floodTable) slot(hash uint64, r slog.Record, key string, now time.Time) (s *floodSlot, fresh bool) {
	base := (hash * 0x9e3779b97f4a7c15) >> (64 - floodBits)
	for i := range uint64(floodProbes) {
		s = &t.slots[(base+i)&(floodSlots-1)]
		s.mu.Lock()
		expired := !s.used || now.Sub(s.start) >= t.window
		if s.hash == hash && s.level == r.Level && s.pc == r.PC && s.msg == r.Message && s.key == key && s.used {
			return s, expired
		}
		if expired {
			return s, true
		}
		s.mu.Unlock()
	}
	s = &t.slots[base]
	s.mu.Lock()
	return s, true
}

// key returns the KeyAttr value of r, else of the logger, else of ctx,
// else "".
func (h *FloodHandler) key(ctx context.Context, r slog.Record) string {
	name := h.t.keyAttr
	if name == "" {
		return ""
	}
	v, found := h.keyVal, h.hasKey
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == name {
			v, found = a.Value, true
		}
		return a.Key != name
	})
	if ca := attrsFrom(ctx); !found && ca != nil {
		for _, a := range ca.attrs {
			if a.Key == name {
				v, found = a.Value, true
			}
		}
	}
	if !found {
		return ""
	}
	if v.Kind() == slog.KindString {
		return v.String()
	}
	return v.Resolve().String()
}

// take returns the slot's summary and clears its count. The caller holds
// the slot's lock.
func (s *floodState) take() summary {
	sum := summary{inner: s.inner, level: s.level, pc: s.pc, msg: s.msg, n: s.suppressed,
		first: s.first, last: s.last, lastID: s.lastID}
	s.suppressed, s.lastID = 0, ""
	return sum
}

// write hands the summary record to its inner handler. A panic there is
// recovered: the timer's goroutine has no caller to give it to.
func (sum summary) write() (err error) {
	defer func() {
		if recover() != nil {
			err = errFloodSummaryPanic
		}
	}()
	r := slog.NewRecord(time.Now(), sum.level, FloodSummaryMsg, sum.pc)
	r.AddAttrs(
		slog.String(KeySuppressedMsg, sum.msg),
		slog.Uint64(KeySuppressed, sum.n),
		slog.Time(KeySuppressedFirst, sum.first),
		slog.Time(KeySuppressedLast, sum.last),
	)
	if sum.lastID != "" {
		r.AddAttrs(slog.String(KeyLastRequestID, sum.lastID))
	}
	return sum.inner.Handle(context.Background(), r)
}

// errFloodSummaryPanic is what a summary's write returns when the inner
// handler panicked.
var errFloodSummaryPanic = errors.New("log: the inner handler panicked on a flood summary")

// arm schedules a sweep one window from now, unless one is scheduled.
func (t *floodTable) arm() {
	if t.armed.Load() || !t.armed.CompareAndSwap(false, true) {
		return
	}
	t.timerMu.Lock()
	if !t.closed.Load() {
		t.sweeps.Add(1)
		t.timer = time.AfterFunc(t.window, t.sweep)
	}
	t.timerMu.Unlock()
}

// sweep writes the summaries of the windows that are over, and schedules
// another sweep while some window still has suppressed records.
func (t *floodTable) sweep() {
	defer t.sweeps.Done()
	t.armed.Store(false)
	if more := t.flush(time.Now(), false); more {
		t.arm()
	}
}

// flush writes the summaries of the windows over at now (of every window
// with all) and reports whether suppressed records remain unsummarised.
func (t *floodTable) flush(now time.Time, all bool) (more bool) {
	for i := range t.slots {
		s := &t.slots[i]
		s.mu.Lock()
		if s.suppressed == 0 {
			s.mu.Unlock()
			continue
		}
		if !all && now.Sub(s.start) < t.window {
			s.mu.Unlock()
			more = true
			continue
		}
		sum := s.take()
		s.used = false // the next record of the key starts a new window
		s.mu.Unlock()
		_ = sum.write()
	}
	return more
}

// Flush writes a summary now for every key with suppressed records, and
// starts their next window.
func (h *FloodHandler) Flush() { h.t.flush(time.Now(), true) }

// Close writes the pending summaries and stops suppressing: later records
// all pass. It stops the timer, so no goroutine of the handler runs after
// it. It always returns nil.
func (h *FloodHandler) Close() error {
	t := h.t
	t.closed.Store(true)
	t.timerMu.Lock()
	if t.timer != nil && t.timer.Stop() {
		t.sweeps.Done() // the sweep will not run
	}
	t.timerMu.Unlock()
	t.sweeps.Wait()
	t.flush(time.Now(), true)
	return nil
}
