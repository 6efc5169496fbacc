package alert_test

import (
	"log/slog"
	"time"
)

// Polls for what happens on the Notifier's goroutines: up to waitFor, every
// tick.
const (
	waitFor = 5 * time.Second
	tick    = 2 * time.Millisecond
)

// quiet discards the records of the servers and breakers under test.
var quiet = slog.New(slog.DiscardHandler)

// attrs maps fields by key, resolved as slog and the sinks resolve them.
func attrs(fields []slog.Attr) map[string]any {
	m := make(map[string]any, len(fields))
	for _, a := range fields {
		m[a.Key] = a.Value.Resolve().Any()
	}
	return m
}
