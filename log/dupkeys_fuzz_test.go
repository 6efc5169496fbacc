package log_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"

	vlog "github.com/vitals-go/vitals/log"
)

// fuzzKeys are the keys a FuzzNoRepeatedKey program draws from: the ones
// the line itself writes, the handler's, what a renamed key becomes, and
// user keys.
var fuzzKeys = []string{"a", "b", "", "time", "level", "msg", "source", "process",
	"request_id", "trace_id", "span_id", "!a", "!process", "!a#2", "!a#3",
	"\xff", "\ufffd", "k\xfe\xfe", "k\ufffd\ufffd"} // written alike: invalid UTF-8 becomes U+FFFD

// FuzzNoRepeatedKey builds a logger and a context from the fuzzer's bytes
// (Logger.With, WithGroup, log.With, inline groups, LogValuers) and logs
// records through them twice (the first record and one through the
// pre-encoded fields); no object of any line may repeat a key.
func FuzzNoRepeatedKey(f *testing.F) {
	f.Add([]byte{0, 0, 3, 0})          // Logger.With a, record a
	f.Add([]byte{3, 0, 3, 0})          // record a twice
	f.Add([]byte{1, 0, 0, 1, 3, 1})    // WithGroup, With b, record b
	f.Add([]byte{2, 8, 3, 8})          // log.With request_id, record request_id
	f.Add([]byte{3, 4, 3, 5, 3, 3})    // record level, msg, time
	f.Add([]byte{5, 0, 6, 1, 9, 2})    // groups and LogValuers
	f.Add([]byte{0, 7, 0, 12, 3, 11})  // process, !process
	f.Add([]byte{7, 0, 8, 0, 4, 0, 3}) // inline groups everywhere
	f.Add([]byte{3, 15, 3, 16})        // "\xff" and "\ufffd": one key on the line
	f.Add([]byte{0, 17, 3, 18})        // the same, after another byte
	f.Fuzz(func(t *testing.T, program []byte) {
		var out lines
		l, ctx, attrs := buildDupProgram(&out, program)
		for range 2 {
			l.LogAttrs(ctx, slog.LevelInfo, "m", attrs...)
		}
		for _, line := range out.Lines() {
			requireNoDuplicateKeys(t, line)
		}
		require.Len(t, out.Lines(), 2)
	})
}

// buildDupProgram reads pairs of bytes (an operation and an operand) and
// returns the logger, the context and the record's attributes they make.
//
// An odd length picks the variant from the last byte: slog's JSON handler
// as inner, no source, or no process identity.
func buildDupProgram(out *lines, program []byte) (*slog.Logger, context.Context, []slog.Attr) {
	var inner slog.Handler = vlog.NewJSONHandler(out, &slog.HandlerOptions{AddSource: true})
	opts := &vlog.HandlerOptions{Process: &testIdentity}
	if len(program)%2 == 1 {
		switch program[len(program)-1] % 4 {
		case 1:
			inner = slog.NewJSONHandler(out, nil)
		case 2:
			inner = vlog.NewJSONHandler(out, nil)
		case 3:
			opts.OmitProcess = true
		}
	}
	l := slog.New(vlog.NewHandler(inner, opts))
	ctx := requestContext()
	var attrs []slog.Attr
	for i := 0; i+1 < len(program); i += 2 {
		op, n := program[i], int(program[i+1])
		k := fuzzKeys[n%len(fuzzKeys)]
		k2 := fuzzKeys[(n/len(fuzzKeys))%len(fuzzKeys)]
		// Values repeat often, so that equal values meet too.
		a, b := slog.Int(k, n%3), slog.Int(k2, n%2)
		switch op % 13 {
		case 0:
			l = l.With(a)
		case 1:
			l = l.WithGroup(k)
		case 2:
			ctx = vlog.WithAttrs(ctx, a)
		case 3:
			attrs = append(attrs, a)
		case 4:
			attrs = append(attrs, slog.Group("", a, b))
		case 5:
			attrs = append(attrs, slog.Group(k, b, b, slog.Group("", b)))
		case 6:
			attrs = append(attrs, slog.Any("", inlineValuer{a, b}))
		case 7:
			l = l.With(slog.Group("", a, b))
		case 8:
			ctx = vlog.WithAttrs(ctx, slog.Group("", a, b))
		case 9:
			attrs = append(attrs, slog.Any(k, inlineValuer{b, b}))
		case 10:
			ctx = vlog.WithAttrs(ctx, slog.Any(k, inlineValuer{b, b, a}))
		case 11:
			attrs = append(attrs, slog.Group(k), slog.Group(k2, slog.Group(k)))
		case 12:
			attrs = append(attrs, slog.Attr{}, slog.Any("", nil))
		}
	}
	return l, ctx, attrs
}
