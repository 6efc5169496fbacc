package log

import (
	"log/slog"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode/utf8"
)

// KeyProcessMoved is where a record's, a logger's or a context's own
// attribute named "process" goes when the handler adds the process
// identity: the key is taken, so the rule of [NewHandler] renames it. The
// "!" marks a key that could not be used as given, as slog's "!BADKEY"
// does.
const KeyProcessMoved = "!" + KeyProcess

// taken is the value of the reserved keys in a claimed list: the line
// writes them itself (time, level, msg, ...), so no attribute equals them.
var taken = slog.GroupValue()

// reservedKeys returns the keys that inner writes on every line before any
// attribute, as attributes holding taken.
func reservedKeys(process, source bool) []slog.Attr {
	keys := []string{slog.TimeKey, slog.LevelKey, slog.MessageKey}
	if source {
		keys = append(keys, slog.SourceKey)
	}
	if process {
		keys = append(keys, KeyProcess)
	}
	attrs := make([]slog.Attr, len(keys))
	for i, k := range keys {
		attrs[i] = slog.Attr{Key: k, Value: taken}
	}
	return attrs
}

// object applies the one rule that keeps a JSON object free of repeated
// keys: attributes claim their keys in the order they are added, after
// those already claimed (prior); a later attribute whose key is claimed is
// left out when its value is the same simple value (nothing is lost), and
// is otherwise renamed "!"+key, or, when that is claimed too, "!"+key+"#"+N,
// N the first free number from its position in the object.
// The members of an inline group (an empty key) are at the level of the
// group, as handlers write them; a group's own members follow the rule
// inside the group.
//
// The attributes added so far are passed in and returned, as append's
// are, so that they may live in the caller's stack.
type object struct {
	prior   [2][]slog.Attr // claimed before
	changed bool           // what add returned writes other than what was added

	// lazy keeps a LogValuer with a key unresolved (the context's, which
	// are resolved at every record); others are resolved, to see their
	// keys.
	lazy bool

	// index has every claimed key once the object is past indexFrom
	// attributes, so that the rule costs O(n), not O(n²), on a huge one.
	index map[string]slog.Value
}

// indexFrom is the size from which an object's keys are looked up in a
// map rather than by a scan.
const indexFrom = 32

// add appends attrs to out, the attributes added so far, inline groups
// flattened, and returns it.
func (o *object) add(out, attrs []slog.Attr) []slog.Attr {
	for _, a := range attrs {
		if a.Value.Kind() == slog.KindLogValuer && (a.Key == "" || !o.lazy) {
			a.Value = a.Value.Resolve()
			o.changed = true
		}
		if a.Value.Kind() == slog.KindGroup {
			g := a.Value.Group()
			if a.Key == "" {
				out = o.add(out, g)
				continue
			}
			if len(g) == 0 {
				continue // an empty group writes nothing, as in slog
			}
			// The exact pass over the members allocates: run it only
			// when the cheap one says they may repeat a key.
			var bits uint64
			if mayRepeat(&bits, a) {
				var inner object
				members := inner.add(make([]slog.Attr, 0, len(g)), g)
				if len(members) == 0 {
					continue
				}
				if inner.changed {
					// A copy, so that out, which shares add's escape
					// analysis with members, may stay on the caller's
					// stack.
					a.Value = slog.GroupValue(slices.Clone(members)...)
					o.changed = true
				}
			}
		} else if a.Key == "" && a.Value.Kind() == slog.KindAny && a.Value.Any() == nil {
			continue // the empty Attr, which handlers ignore
		}
		out = o.claim(out, a)
	}
	return out
}

// claim appends a to out, renamed or left out when its key is claimed.
// The first new name tried is "!"+key; the next ones carry the position
// in out, which no other renamed attribute of the object has, so that a
// key repeated n times costs n tries, not n².
func (o *object) claim(out []slog.Attr, a slog.Attr) []slog.Attr {
	v, ok := o.lookup(out, a.Key)
	if ok {
		o.changed = true
		if sameValue(v, a.Value) {
			return out
		}
		key := bang(a.Key)
		for n := len(out); ; n++ {
			if _, ok := o.lookup(out, key); !ok {
				break
			}
			key = "!" + a.Key + "#" + strconv.Itoa(n)
		}
		a.Key = key
	}
	if o.index != nil {
		o.index[writtenKey(a.Key)] = a.Value
	}
	return append(out, a)
}

// lookup returns the value claimed under key, before or in out.
func (o *object) lookup(out []slog.Attr, key string) (slog.Value, bool) {
	if o.index == nil && len(o.prior[0])+len(o.prior[1])+len(out) > indexFrom {
		o.index = make(map[string]slog.Value)
		for _, claimed := range [3][]slog.Attr{o.prior[0], o.prior[1], out} {
			for _, c := range claimed {
				o.index[writtenKey(c.Key)] = c.Value
			}
		}
	}
	if o.index != nil {
		v, ok := o.index[writtenKey(key)]
		return v, ok
	}
	for _, claimed := range [3][]slog.Attr{o.prior[0], o.prior[1], out} {
		for _, c := range claimed {
			if sameKey(c.Key, key) {
				return c.Value, true
			}
		}
	}
	return slog.Value{}, false
}

// bangs remembers recent renamed keys, so that a key renamed in every
// record (an outbound call's "method" beside the request's) costs no
// allocation after the first: a direct-mapped table, where a collision
// only costs a concatenation.
var bangs [64]atomic.Pointer[[2]string]

// bang returns "!"+key.
func bang(key string) string {
	slot := &bangs[(strBits(key)*0x9e3779b97f4a7c15)>>58]
	if p := slot.Load(); p != nil && p[0] == key {
		return p[1]
	}
	p := &[2]string{key, "!" + key}
	slot.Store(p)
	return p[1]
}

// sameValue reports whether a and b are the same simple value, written
// the same way: groups, LogValuers and values of any other type are never
// the same (they may not even be comparable), floats are compared bit
// for bit (-0 is written apart from 0), and times by instant and offset.
func sameValue(a, b slog.Value) bool {
	if a.Kind() != b.Kind() {
		return false
	}
	switch a.Kind() {
	case slog.KindAny, slog.KindGroup, slog.KindLogValuer:
		return false
	case slog.KindFloat64:
		return math.Float64bits(a.Float64()) == math.Float64bits(b.Float64())
	case slog.KindTime:
		// Equal instants in two zones are written apart.
		_, oa := a.Time().Zone()
		_, ob := b.Time().Zone()
		return a.Time().Equal(b.Time()) && oa == ob
	}
	return a.Equal(b)
}

// sameKey reports whether a and b are written as the same JSON key: the
// same string, or the same runes once each byte of invalid UTF-8 is read
// as U+FFFD, as the JSON handlers write it.
func sameKey(a, b string) bool {
	if a == b {
		return true
	}
	if isASCII(a) || isASCII(b) {
		return false
	}
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			return false
		}
		a, b = a[na:], b[nb:]
	}
	return a == b
}

// writtenKey returns key as the JSON handlers write it, up to escaping:
// each byte of invalid UTF-8 is U+FFFD.
func writtenKey(key string) string {
	if isASCII(key) || utf8.ValidString(key) {
		return key
	}
	return strings.Map(func(r rune) rune { return r }, key)
}
