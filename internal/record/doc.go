// Package record holds what the access records of package middleware and
// of its gRPC counterpart share: fields cut to a bound whatever a client
// sends and escaped when they hold control, C1 or bidi characters (Safe),
// the description of a rejected inbound request ID, and the emission
// of a record straight to an slog.Handler.
//
// The smallest complete use:
//
//	attrs := []slog.Attr{slog.String("path", record.Safe(r.URL.Path, 1024))}
//	if rejected != "" {
//		attrs = append(attrs, record.RejectedID(rejected))
//	}
//	record.Emit(ctx, logger.Handler(), time.Now(), slog.LevelInfo, "request", attrs)
package record
