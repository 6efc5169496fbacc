package log

import "log/slog"

// keySet is a small set of top-level attribute keys with a mask of bits
// derived from them (see keyBit), so that "is any of these keys in the record?" is usually answered
// by one AND.
type keySet struct {
	mask uint64
	keys []string
}

// maskOf returns the mask bits of a's top-level keys; an attribute
// with an empty key and a group value contributes its members' keys, as
// handlers inline it.
func maskOf(a slog.Attr) uint64 {
	if a.Key == "" && a.Value.Kind() == slog.KindGroup {
		var m uint64
		for _, g := range a.Value.Group() {
			m |= maskOf(g)
		}
		return m
	}
	return keyBit(a.Key)
}

// keyBit returns the mask bit of key, from its length and its first and last
// bytes.
func keyBit(key string) uint64 {
	if key == "" {
		return 0
	}
	return 1 << ((uint(len(key)) + 3*uint(key[0]) + 5*uint(key[len(key)-1])) & 63)
}

// add returns s with a's top-level keys added. It does not modify s.
func (s keySet) add(a slog.Attr) keySet {
	if a.Key == "" && a.Value.Kind() == slog.KindGroup {
		for _, g := range a.Value.Group() {
			s = s.add(g)
		}
		return s
	}
	if a.Key == "" {
		return s
	}
	return keySet{mask: s.mask | maskOf(a), keys: append(s.keys[:len(s.keys):len(s.keys)], a.Key)}
}

// with returns s with the keys of attrs added.
func (s keySet) with(attrs []slog.Attr) keySet {
	for _, a := range attrs {
		s = s.add(a)
	}
	return s
}

// has reports whether key is in s.
func (s keySet) has(key string) bool {
	if s.mask&keyBit(key) == 0 {
		return false
	}
	for _, k := range s.keys {
		if k == key {
			return true
		}
	}
	return false
}
