// Package log makes every log line say which process and which request it
// belongs to, and keeps logging from ever blocking the code that logs.
//
// [NewHandler] wraps any slog.Handler and adds, to every record, the process
// identity (encoded once), the request ID carried by the context, the OTel
// trace and span IDs, and the attributes attached to the context with
// [With] (or [WithAttrs], its allocation-lean form for slog.Attr values).
// [New] returns a ready JSON logger built on it and on [NewJSONHandler], a
// drop-in for slog.NewJSONHandler that writes the same bytes at half the
// cost. [AsyncWriter] queues log lines for a slow or unreliable sink, drops
// and counts whole lines when it is full, and reports the drops once the
// sink catches up. [FloodHandler] collapses the repeated records of an
// incident into one summary per key and window.
//
// The smallest complete use:
//
//	logger := log.New(log.Options{}) // JSON to stderr, level from VITALS_LOG_LEVEL
//	ctx := reqid.With(context.Background(), reqid.New())
//	ctx = log.With(ctx, "tenant", "acme")
//	logger.InfoContext(ctx, "order placed", "order", "ord-7f3a")
//
// writes
//
//	{"time":"...","level":"INFO","msg":"order placed",
//	 "process":{"service":"billing","version":"v1.4.0","host":"ip-10-0-0-7","pid":4242,"start":"...","id":"..."},
//	 "request_id":"...","tenant":"acme","order":"ord-7f3a"}
//
// The keys process, request_id, trace_id and span_id are stable.
package log
