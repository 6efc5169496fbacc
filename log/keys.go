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
