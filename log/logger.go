package log

import (
	"io"
	"log/slog"
	"os"
)

// Options configures [New]. The zero value means JSON to stderr, level from
// VITALS_LOG_LEVEL, else Info.
type Options struct {
	// Writer receives the log lines; nil means os.Stderr.
	Writer io.Writer
	// Level is the minimum level; nil means VITALS_LOG_LEVEL, else Info.
	Level slog.Leveler
}

// New returns a JSON logger with the handler of [NewHandler].
func New(opts Options) *slog.Logger {
	w := opts.Writer
	if w == nil {
		w = os.Stderr
	}
	return slog.New(NewHandler(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: opts.Level}), nil))
}
