package log

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"sync"
)

// NewJSONHandler is a drop-in for slog.NewJSONHandler: it writes the same
// bytes for every record, at about half the cost, without allocating for
// values of slog's own kinds (values of Kind Any go through encoding/json,
// as in slog). That is one JSON object per line: "time" (left out when the
// record's time is zero), "level", "source" (with opts.AddSource, when the
// record's PC is known), "msg", then the attributes, as slog documents for
// its JSONHandler: an error as its Error string, a value encoding/json
// refuses as the string "!ERROR:" and the reason, HTML characters not
// escaped, invalid UTF-8 as \ufffd. The attributes of WithAttrs are
// encoded once, and so is the source of each call site (for up to 1024 of
// them), which slog looks up for every record. Where slog's output is odd,
// so is this one's: after a group whose attributes are all empty (the zero
// Attr) the next attribute has no comma before it, and a time outside
// years 0 to 9999 is written as an error string directly followed by the
// time string.
//
// opts means what it means to slog: nil for the defaults; Level nil for
// slog.LevelInfo, else read at every Enabled call, so that a
// *slog.LevelVar changes the level live. With opts.ReplaceAttr set,
// NewJSONHandler returns slog.NewJSONHandler(w, opts) itself, so that
// ReplaceAttr sees every attribute exactly as slog documents.
//
// Each record is one w.Write call, made under a mutex shared by every
// handler derived from this one (WithAttrs, WithGroup), so w needs no
// locking of its own; Handle returns the error of w.Write. As with slog, a
// nil w panics at the first record.
//
// The output differs from slog's in one place: when a LogValuer's LogValue
// panics, slog writes the panic with five frames of the stack, and past
// the LogValue frame they name this package's functions, where slog names
// its own.
func NewJSONHandler(w io.Writer, opts *slog.HandlerOptions) slog.Handler {
	if opts == nil {
		opts = &slog.HandlerOptions{}
	}
	if opts.ReplaceAttr != nil {
		return slog.NewJSONHandler(w, opts)
	}
	var level slog.Leveler = slog.LevelInfo
	if opts.Level != nil {
		level = opts.Level
	}
	return &jsonHandler{w: w, mu: new(sync.Mutex), level: level, addSource: opts.AddSource}
}

// jsonHandler is the slog.Handler returned by NewJSONHandler. Its fields
// are those of slog's commonHandler that JSON without ReplaceAttr needs,
// with the same meaning, so that the two write the same bytes.
type jsonHandler struct {
	w         io.Writer
	mu        *sync.Mutex // shared by every handler derived from one NewJSONHandler
	level     slog.Leveler
	addSource bool

	// pre holds the attributes of WithAttrs, encoded, after the groups
	// open at the time; nOpen counts the groups it opens.
	pre    []byte
	groups []string // WithGroup's names, outermost first
	nOpen  int
}

// Enabled reports whether l is at least the handler's level.
func (h *jsonHandler) Enabled(_ context.Context, l slog.Level) bool {
	return l >= h.level.Level()
}

// WithAttrs returns a handler that writes as, encoded now, in every record,
// inside the groups opened so far. Empty groups are left out; when as holds
// only those, it returns h.
func (h *jsonHandler) WithAttrs(as []slog.Attr) slog.Handler {
	if countEmptyGroups(as) == len(as) {
		return h
	}
	h2 := h.clone()
	e := encoder{buf: h2.pre, comma: len(h2.pre) > 0 && h2.pre[len(h2.pre)-1] != '{'}
	pos := len(e.buf)
	for _, g := range h2.groups[h2.nOpen:] {
		e.openGroup(g)
	}
	if e.attrs(as) {
		h2.nOpen = len(h2.groups)
	} else {
		e.buf = e.buf[:pos]
	}
	h2.pre = e.buf
	return h2
}

// WithGroup returns a handler that writes the attributes added later, and
// the record's, inside the group name. Like slog's JSONHandler, and unlike
// slog.Logger.WithGroup, it opens a group for an empty name too.
func (h *jsonHandler) WithGroup(name string) slog.Handler {
	h2 := h.clone()
	h2.groups = append(h2.groups, name)
	return h2
}

// clone returns a copy of h whose slices a later append cannot share.
func (h *jsonHandler) clone() *jsonHandler {
	h2 := *h
	h2.pre = slices.Clip(h.pre)
	h2.groups = slices.Clip(h.groups)
	return &h2
}

// Handle writes r as one line of JSON with one call to w.Write.
func (h *jsonHandler) Handle(_ context.Context, r slog.Record) error {
	bp := buffers.Get().(*[]byte)
	e := encoder{buf: append((*bp)[:0], '{')}
	if !r.Time.IsZero() {
		e.literalKey(`"` + slog.TimeKey + `":`)
		e.appendJSONTime(r.Time)
	}
	e.literalKey(`"` + slog.LevelKey + `":`)
	e.appendLevel(r.Level)
	if h.addSource {
		e.appendSource(r)
	}
	e.literalKey(`"` + slog.MessageKey + `":`)
	e.buf = appendJSONString(e.buf, r.Message)
	h.appendAttrs(&e, r)
	e.buf = append(e.buf, '\n')

	err := h.write(e.buf)
	*bp = e.buf
	freeBuffer(bp)
	return err
}

// appendAttrs appends the attributes of WithAttrs, then r's inside the
// groups not yet opened, and closes every group and the object. As in
// slog, the groups stay closed when r has no attribute that writes
// anything.
func (h *jsonHandler) appendAttrs(e *encoder, r slog.Record) {
	if len(h.pre) > 0 {
		e.buf = append(e.buf, ',') // "msg" came before
		e.buf = append(e.buf, h.pre...)
		e.comma = h.pre[len(h.pre)-1] != '{'
	}
	nOpen := h.nOpen
	if r.NumAttrs() > 0 {
		pos := len(e.buf)
		for _, g := range h.groups[h.nOpen:] {
			e.openGroup(g)
		}
		wrote := false
		r.Attrs(func(a slog.Attr) bool {
			if e.attr(a) {
				wrote = true
			}
			return true
		})
		if wrote {
			nOpen = len(h.groups)
		} else {
			e.buf = e.buf[:pos]
		}
	}
	for range nOpen {
		e.buf = append(e.buf, '}')
	}
	e.buf = append(e.buf, '}')
}

// write writes b with the lock held; deferred, the unlock survives a
// panicking w.
func (h *jsonHandler) write(b []byte) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := h.w.Write(b)
	return err
}

// countEmptyGroups returns the number of groups without attributes in as,
// before resolution, as slog counts them.
func countEmptyGroups(as []slog.Attr) int {
	n := 0
	for _, a := range as {
		if a.Value.Kind() == slog.KindGroup && len(a.Value.Group()) == 0 {
			n++
		}
	}
	return n
}
