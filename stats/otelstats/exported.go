package otelstats

import "strings"

// kindReserved marks a name in Emitter.exported that no caller's
// instrument may take: one a Prometheus exporter or the Emitter itself
// writes.
const kindReserved kind = 255

// reservedNames are the exported names taken before any caller's: the
// exporter's resource metric and the Emitter's own vitals.stats.dropped.
var reservedNames = []string{"target_info", "vitals_stats_dropped_total"}

// exportedName is the name a Prometheus exporter writes the instrument of
// key under: every run of characters other than a-z and 0-9 one '_' (the
// exporter writes '.' and '-' as '_' and squeezes repeats), then "_total"
// for a counter and "_seconds" for a timing, unless the name ends so
// already. Two instruments under one exported name make the exporter
// refuse the whole scrape.
func exportedName(key instKey) string {
	parts := strings.FieldsFunc(key.name, func(r rune) bool { return (r < 'a' || r > 'z') && (r < '0' || r > '9') })
	n := strings.Join(parts, "_")
	suffix := ""
	switch key.kind {
	case kindCount, kindCounterHandle:
		suffix = "_total"
	case kindTiming:
		suffix = "_seconds"
	}
	if !strings.HasSuffix(n, suffix) {
		n += suffix
	}
	return n
}

// claim reserves key's exported name for key, reporting false when another
// instrument (or a reserved name) holds it: the first to come keeps it.
func (e *Emitter) claim(key instKey) bool {
	n := exportedName(key)
	e.instMu.Lock()
	defer e.instMu.Unlock()
	if held, ok := e.exported[n]; ok {
		return held == key
	}
	e.exported[n] = key
	return true
}
