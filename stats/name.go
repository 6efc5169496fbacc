package stats

import "strings"

// Name joins parts with dots into one Graphite-safe name; see [Sanitize].
func Name(parts ...string) string {
	return Sanitize(strings.Join(parts, "."))
}

// Sanitize returns name as a Graphite-safe name: lower-case, dot-separated
// segments of [a-z0-9_-]; any other byte becomes '_' and empty segments are
// removed.
func Sanitize(name string) string {
	return strings.ToLower(name)
}
