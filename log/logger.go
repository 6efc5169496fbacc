package log

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
)

// LevelEnv is the environment variable that sets the level of [New] when
// Options.Level is nil: a slog level name such as "debug", "info", "warn",
// "error" or "error+2", in any case.
const LevelEnv = "VITALS_LOG_LEVEL"

// Options configures [New]. The zero value means JSON to stderr, level from
// VITALS_LOG_LEVEL, else Info, with the process identity.
type Options struct {
	// Writer receives one JSON object per line; nil means os.Stderr. Wrap
	// a slow or remote sink in an [AsyncWriter] so logging never blocks.
	Writer io.Writer

	// Level is the minimum level logged; nil means the level named by
	// VITALS_LOG_LEVEL, else slog.LevelInfo.
	Level slog.Leveler

	// AddSource adds the "source" of the log call, as
	// slog.HandlerOptions.AddSource does.
	AddSource bool

	// Handler configures the context fields; see [HandlerOptions].
	Handler HandlerOptions
}

// New returns a logger that writes JSON lines through [NewHandler] on
// [NewJSONHandler]: time, level, msg, the process identity, the request ID,
// trace and span IDs and the context's attributes, then the record's own,
// byte for byte as slog.NewJSONHandler would write them.
//
// An unparsable VITALS_LOG_LEVEL does not fail: New logs at Info and says so
// in a warning line, the first the logger writes.
func New(opts Options) *slog.Logger {
	w := opts.Writer
	if w == nil {
		w = os.Stderr
	}
	level, bad := opts.Level, ""
	if level == nil {
		level, bad = envLevel()
	}
	l := slog.New(NewHandler(NewJSONHandler(w, &slog.HandlerOptions{
		Level:     level,
		AddSource: opts.AddSource,
	}), &opts.Handler))
	if bad != "" {
		l.LogAttrs(context.Background(), slog.LevelWarn, "ignored an invalid log level; logging at INFO",
			slog.String("attempted", "read the log level from "+LevelEnv),
			slog.String("error", "not a level: "+bad),
			slog.String("remedy", "set "+LevelEnv+" to debug, info, warn or error (optionally +N/-N), or unset it"))
	}
	return l
}

// envLevel returns the level named by VITALS_LOG_LEVEL, Info when unset, and
// the unparsable value (quoted) when it cannot be read.
func envLevel() (slog.Level, string) {
	v := strings.TrimSpace(os.Getenv(LevelEnv))
	if v == "" {
		return slog.LevelInfo, ""
	}
	var l slog.Level
	if err := l.UnmarshalText([]byte(v)); err != nil {
		return slog.LevelInfo, quoteShort(v)
	}
	return l, ""
}

// quoteShort quotes at most the first 32 bytes of s, escaping anything
// outside printable ASCII, so an environment value can be logged safely.
func quoteShort(s string) string {
	const maxShown = 32
	if len(s) > maxShown {
		return strconv.QuoteToASCII(s[:maxShown]) + "..."
	}
	return strconv.QuoteToASCII(s)
}
