package stats

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// statsdMetric is one line as the statsd daemon (npm statsd 0.10) reads it.
type statsdMetric struct {
	key    string  // the name, with Graphite tags if any
	value  float64 // the number; 0 for a set
	member string  // a set's member
	typ    string  // "c", "ms", "g" or "s"
	delta  bool    // a gauge written with a sign: a change, not a value
	rate   float64 // the sample rate, 1 without "|@"
	tags   string  // DogStatsD tags after "|#", without it
}

// strictNumber is a decimal number, with an exponent or not: what both the
// daemon's Number() and Graphite read the same way. No "0x", "Infinity",
// spaces or empty strings, which Number() would also take.
var strictNumber = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$`)

// parseStatsd parses one line the way the statsd daemon does, refusing
// what it drops (is_valid_packet in its lib/helpers.js) and, more strictly,
// what it would read otherwise than meant: a second ':' (the daemon reads
// another value for the same key), a field beyond the rate, a number in a
// form only JavaScript reads, a negative timing. With dogStatsD, a last
// "|#k:v,..." field holds tags (whose ':' the daemon would misread).
func parseStatsd(line string, dogStatsD bool) (statsdMetric, error) {
	m := statsdMetric{rate: 1}
	if strings.ContainsAny(line, "\n\r") {
		return m, fmt.Errorf("line %q: a line break", line)
	}
	key, rest, ok := strings.Cut(line, ":")
	if !ok || key == "" {
		return m, fmt.Errorf("line %q: no key before ':'", line)
	}
	m.key = key
	fields := strings.Split(rest, "|")
	if dogStatsD && len(fields) > 2 && strings.HasPrefix(fields[len(fields)-1], "#") {
		m.tags = fields[len(fields)-1][1:]
		fields = fields[:len(fields)-1]
		if m.tags == "" {
			return m, fmt.Errorf("line %q: empty tags", line)
		}
		rest = strings.Join(fields, "|")
	}
	if strings.Contains(rest, ":") {
		return m, fmt.Errorf("line %q: a second ':' is a second value", line)
	}
	if len(fields) < 2 || len(fields) > 3 {
		return m, fmt.Errorf("line %q: want value|type[|@rate]", line)
	}
	if len(fields) == 3 {
		r, ok := strings.CutPrefix(fields[2], "@")
		v, err := strconv.ParseFloat(r, 64)
		if !ok || !strictNumber.MatchString(r) || err != nil || !(v > 0 && v <= 1) {
			return m, fmt.Errorf("line %q: bad sample rate %q", line, fields[2])
		}
		m.rate = v
	}
	m.typ = fields[1]
	if m.typ == "s" {
		if fields[0] == "" {
			return m, fmt.Errorf("line %q: empty set member (the daemon reads \"0\")", line)
		}
		m.member = fields[0]
		return m, nil
	}
	if m.typ != "c" && m.typ != "ms" && m.typ != "g" {
		return m, fmt.Errorf("line %q: unknown type %q", line, m.typ)
	}
	v, err := strconv.ParseFloat(fields[0], 64)
	if !strictNumber.MatchString(fields[0]) || err != nil {
		return m, fmt.Errorf("line %q: bad number %q", line, fields[0])
	}
	m.value = v
	switch {
	case m.typ == "ms" && fields[0][0] == '-':
		return m, fmt.Errorf("line %q: a negative timing, which the daemon drops", line)
	case m.typ == "g" && m.rate != 1:
		return m, fmt.Errorf("line %q: a sampled gauge", line)
	case m.typ == "g":
		m.delta = fields[0][0] == '+' || fields[0][0] == '-'
	}
	return m, nil
}

// statsdState is what the daemon holds after reading lines: counters,
// timers, gauges and sets by key.
type statsdState struct {
	counters map[string]float64
	timers   map[string][]float64
	gauges   map[string]float64
	sets     map[string]map[string]bool
}

func newStatsdState() *statsdState {
	return &statsdState{counters: map[string]float64{}, timers: map[string][]float64{},
		gauges: map[string]float64{}, sets: map[string]map[string]bool{}}
}

// apply reads one metric as the daemon does (stats.js): a gauge with a sign
// changes the gauge it has, any other gauge replaces it.
func (st *statsdState) apply(m statsdMetric) {
	switch m.typ {
	case "c":
		st.counters[m.key] += m.value / m.rate
	case "ms":
		st.timers[m.key] = append(st.timers[m.key], m.value)
	case "g":
		if m.delta {
			st.gauges[m.key] += m.value
		} else {
			st.gauges[m.key] = m.value
		}
	case "s":
		if st.sets[m.key] == nil {
			st.sets[m.key] = map[string]bool{}
		}
		st.sets[m.key][m.member] = true
	}
}
