package otelstats

import "github.com/vitals-go/vitals/stats"

// maxName is the longest instrument name OTel accepts.
const maxName = 255

// otelName maps a vitals name to its instrument name: Config.Prefix and
// name joined by a dot and passed through [stats.Sanitize], so a series has
// the same name on statsd and OTel (lower case, dots kept, no unit in it).
// OTel names start with a letter: a name that does not gets "m_" in front.
// It is cut to 255 bytes, the OTel bound.
func (e *Emitter) otelName(name string) string {
	if e.prefix != "" {
		name = e.prefix + "." + name
	}
	n := stats.Sanitize(name)
	if c := n[0]; c < 'a' || c > 'z' {
		n = "m_" + n
	}
	if len(n) > maxName {
		n = n[:maxName]
	}
	return n
}
