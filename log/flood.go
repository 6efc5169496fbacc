package log

import (
	"context"
	"errors"
	"fmt"
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
	// slog.LevelWarn. A *slog.LevelVar is read for every record, so
	// changing it takes effect at once.
	Level slog.Leveler

	// Window is the span over which records of one key are counted; 0 (or
	// less) means 10 s.
	Window time.Duration

	// Burst is how many records of one key pass per window; 0 (or less)
	// means 5.
	Burst int

	// KeyAttr names an attribute whose value joins the key, so that, say,
	// "breaker" or "route" keeps each breaker's or route's records apart.
	// The value is taken from the record's top-level attributes, else from
	// the logger's (Logger.With before any group), else from the context's
	// ([With]). A string value costs nothing; another kind is formatted per
	// record (the logger's once, at Logger.With). "" means none. The
	// summary of a key whose value came from the record or the context
	// carries it (breaker=payments); one from the logger's attributes is
	// already on the summary's logger.
	KeyAttr string

	// CloseTimeout bounds how long Close waits for the inner handler to
	// take the last summaries; 0 (or less) means 5 s.
	CloseTimeout time.Duration
}

const (
	defaultFloodWindow = 10 * time.Second
	defaultFloodBurst  = 5
	defaultFloodClose  = 5 * time.Second
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
	KeyUnreported      = "unreported"       // records of earlier summaries the inner handler failed to write
)

// FloodHandler collapses repeated records, as an incident produces them: a
// record's key is its level, message, source (the logging call) and, with
// FloodOptions.KeyAttr, an attribute's value. Per key, the first Burst
// records of a window pass to the inner handler; the rest are counted, and
// one summary record ([FloodSummaryMsg]) gives their message, says how many
// were suppressed and when the first and the last of them were logged, with
// the request ID of the last and the KeyAttr value. The summary has the
// key's level and source, so an ERROR is never lost silently: it is
// summarised, never dropped without a count.
//
// A summary is written as soon as the window is over: by the key's next
// record, or by a timer that runs only while records are suppressed (no
// goroutine stays behind), or by Flush and Close. It goes through the inner
// handler of the logger that logged the window's first record, with a
// background context. The inner handler is untrusted: no lock is held while
// it runs; a summary it panics on or returns an error for is counted
// ([FloodHandler.Unreported]) and its count is added, under [KeyUnreported],
// to the next summary it takes; while it blocks the timer's summary, later
// sweeps skip their turn rather than wait behind it. A panic on a record that passes is the
// caller's, as it would be without the FloodHandler.
//
// Keys are counted in a table of 256 slots, a key in one of 4 consecutive
// slots; when all 4 are in use by other keys' windows, the first is taken
// over and its key's summary is written early. So a flood of distinct keys
// is let through rather than suppressed, and memory stays fixed. Not
// wrapping a handler costs nothing; a record below FloodOptions.Level costs
// a comparison, and one at or above it a cheap hash and a short lock, and no
// allocation.
type FloodHandler struct {
	t       *floodTable
	inner   slog.Handler
	keyStr  string // the logger's KeyAttr value, if any
	hasKey  bool
	grouped bool // a group is open: later attributes are not top-level
}

// floodTable is shared by a FloodHandler and the handlers derived from it.
type floodTable struct {
	level        slog.Level   // the lowest level collapsed, when fixed
	leveler      slog.Leveler // else where to read it (a *slog.LevelVar)
	window       int64        // nanoseconds
	burst        int
	keyAttr      string
	closeTimeout time.Duration

	slots      [floodSlots]floodSlot
	armed      atomic.Bool // a sweep is scheduled
	sweeping   atomic.Bool // a sweep is writing summaries
	closed     atomic.Bool
	suppressed atomic.Uint64 // records suppressed in total
	unreported atomic.Uint64 // records of summaries the inner handler failed to write, in total
	owed       atomic.Uint64 // of those, the ones no later summary has reported yet
	timerMu    sync.Mutex
	timer      *time.Timer
	sweeps     sync.WaitGroup // a scheduled or running sweep
	closeMu    sync.Mutex     // held by the goroutine of a CloseContext
}

// floodSlot counts the records of one key in its current window.
type floodSlot struct {
	mu sync.Mutex
	floodState
}

// floodState is a slot's content, replaced as a whole by a new window.
type floodState struct {
	used       bool
	carryKey   bool // the summary carries KeyAttr=key
	hash       uint64
	level      slog.Level
	pc         uintptr
	msg        string
	key        string
	inner      slog.Handler // where the summary goes
	start      int64        // the window's start, Unix nanoseconds
	passed     int
	suppressed uint64
	first      time.Time
	last       time.Time
	lastID     string
}

// summary is a slot's suppressed records, taken out of the slot to be
// written without holding its lock.
type summary struct {
	t           *floodTable
	inner       slog.Handler
	level       slog.Level
	pc          uintptr
	msg         string
	key         string // KeyAttr's value, when the summary carries it
	n           uint64
	first, last time.Time
	lastID      string
}

// NewFloodHandler returns a handler that passes records to inner, collapsing
// repeated ones as [FloodHandler] describes. Call Close (or Flush) at
// shutdown so that the last summaries are written.
func NewFloodHandler(inner slog.Handler, opts FloodOptions) *FloodHandler {
	t := &floodTable{window: int64(opts.Window), burst: opts.Burst, keyAttr: opts.KeyAttr, closeTimeout: opts.CloseTimeout}
	if t.window <= 0 {
		t.window = int64(defaultFloodWindow)
	}
	if t.burst <= 0 {
		t.burst = defaultFloodBurst
	}
	if t.closeTimeout <= 0 {
		t.closeTimeout = defaultFloodClose
	}
	switch l := opts.Level.(type) {
	case nil:
		t.level = slog.LevelWarn
	case slog.Level:
		t.level = l // read once: no interface call per record
	default:
		t.leveler = l
	}
	return &FloodHandler{t: t, inner: inner}
}

// Suppressed returns the number of records suppressed so far; each is
// counted in a summary record, written or to be written, or else in
// [FloodHandler.Unreported].
func (h *FloodHandler) Suppressed() uint64 { return h.t.suppressed.Load() }

// Unreported returns the number of suppressed records whose summary the
// inner handler failed to write (it panicked or returned an error). The
// next summary written reports them.
func (h *FloodHandler) Unreported() uint64 { return h.t.unreported.Load() }

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
				h2.keyStr, h2.hasKey = keyString(a.Value), true
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
	if r.Level < h.t.minLevel() || h.t.closed.Load() || h.admit(ctx, &r) {
		return h.inner.Handle(ctx, r)
	}
	return nil
}

// minLevel returns the lowest level collapsed.
func (t *floodTable) minLevel() slog.Level {
	if t.leveler != nil {
		return t.leveler.Level()
	}
	return t.level
}

// admit counts r under its key and reports whether it passes. It takes r by
// pointer: a Record is some 300 bytes, and copying it was a large part of
// the cost.
func (h *FloodHandler) admit(ctx context.Context, r *slog.Record) bool {
	t := h.t
	var key string
	var carry bool
	if t.keyAttr != "" {
		key, carry = h.key(ctx, r)
	}
	// The hash only picks slots; the slot compares the whole key. A call
	// site (PC) mostly logs one message, so the message's length and ends
	// (strBits) suffice and cost a fraction of a full string hash.
	hash := uint64(r.PC)*0x9e3779b97f4a7c15 ^ strBits(r.Message) ^ uint64(int64(r.Level))*0xc2b2ae3d27d4eb4f
	if key != "" {
		hash ^= strBits(key) * 0xff51afd7ed558ccd
	}
	now := r.Time
	if now.IsZero() {
		now = time.Now()
	}
	ns := now.UnixNano()
	s, fresh := t.slot(hash, r, key, ns)
	if fresh {
		// A new window for this key: the summary of the slot's previous
		// window (this key's or another's) is written first.
		old := s.take(t)
		s.floodState = floodState{used: true, carryKey: carry, hash: hash, level: r.Level, pc: r.PC, msg: r.Message,
			key: key, inner: h.inner, start: ns, passed: 1}
		s.mu.Unlock()
		if old.n > 0 {
			old.write()
		}
		return true
	}
	if s.passed < t.burst {
		s.passed++
		s.mu.Unlock()
		return true
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
		t.flush(ns, true)
		return false
	}
	if !t.armed.Load() {
		t.arm()
	}
	return false
}

// floodProbes is how many consecutive slots a key may use, so that a few
// keys whose hashes collide still have a slot each.
const floodProbes = 4

// slot returns, locked, the slot counting r's key: with fresh false, the
// key's slot in its current window; with fresh true, a slot to start a new
// window in: the key's own once its window is over, else an unused or
// expired one, else (all taken) the first, whose key is evicted.
func (t *floodTable) slot(hash uint64, r *slog.Record, key string, now int64) (s *floodSlot, fresh bool) {
	base := (hash * 0x9e3779b97f4a7c15) >> (64 - floodBits)
	for i := range uint64(floodProbes) {
		s = &t.slots[(base+i)&(floodSlots-1)]
		s.mu.Lock()
		// A record timed before its window's start (logged concurrently,
		// timed a moment earlier) belongs to the window.
		expired := !s.used || now-s.start >= t.window
		if s.hash == hash && s.used && s.level == r.Level && s.pc == r.PC && s.msg == r.Message && s.key == key {
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

// key returns the (set) KeyAttr value of r, else of the logger, else of ctx,
// else "", and whether the summary must carry it: not when the logger's
// attributes, which the summary's handler already has, give that value.
func (h *FloodHandler) key(ctx context.Context, r *slog.Record) (key string, carry bool) {
	name := h.t.keyAttr
	var v slog.Value
	found := false
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == name {
			v, found = a.Value, true
		}
		return !found
	})
	if !found && h.hasKey {
		return h.keyStr, false
	}
	if !found {
		ca := attrsFrom(ctx)
		if ca == nil {
			return "", false
		}
		for _, a := range ca.attrs {
			if a.Key == name {
				v, found = a.Value, true
			}
		}
		if !found {
			return "", false
		}
	}
	key = keyString(v)
	return key, !h.hasKey || key != h.keyStr
}

// keyString formats a KeyAttr value; a string costs nothing.
func keyString(v slog.Value) string {
	if v.Kind() == slog.KindString {
		return v.String()
	}
	return v.Resolve().String()
}

// take returns the slot's summary and clears its count. The caller holds
// the slot's lock.
func (s *floodState) take(t *floodTable) summary {
	sum := summary{t: t, inner: s.inner, level: s.level, pc: s.pc, msg: s.msg, n: s.suppressed,
		first: s.first, last: s.last, lastID: s.lastID}
	if s.carryKey {
		sum.key = s.key
	}
	s.suppressed, s.lastID = 0, ""
	return sum
}

// write hands the summary record to its inner handler, with the count of
// earlier summaries it failed to write. When it fails again (an error or a
// panic, recovered: the timer's goroutine has no caller to give it to), the
// count is kept for the next summary.
func (sum summary) write() {
	owed := sum.t.owed.Swap(0)
	if err := sum.handle(owed); err != nil {
		sum.t.unreported.Add(sum.n)
		sum.t.owed.Add(owed + sum.n)
	}
}

// handle builds the summary record and passes it to the inner handler.
func (sum summary) handle(owed uint64) (err error) {
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
	if sum.key != "" {
		r.AddAttrs(slog.String(sum.t.keyAttr, sum.key))
	}
	if owed > 0 {
		r.AddAttrs(slog.Uint64(KeyUnreported, owed))
	}
	return sum.inner.Handle(context.Background(), r)
}

// errFloodSummaryPanic is what a summary's write returns when the inner
// handler panicked.
var errFloodSummaryPanic = errors.New("log: the inner handler panicked on a flood summary")

// arm schedules a sweep one window from now, unless one is scheduled.
func (t *floodTable) arm() {
	if !t.armed.CompareAndSwap(false, true) {
		return
	}
	t.timerMu.Lock()
	if !t.closed.Load() {
		t.sweeps.Add(1)
		t.timer = time.AfterFunc(time.Duration(t.window), t.sweep)
	}
	t.timerMu.Unlock()
}

// sweep writes the summaries of the windows that are over, and schedules
// another sweep while some window still has suppressed records. While the
// last sweep is still blocked in the inner handler, it only schedules the
// next: one stuck goroutine, not one more per window.
func (t *floodTable) sweep() {
	defer t.sweeps.Done()
	t.armed.Store(false)
	if !t.sweeping.CompareAndSwap(false, true) {
		t.arm()
		return
	}
	more := t.flush(time.Now().UnixNano(), false)
	t.sweeping.Store(false)
	if more {
		t.arm()
	}
}

// flush writes the summaries of the windows over at now (of every window
// with all) and reports whether suppressed records remain unsummarised.
func (t *floodTable) flush(now int64, all bool) (more bool) {
	for i := range t.slots {
		s := &t.slots[i]
		s.mu.Lock()
		if s.suppressed == 0 {
			s.mu.Unlock()
			continue
		}
		if !all && now-s.start < t.window {
			s.mu.Unlock()
			more = true
			continue
		}
		sum := s.take(t)
		s.used = false // the next record of the key starts a new window
		s.mu.Unlock()
		sum.write()
	}
	return more
}

// Flush writes a summary now for every key with suppressed records, and
// starts their next window.
func (h *FloodHandler) Flush() { h.t.flush(time.Now().UnixNano(), true) }

// Close is CloseContext with FloodOptions.CloseTimeout.
func (h *FloodHandler) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), h.t.closeTimeout)
	defer cancel()
	return h.CloseContext(ctx)
}

// ErrFloodCloseTimeout is returned (wrapped) by Close and CloseContext when
// the inner handler did not take the last summaries in time.
var ErrFloodCloseTimeout = errors.New("log: the inner handler did not take the flood summaries before the close deadline")

// CloseContext writes the pending summaries and stops suppressing: later
// records all pass. It stops the timer and waits until the summaries are
// written and no goroutine of the handler runs, or until ctx is done: then
// it returns an error wrapping [ErrFloodCloseTimeout] and ctx's error, and
// the goroutine still blocked in the inner handler exits when that returns.
// Calling it again waits again.
func (h *FloodHandler) CloseContext(ctx context.Context) error {
	t := h.t
	t.closed.Store(true)
	t.timerMu.Lock()
	if t.timer != nil && t.timer.Stop() {
		t.sweeps.Done() // the sweep will not run
	}
	t.timerMu.Unlock()
	done := make(chan struct{})
	go func() {
		defer close(done)
		// One close at a time: a Close called again waits for the
		// summaries that an earlier one, timed out, is still writing.
		t.closeMu.Lock()
		defer t.closeMu.Unlock()
		// A sweep blocked in the inner handler holds no slot: flush the
		// others meanwhile.
		t.flush(time.Now().UnixNano(), true)
		t.sweeps.Wait()
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("attempted to write the pending flood summaries: %w (%w); remedy: check the inner handler and its sink, or raise FloodOptions.CloseTimeout",
			ErrFloodCloseTimeout, ctx.Err())
	}
}
