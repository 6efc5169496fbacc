package log

import "log/slog"

// keySet is a set of top-level keys, such as those that a handler's own
// attributes (Logger.With before any group) use; the context fields leave
// them out.
type keySet struct{ keys []string }

// with returns s plus the top-level keys of attrs. An attribute with an
// empty key and a group value contributes its members' keys, as handlers
// inline it. It does not modify s.
func (s keySet) with(attrs []slog.Attr) keySet {
	for _, a := range attrs {
		switch {
		case a.Key != "":
			s.keys = append(s.keys[:len(s.keys):len(s.keys)], a.Key)
		case a.Value.Kind() == slog.KindGroup:
			s = s.with(a.Value.Group())
		}
	}
	return s
}

// has reports whether key is in s.
func (s keySet) has(key string) bool {
	for _, k := range s.keys {
		if k == key {
			return true
		}
	}
	return false
}

// KeyProcessMoved is where a record's, a logger's or a context's own
// attribute named "process" goes when the handler adds the process
// identity, so that the identity is never overwritten and no line carries
// the key twice. The "!" marks a key that could not be used as given, as
// slog's "!BADKEY" does.
const KeyProcessMoved = "!" + KeyProcess

// needsFix reports whether a must be rewritten by fixAttr before it reaches
// the top level of a line: an empty-keyed LogValuer (which may resolve to an
// inline group of any keys), or, when process is reserved, the key
// "process" directly or in an inline group.
func needsFix(a slog.Attr, process bool) bool {
	if a.Key == "" && a.Value.Kind() == slog.KindLogValuer {
		return true
	}
	return process && setsKey(a, KeyProcess)
}

// fixAttr returns a, to be written at the top level, with an empty-keyed
// LogValuer resolved and, when process is reserved, the key "process" (also
// inside inline groups) renamed KeyProcessMoved.
func fixAttr(a slog.Attr, process bool) slog.Attr {
	if a.Key != "" {
		if process && a.Key == KeyProcess {
			a.Key = KeyProcessMoved
		}
		return a
	}
	a.Value = a.Value.Resolve()
	if a.Value.Kind() == slog.KindGroup {
		a.Value = slog.GroupValue(fixAttrs(a.Value.Group(), process)...)
	}
	return a
}

// fixAttrs returns attrs, or a copy with fixAttr applied when one of them
// needsFix.
func fixAttrs(attrs []slog.Attr, process bool) []slog.Attr {
	for i, a := range attrs {
		if needsFix(a, process) {
			out := append([]slog.Attr(nil), attrs...)
			for j := i; j < len(out); j++ {
				out[j] = fixAttr(out[j], process)
			}
			return out
		}
	}
	return attrs
}
