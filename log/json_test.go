package log_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/slogtest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	vlog "github.com/vitals-go/vitals/log"
)

// step is one call on a handler before it handles the record: WithAttrs,
// or WithGroup when isGroup.
type step struct {
	isGroup bool
	group   string
	attrs   []slog.Attr
}

func withAttrs(as ...slog.Attr) step { return step{attrs: as} }
func withGroup(name string) step     { return step{isGroup: true, group: name} }

// writes is an io.Writer that keeps each Write call's bytes apart.
type writes struct {
	mu    sync.Mutex
	calls [][]byte
}

func (w *writes) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls = append(w.calls, slices.Clone(p))
	return len(p), nil
}

type newJSONHandler func(io.Writer, *slog.HandlerOptions) slog.Handler

func slogJSON(w io.Writer, opts *slog.HandlerOptions) slog.Handler {
	return slog.NewJSONHandler(w, opts)
}

// handled returns the one Write that the handler made by newH, after steps,
// makes for r.
func handled(t testing.TB, newH newJSONHandler, opts *slog.HandlerOptions, steps []step, r slog.Record) string {
	t.Helper()
	var w writes
	h := newH(&w, opts)
	for _, s := range steps {
		if s.isGroup {
			h = h.WithGroup(s.group)
		} else {
			h = h.WithAttrs(slices.Clone(s.attrs))
		}
	}
	require.NoError(t, h.Handle(context.Background(), r))
	require.Len(t, w.calls, 1, "one Write per record")
	return string(w.calls[0])
}

// requireSameAsSlog requires NewJSONHandler to write for r, after steps,
// the bytes slog.NewJSONHandler writes.
func requireSameAsSlog(t testing.TB, opts *slog.HandlerOptions, steps []step, r slog.Record) {
	t.Helper()
	want := handled(t, slogJSON, opts, steps, r)
	got := handled(t, vlog.NewJSONHandler, opts, steps, r)
	require.Equal(t, want, got)
}

func record(t time.Time, l slog.Level, msg string, pc uintptr, as ...slog.Attr) slog.Record {
	r := slog.NewRecord(t, l, msg, pc)
	r.AddAttrs(as...)
	return r
}

// valuer is a LogValuer whose value is v.
type valuer struct{ v slog.Value }

func (l valuer) LogValue() slog.Value { return l.v }

// cycle is a LogValuer that resolves to itself, forever.
type cycle struct{}

func (c cycle) LogValue() slog.Value { return slog.AnyValue(c) }

type marshaler struct{ s string }

func (m marshaler) MarshalJSON() ([]byte, error) { return []byte(m.s), nil }

// marshalingError is an error that encoding/json, not Error, writes.
type marshalingError struct{}

func (marshalingError) Error() string                { return "as error" }
func (marshalingError) MarshalJSON() ([]byte, error) { return []byte(`"as json"`), nil }

type nilDerefError struct{ msg string }

func (e *nilDerefError) Error() string { return e.msg }

type panicky struct{}

func (panicky) Error() string                { panic("Error panicked") }
func (panicky) MarshalText() ([]byte, error) { panic("unused") }

type panickyJSON struct{}

func (panickyJSON) MarshalJSON() ([]byte, error) { panic(errors.New("MarshalJSON panicked")) }

func here() uintptr {
	var pcs [1]uintptr
	runtime.Callers(2, pcs[:])
	return pcs[0]
}

// TestJSONHandlerSameAsSlog checks the records that exercise every rule
// and quirk of slog's JSON encoding.
func TestJSONHandlerSameAsSlog(t *testing.T) {
	now := time.Date(2026, 11, 23, 14, 5, 6, 120034500, time.UTC)
	kolkata := time.FixedZone("IST", 5*3600+30*60)
	oddOffset := time.FixedZone("LMT", -(17*60 + 30)) // minutes and seconds
	tricky := "quote\" back\\ nl\n cr\r tab\t nul\x00 esc\x1b del\x7f <a&b> \u2028\u2029 é 日本 🎉 bad\xff\xfe\xc3 end"
	pc := here()

	for _, tc := range []struct {
		name  string
		opts  *slog.HandlerOptions
		steps []step
		r     slog.Record
	}{
		{name: "every kind", r: record(now, slog.LevelInfo, "m", 0,
			slog.String("s", "v"), slog.Int("i", -42), slog.Int64("min", math.MinInt64), slog.Int64("max", math.MaxInt64),
			slog.Uint64("u", math.MaxUint64), slog.Bool("t", true), slog.Bool("f", false),
			slog.Duration("d", 1500*time.Millisecond), slog.Duration("neg", -time.Nanosecond),
			slog.Time("utc", now), slog.Time("ist", now.In(kolkata)), slog.Time("lmt", now.In(oddOffset)),
			slog.Time("local", now.Local()), slog.Time("zero", time.Time{}), slog.Time("whole", now.Truncate(time.Second)),
			slog.Time("micros", now.Truncate(time.Microsecond)))},
		{name: "floats", r: record(now, slog.LevelInfo, "m", 0,
			slog.Float64("zero", 0), slog.Float64("negzero", math.Copysign(0, -1)), slog.Float64("pi", math.Pi),
			slog.Float64("big", 1e21), slog.Float64("below", 999999999999999900000), slog.Float64("small", 1e-7),
			slog.Float64("edge", 1e-6), slog.Float64("tiny", 5e-324), slog.Float64("max", math.MaxFloat64),
			slog.Float64("f32", float64(float32(0.1))), slog.Float64("neg", -123.456e-10), slog.Any("float32", float32(1e-7)))},
		{name: "non-finite floats", r: record(now, slog.LevelInfo, "m", 0,
			slog.Float64("nan", math.NaN()), slog.Float64("inf", math.Inf(1)), slog.Float64("-inf", math.Inf(-1)))},
		{name: "strings", r: record(now, slog.LevelInfo, tricky, 0,
			slog.String(tricky, tricky), slog.String("", "empty key"), slog.String("long", strings.Repeat("abcdefgh", 9)+"\x01"),
			slog.String("runs", strings.Repeat("é\"", 5)+strings.Repeat("x", 17)+"\u2028"))},
		{name: "info+2", r: record(now, slog.LevelInfo+2, "m", 0)},
		{name: "debug-3", r: record(now, slog.LevelDebug-3, "m", 0)},
		{name: "warn+1", r: record(now, slog.LevelWarn+1, "m", 0)},
		{name: "error+100", r: record(now, slog.LevelError+100, "m", 0)},
		{name: "extreme level", r: record(now, slog.Level(math.MinInt), "m", 0)},
		{name: "zero time", r: record(time.Time{}, slog.LevelInfo, "m", 0, slog.Int("a", 1))},
		{name: "record time with monotonic clock", r: record(time.Now(), slog.LevelInfo, "m", 0)},
		{name: "record time in a zone", r: record(now.In(kolkata), slog.LevelInfo, "m", 0)},
		{name: "years out of range", r: record(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), slog.LevelInfo, "m", 0,
			slog.Time("negative", time.Date(-1, 12, 31, 23, 59, 59, 0, time.UTC)),
			slog.Time("year 0 in a zone", time.Date(0, 1, 1, 2, 0, 0, 0, time.UTC).In(time.FixedZone("W", -3*3600))),
			slog.Time("last", time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)),
			slog.Time("first", time.Date(0, 1, 1, 0, 0, 0, 1, time.UTC)))},
		{name: "any", r: record(now, slog.LevelInfo, "m", 0,
			slog.Any("nil", nil), slog.Any("slice", []string{"a", "<b>"}), slog.Any("map", map[string]int{"z": 1, "a": 2}),
			slog.Any("struct", struct {
				A int `json:"a"`
				B string
			}{1, "&"}),
			slog.Any("bytes", []byte("hi")), slog.Any("marshaler", marshaler{`{"k": [1, 2]}`}),
			slog.Any("bad marshaler", marshaler{`{`}), slog.Any("chan", make(chan int)), slog.Any("func", func() {}),
			slog.Any("complex", complex(1, 2)), slog.Any("kind", slog.KindInt64), slog.Any("level", slog.LevelWarn),
			slog.Any("nil map", map[string]any(nil)), slog.Any("raw", json.RawMessage(`[1,  2]`)))},
		{name: "errors", r: record(now, slog.LevelError, "m", 0,
			slog.Any("err", errors.New("boom <&>")), slog.Any("wrapped", errors.Join(errors.New("a"), errors.New("b"))),
			slog.Any("marshaling", marshalingError{}), slog.Any("nil deref", (*nilDerefError)(nil)),
			slog.Any("panics", panicky{}), slog.Any("panicking marshaler", panickyJSON{}),
			slog.Any("error in a slice", []error{errors.New("x")}))},
		{name: "log valuers", r: record(now, slog.LevelInfo, "m", 0,
			slog.Any("one", valuer{slog.StringValue("v")}),
			slog.Any("nested", valuer{slog.AnyValue(valuer{slog.AnyValue(valuer{slog.IntValue(3)})})}),
			slog.Any("group", valuer{slog.GroupValue(slog.Int("a", 1), slog.Any("inner", valuer{slog.BoolValue(true)}))}),
			slog.Any("", valuer{slog.GroupValue(slog.Int("inlined", 1))}),
			slog.Any("", valuer{slog.Value{}}), slog.Any("key kept", valuer{slog.Value{}}),
			slog.Any("empty group", valuer{slog.GroupValue()}),
			slog.Any("too deep", cycle{}), slog.Any("source", valuer{slog.AnyValue(&slog.Source{File: "f.go"})}))},
		{name: "groups", r: record(now, slog.LevelInfo, "m", 0,
			slog.Group("g", slog.Int("a", 1), slog.Group("h", slog.String("b", "2")), slog.Group("")),
			slog.Group("", slog.Int("inline", 1), slog.Group("", slog.Int("deeper", 2))),
			slog.Group("empty"), slog.Attr{}, slog.Any("", nil), slog.Int("", 0), slog.Group("k", slog.Any("", nil)),
			slog.Int("after", 1))},
		{name: "a group of empty attrs leaves no comma before the next key", r: record(now, slog.LevelInfo, "m", 0,
			slog.Int("a", 1), slog.Group("g", slog.Attr{}), slog.Int("b", 2))},
		{name: "sources", opts: &slog.HandlerOptions{AddSource: true}, r: record(now, slog.LevelInfo, "m", pc,
			slog.Any("src", &slog.Source{Function: "f", Line: 3}), slog.Any("empty", &slog.Source{}),
			slog.Any("nil", (*slog.Source)(nil)), slog.Any("value", slog.Source{File: "not a pointer"}))},
		{name: "no PC", opts: &slog.HandlerOptions{AddSource: true}, r: record(now, slog.LevelInfo, "m", 0)},
		{name: "unknown PC", opts: &slog.HandlerOptions{AddSource: true}, r: record(now, slog.LevelInfo, "m", 1)},
		{name: "source stays out of groups", opts: &slog.HandlerOptions{AddSource: true},
			steps: []step{withGroup("g"), withAttrs(slog.Int("a", 1))}, r: record(time.Time{}, slog.LevelInfo, "m", pc)},
		{name: "WithAttrs then groups", steps: []step{
			withAttrs(slog.String("a", "1"), slog.Group("ga", slog.Int("x", 1))), withGroup("g"),
			withAttrs(slog.Int("b", 2)), withGroup("h"), withAttrs(slog.Int("c", 3)), withGroup("i"),
		}, r: record(now, slog.LevelInfo, "m", 0, slog.Int("d", 4))},
		{name: "open groups and a record without attributes", steps: []step{
			withAttrs(slog.String("a", "1")), withGroup("g"), withAttrs(slog.Int("b", 2)), withGroup("h"),
		}, r: record(now, slog.LevelInfo, "m", 0)},
		{name: "groups whose record attributes are all empty", steps: []step{withGroup("g"), withGroup("h")},
			r: record(now, slog.LevelInfo, "m", 0, slog.Attr{}, slog.Group("", slog.Any("", nil)))},
		{name: "empty group names", steps: []step{withGroup(""), withAttrs(slog.Int("a", 1)), withGroup("")},
			r: record(now, slog.LevelInfo, "m", 0, slog.Int("b", 2))},
		{name: "WithAttrs of empty groups only", steps: []step{withGroup("g"), withAttrs(slog.Group("e"), slog.Group("f"))},
			r: record(now, slog.LevelInfo, "m", 0)},
		{name: "WithAttrs of an empty group and an empty attr", steps: []step{withGroup("g"), withAttrs(slog.Group("e"), slog.Attr{})},
			r: record(now, slog.LevelInfo, "m", 0)},
		{name: "WithAttrs of empty attrs", steps: []step{withGroup("g"), withAttrs(slog.Attr{}), withAttrs(slog.Int("a", 1))},
			r: record(now, slog.LevelInfo, "m", 0)},
		{name: "WithAttrs ending in an empty group attr", steps: []step{
			withAttrs(slog.Group("g", slog.Attr{})), withAttrs(slog.Int("a", 1)),
		}, r: record(now, slog.LevelInfo, "m", 0, slog.Int("b", 2))},
		{name: "escaped keys and group names", steps: []step{withGroup(tricky), withAttrs(slog.Int(tricky, 1))},
			r: record(now, slog.LevelInfo, "m", 0, slog.Group(tricky, slog.Int("\xff", 1)))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requireSameAsSlog(t, tc.opts, tc.steps, tc.r)
		})
	}
}

// TestJSONHandlerPanickingLogValuer: for a LogValue that panics, slog writes
// the panic with the stack of the call; the frames past LogValue are the
// handler's own, so only they differ.
func TestJSONHandlerPanickingLogValuer(t *testing.T) {
	r := record(time.Time{}, slog.LevelInfo, "m", 0, slog.Any("v", panickingValuer{}), slog.Int("after", 1))
	want := handled(t, slogJSON, nil, nil, r)
	got := handled(t, vlog.NewJSONHandler, nil, nil, r)
	require.Contains(t, want, "LogValue panicked")
	frames := regexp.MustCompile(`called from [^\\]*\\n`)
	assert.Equal(t, frames.ReplaceAllString(want, ""), frames.ReplaceAllString(got, ""))
	assert.Equal(t, frames.FindAllString(want, 1), frames.FindAllString(got, 1), "the LogValue frame")
}

type panickingValuer struct{}

func (panickingValuer) LogValue() slog.Value { panic("no value") }

func TestJSONHandlerOptions(t *testing.T) {
	r := record(time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC), slog.LevelDebug, "m", 0, slog.Int("a", 1))
	t.Run("nil options are slog's defaults", func(t *testing.T) {
		var out lines
		h := vlog.NewJSONHandler(&out, nil)
		assert.False(t, h.Enabled(context.Background(), slog.LevelDebug))
		assert.True(t, h.Enabled(context.Background(), slog.LevelInfo))
		requireSameAsSlog(t, nil, nil, r)
	})
	t.Run("the level is read for every record", func(t *testing.T) {
		var lv slog.LevelVar
		h := vlog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: &lv})
		hg := h.WithGroup("g").WithAttrs([]slog.Attr{slog.Int("a", 1)})
		assert.False(t, hg.Enabled(context.Background(), slog.LevelDebug))
		lv.Set(slog.LevelDebug)
		assert.True(t, hg.Enabled(context.Background(), slog.LevelDebug))
		assert.True(t, h.Enabled(context.Background(), slog.LevelDebug))
	})
	t.Run("ReplaceAttr is slog's handler", func(t *testing.T) {
		opts := &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			a.Key = strings.ToUpper(a.Key)
			return a
		}}
		h := vlog.NewJSONHandler(io.Discard, opts)
		assert.IsType(t, &slog.JSONHandler{}, h)
		requireSameAsSlog(t, opts, []step{withGroup("g")}, r)
	})
}

func TestJSONHandlerSlogtest(t *testing.T) {
	for _, tc := range []struct {
		name string
		wrap func(slog.Handler) slog.Handler
	}{
		{"alone", func(h slog.Handler) slog.Handler { return h }},
		{"inside NewHandler", func(h slog.Handler) slog.Handler {
			return vlog.NewHandler(h, &vlog.HandlerOptions{OmitProcess: true})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out lines
			h := tc.wrap(vlog.NewJSONHandler(&out, nil))
			require.NoError(t, slogtest.TestHandler(h, func() []map[string]any { return out.decode(t) }))
		})
	}
}

// exclusive is an io.Writer that is not safe for concurrent use: it counts
// the Write calls that overlap another, and the race detector sees its
// unsynchronised appends.
type exclusive struct {
	inside, overlaps atomic.Int32
	buf              []byte
	writes           int
}

func (w *exclusive) Write(p []byte) (int, error) {
	if w.inside.Add(1) > 1 {
		w.overlaps.Add(1)
	}
	defer w.inside.Add(-1)
	w.buf = append(w.buf, p...)
	w.writes++
	runtime.Gosched() // widen the window for an overlap
	return len(p), nil
}

// TestJSONHandlerConcurrentUse logs from many goroutines through handlers
// derived from one NewJSONHandler and checks that their writes never
// overlap (a mutex shared by them all) and that each record is one whole
// line in one Write.
func TestJSONHandlerConcurrentUse(t *testing.T) {
	var w exclusive
	root := vlog.NewJSONHandler(&w, nil)
	handlers := []slog.Handler{
		root, root.WithAttrs([]slog.Attr{slog.Int("a", 1)}), root.WithGroup("g"),
		root.WithGroup("g").WithAttrs([]slog.Attr{slog.String("b", "x")}),
	}
	const goroutines, records = 8, 200
	var wg sync.WaitGroup
	for i := range goroutines {
		wg.Go(func() {
			l := slog.New(handlers[i%len(handlers)])
			for j := range records {
				l.Info("concurrent", "goroutine", i, "record", j)
			}
		})
	}
	wg.Wait()
	assert.Zero(t, w.overlaps.Load(), "overlapping Write calls")
	assert.Equal(t, goroutines*records, w.writes, "one Write per record")
	got := strings.Split(strings.TrimSuffix(string(w.buf), "\n"), "\n")
	require.Len(t, got, goroutines*records)
	for _, line := range got {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
	}
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

func TestJSONHandlerReturnsWriteError(t *testing.T) {
	errSink := errors.New("sink is down")
	h := vlog.NewJSONHandler(failingWriter{errSink}, nil).WithGroup("g")
	err := h.Handle(context.Background(), record(time.Now(), slog.LevelInfo, "m", 0))
	assert.ErrorIs(t, err, errSink)
}

// TestJSONHandlerHugeRecord: a record larger than the pooled buffers is
// written whole, and the records after it are unaffected.
func TestJSONHandlerHugeRecord(t *testing.T) {
	huge := record(time.Time{}, slog.LevelInfo, "m", 0, slog.String("big", strings.Repeat("x", 1<<20)))
	requireSameAsSlog(t, nil, nil, huge)
	requireSameAsSlog(t, nil, nil, record(time.Time{}, slog.LevelInfo, "m", 0, slog.Int("small", 1)))
}

func TestJSONHandlerAllocations(t *testing.T) {
	skipUnderRace(t)
	ctx := context.Background()
	pc := here()
	for _, tc := range []struct {
		name string
		opts *slog.HandlerOptions
		h    func(slog.Handler) slog.Handler
		pc   uintptr
	}{
		{"bare", nil, func(h slog.Handler) slog.Handler { return h }, 0},
		{"with attrs and groups", nil, func(h slog.Handler) slog.Handler {
			return h.WithAttrs([]slog.Attr{slog.String("a", "b")}).WithGroup("g")
		}, 0},
		{"with source", &slog.HandlerOptions{AddSource: true}, func(h slog.Handler) slog.Handler { return h }, pc},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := tc.h(vlog.NewJSONHandler(io.Discard, tc.opts))
			r := record(time.Now(), slog.LevelInfo, "order placed", tc.pc,
				slog.String("order", "ord-7f3a"), slog.Int("items", 3), slog.Float64("total", 129.99),
				slog.Duration("took", time.Millisecond), slog.Time("at", time.Now()),
				slog.Group("customer", slog.String("id", "c-1"), slog.Bool("new", true)))
			assert.Zero(t, testing.AllocsPerRun(100, func() { _ = h.Handle(ctx, r) }))
		})
	}
}

func ExampleNewJSONHandler() {
	// Where slog.NewJSONHandler(w, opts) was: the same options, the same bytes.
	h := vlog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: slog.LevelDebug})
	logger := slog.New(h).With("service", "billing").WithGroup("order")

	// A Logger stamps every record with the time; this one, made by hand
	// for a stable output, has none.
	r := slog.NewRecord(time.Time{}, slog.LevelDebug, "order placed", 0)
	r.AddAttrs(slog.String("id", "ord-7f3a"), slog.Int("items", 3), slog.Float64("total", 129.99))
	_ = logger.Handler().Handle(context.Background(), r)
	// Output:
	// {"level":"DEBUG","msg":"order placed","service":"billing","order":{"id":"ord-7f3a","items":3,"total":129.99}}
}
