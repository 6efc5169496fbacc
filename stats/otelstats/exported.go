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

// histogramSeries are the suffixes of the series a Prometheus exporter
// writes for a histogram, each a name no other instrument may take: the
// Prometheus client refuses a scrape where a gauge x_seconds_count sits
// beside the histogram x_seconds.
var histogramSeries = []string{"", "_count", "_sum", "_bucket"}

// claim reserves key's exported names (its name, and a histogram's series
// names) for key, reporting false when another instrument (or a reserved
// name) holds one of them: the first to come keeps its names.
func (e *Emitter) claim(key instKey) bool {
	n := exportedName(key)
	names := []string{n}
	if key.kind == kindTiming {
		names = names[:0]
		for _, suffix := range histogramSeries {
			names = append(names, n+suffix)
		}
	}
	e.instMu.Lock()
	defer e.instMu.Unlock()
	for _, name := range names {
		if held, ok := e.exported[name]; ok && held != key {
			return false
		}
	}
	for _, name := range names {
		e.exported[name] = key
	}
	return true
}
