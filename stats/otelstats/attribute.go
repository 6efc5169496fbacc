package otelstats

import (
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"

	"github.com/vitals-go/vitals/stats"
)

// exporterLabels are the label names Prometheus' exporters write
// themselves; a tag key among them gets "exported_" in front, as
// Prometheus does for a target's label that clashes with its own, since a
// duplicate label name makes the exporter refuse the whole scrape.
var exporterLabels = map[string]bool{
	"le": true, "quantile": true, // histogram and summary buckets
	"otel_scope_name": true, "otel_scope_version": true, "otel_scope_schema_url": true,
}

// attributesOf returns tags as an attribute set of string attributes, the
// last value of a key winning, each key through attributeKey and each value
// through attributeValue. It runs once per series, never per call.
func attributesOf(tags []stats.Tag) attribute.Set {
	kvs := make([]attribute.KeyValue, len(tags))
	for i, t := range tags {
		kvs[i] = attribute.String(attributeKey(t.Key), attributeValue(t.Value))
	}
	return attribute.NewSet(kvs...)
}

// attributeKey maps a tag key to a key every exporter takes (a Prometheus
// exporter refuses the whole scrape over one bad label name): each rune
// other than A-Z, a-z, 0-9, '_' and '.' becomes '_'; a key with no letter
// or digit, or starting "__" (reserved by Prometheus), gets "key" in front;
// a key the exporter would write as its own label name (le, quantile,
// otel_scope_*, spelled with any runs of '.' and '_') gets "exported_" in
// front.
func attributeKey(k string) string {
	var b strings.Builder
	alnum := false
	for _, r := range k {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
			alnum = true
			b.WriteRune(r)
		case r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	out := b.String()
	switch {
	case !alnum || strings.HasPrefix(out, "__"):
		return "key" + out
	case exporterLabels[asExported(out)]:
		return "exported_" + out
	}
	return out
}

// asExported returns k as a Prometheus exporter writes a label name:
// each run of '.' and '_' one '_', so that otel.scope.name and
// otel__scope__name are the exporter's otel_scope_name.
func asExported(k string) string {
	b := make([]byte, 0, len(k))
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c == '.' {
			c = '_'
		}
		if c == '_' && len(b) > 0 && b[len(b)-1] == '_' {
			continue
		}
		b = append(b, c)
	}
	return string(b)
}

// attributeValue maps a tag value to one every exporter takes and every
// dashboard shows as it reads: a byte of invalid UTF-8 becomes U+FFFD;
// control characters (C0, DEL, C1) and the bidirectional controls
// U+202A-U+202E and U+2066-U+2069, which would reorder a legend, become
// '_'; an empty value is "_", as the statsd emitter writes it (Prometheus
// reads an empty label as no label, which would merge the series with the
// untagged one).
func attributeValue(v string) string {
	if v == "" {
		return "_"
	}
	if utf8.ValidString(v) && strings.IndexFunc(v, hidden) < 0 {
		return v
	}
	return strings.Map(func(r rune) rune {
		if hidden(r) {
			return '_'
		}
		return r
	}, strings.ToValidUTF8(v, "\uFFFD"))
}

// hidden reports whether r is a control or bidirectional control character.
func hidden(r rune) bool {
	return r < 0x20 || (0x7f <= r && r <= 0x9f) || (0x202a <= r && r <= 0x202e) || (0x2066 <= r && r <= 0x2069)
}
