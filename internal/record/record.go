package record

import (
	"context"
	"log/slog"
	"time"

	"github.com/vitals-go/vitals/reqid"
)

// Truncate cuts s to at most n bytes (n >= 3), marking the cut with "...".
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}

// RejectedIDKey is the key of [RejectedID].
const RejectedIDKey = "request_id_rejected"

// RejectedID describes an inbound request ID that was replaced, bounded and
// escaped by reqid.Describe: never the raw value.
func RejectedID(v string) slog.Attr {
	return slog.String(RejectedIDKey, reqid.Describe(v))
}

// Emit hands one record to h directly, without the caller's program counter
// that Logger.LogAttrs captures with a stack walk per record: it would point
// into the middleware, not at anything the reader wants.
func Emit(ctx context.Context, h slog.Handler, t time.Time, level slog.Level, msg string, attrs []slog.Attr) {
	rec := slog.NewRecord(t, level, msg, 0)
	rec.AddAttrs(attrs...)
	_ = h.Handle(ctx, rec)
}
