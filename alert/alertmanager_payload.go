package alert

import (
	"log/slog"
	"slices"
	"strconv"
	"time"
)

// amAlert is one alert of Alertmanager's v2 API (postableAlert).
type amAlert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	StartsAt     time.Time         `json:"startsAt,omitzero"`
	EndsAt       time.Time         `json:"endsAt,omitzero"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
}

// toAlert maps ev to its Alertmanager alert, as Alertmanager's doc comment
// says. Empty values are left out: Alertmanager treats an empty label as
// an absent one.
func (a *Alertmanager) toAlert(ev Event, now time.Time) amAlert {
	al := amAlert{
		Labels:       make(map[string]string, 4+len(a.cfg.LabelFields)),
		Annotations:  make(map[string]string, 8+len(ev.Fields)),
		StartsAt:     ev.FirstSeen,
		GeneratorURL: a.cfg.GeneratorURL,
	}
	if al.StartsAt.IsZero() {
		al.StartsAt = now
	}
	switch {
	case ev.Status == Resolved:
		al.EndsAt = now
	case ev.Ongoing:
		al.EndsAt = now.Add(4 * a.cfg.Refresh)
	default:
		last := ev.LastSeen
		if last.IsZero() {
			last = now
		}
		al.EndsAt = last.Add(a.cfg.Hold)
	}
	put := func(m map[string]string, k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	put(al.Labels, "alertname", or(a.cfg.AlertName, ev.Summary))
	put(al.Labels, "service", ev.Process.Service)
	put(al.Labels, "severity", ev.Severity.String())
	// Alertmanager needs a stable key to resolve by.
	put(al.Labels, "fingerprint", or(ev.Fingerprint, ev.Severity.String()+":"+ev.Summary))
	put(al.Annotations, "summary", ev.Summary)
	put(al.Annotations, "remedy", ev.Remedy)
	if ev.Err != nil {
		put(al.Annotations, "error", ev.Err.Error())
	}
	put(al.Annotations, "request_id", ev.RequestID)
	put(al.Annotations, "trace_id", ev.TraceID)
	put(al.Annotations, "span_id", ev.SpanID)
	if ev.Occurrence > 0 {
		put(al.Annotations, "occurrence", strconv.FormatInt(ev.Occurrence, 10))
	}
	if ev.Suppressed > 0 {
		put(al.Annotations, "suppressed", strconv.FormatInt(ev.Suppressed, 10))
	}
	if !ev.FirstSeen.IsZero() {
		put(al.Annotations, "first_seen", ev.FirstSeen.UTC().Format(time.RFC3339))
	}
	for _, f := range ev.Fields {
		dst := al.Annotations
		if slices.Contains(a.cfg.LabelFields, f.Key) {
			dst = al.Labels
		}
		if name := labelName(f.Key); name != "" {
			if _, taken := dst[name]; !taken { // the fixed keys above win
				put(dst, name, fieldValue(f))
			}
		}
	}
	return al
}

// fieldValue is the text of a field's value.
func fieldValue(f slog.Attr) string { return f.Value.Resolve().String() }

// labelName makes key a valid Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)
// by replacing every other byte with '_'; "" stays "".
func labelName(key string) string {
	b := []byte(key)
	for i, c := range b {
		ok := c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9'
		if !ok {
			b[i] = '_'
		}
	}
	return string(b)
}
