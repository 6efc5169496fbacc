package otelstats

import (
	"fmt"
	"hash/fnv"

	"github.com/vitals-go/vitals/stats"
)

// maxName is the longest instrument name OTel accepts.
const maxName = 255

// otelName maps a vitals name to its instrument name: Config.Prefix and
// name joined by a dot and passed through [stats.Sanitize], so a series has
// the same name on statsd and OTel (lower case, dots kept, no unit in it).
// OTel names start with a letter: a name that does not gets "m_" in front.
// A name past 255 bytes, the OTel bound, is cut and ends with '_' and 16
// hex digits of a hash of the whole, so that names differing only past the
// cut stay apart.
func (e *Emitter) otelName(name string) string {
	if e.prefix != "" {
		name = e.prefix + "." + name
	}
	n := stats.Sanitize(name)
	if c := n[0]; c < 'a' || c > 'z' {
		n = "m_" + n
	}
	if len(n) > maxName {
		h := fnv.New64a()
		_, _ = h.Write([]byte(n))
		n = fmt.Sprintf("%s_%016x", n[:maxName-17], h.Sum64())
	}
	return n
}
