package log_test

import (
	"context"
	"log/slog"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	vlog "github.com/vitals-go/vitals/log"
)

// inlineValuer is a LogValuer that resolves to an inline group, as a
// user's "request scope" type may.
type inlineValuer []slog.Attr

func (v inlineValuer) LogValue() slog.Value { return slog.GroupValue(v...) }

// TestNoRepeatedKeyFromAnySource logs, for every way a key can reach a
// line, one record and checks that no key repeats at any level and which
// value wins.
func TestNoRepeatedKeyFromAnySource(t *testing.T) {
	ctx := requestContext()
	userCtx := vlog.With(ctx, "user", "ctx-user")
	cases := []struct {
		name string
		log  func(l *slog.Logger)
		want map[string]any // top-level values expected
	}{
		{"record attribute named process", func(l *slog.Logger) {
			l.InfoContext(ctx, "m", "process", "worker-3")
		}, map[string]any{"!process": "worker-3"}},
		{"Logger.With key named process", func(l *slog.Logger) {
			l.With("process", "worker-3").InfoContext(ctx, "m")
		}, map[string]any{"!process": "worker-3"}},
		{"log.With key named process", func(l *slog.Logger) {
			l.InfoContext(vlog.With(ctx, "process", "worker-3"), "m")
		}, map[string]any{"!process": "worker-3"}},
		{"inline group holding process in the record", func(l *slog.Logger) {
			l.InfoContext(ctx, "m", slog.Group("", slog.String("process", "worker-3")))
		}, map[string]any{"!process": "worker-3"}},
		{"group named process", func(l *slog.Logger) {
			l.WithGroup("process").InfoContext(ctx, "m", "a", 1)
		}, map[string]any{"!process": map[string]any{"a": 1.0}}},
		{"record LogValuer resolving to an inline group", func(l *slog.Logger) {
			l.InfoContext(userCtx, "m", slog.Any("", inlineValuer{slog.String("request_id", "mine"), slog.String("user", "rec-user")}))
		}, map[string]any{"request_id": "mine", "user": "rec-user", "trace_id": testTraceID,
			"!request_id": testRequestID, "!user": "ctx-user"}},
		{"Logger.With LogValuer resolving to an inline group", func(l *slog.Logger) {
			l.With(slog.Any("", inlineValuer{slog.String("request_id", "mine"), slog.String("user", "log-user")})).InfoContext(userCtx, "m")
		}, map[string]any{"request_id": "mine", "user": "log-user", "trace_id": testTraceID,
			"!request_id": testRequestID, "!user": "ctx-user"}},
		{"log.With LogValuer resolving to an inline group", func(l *slog.Logger) {
			c := vlog.With(userCtx, slog.Any("", inlineValuer{slog.String("request_id", "mine"), slog.String("user", "new-user")}))
			l.InfoContext(c, "m")
		}, map[string]any{"request_id": testRequestID, "!request_id": "mine", "user": "new-user", "trace_id": testTraceID}},
		{"log.With inline group repeating request_id and user", func(l *slog.Logger) {
			c := vlog.With(userCtx, slog.Group("", slog.String("request_id", "mine"), slog.String("user", "new-user")))
			l.InfoContext(c, "m")
		}, map[string]any{"request_id": testRequestID, "!request_id": "mine", "user": "new-user"}},
		{"log.With inline groups one after the other", func(l *slog.Logger) {
			c := vlog.With(ctx, slog.Group("", slog.String("a", "1")))
			c = vlog.With(c, slog.Group("", slog.String("b", "2")))
			l.InfoContext(c, "m")
		}, map[string]any{"a": "1", "b": "2"}},
		{"log.With key after an inline group with it", func(l *slog.Logger) {
			c := vlog.With(ctx, slog.Group("", slog.String("user", "old"), slog.String("a", "1")))
			l.InfoContext(vlog.With(c, "user", "new"), "m")
		}, map[string]any{"a": "1", "user": "new"}},
		{"record key that Logger.With gave", func(l *slog.Logger) {
			l.With("user", "log-user").InfoContext(ctx, "m", "user", "rec-user")
		}, map[string]any{"user": "log-user", "!user": "rec-user"}},
		{"record key that Logger.With gave, same value", func(l *slog.Logger) {
			l.With("user", "bob").InfoContext(ctx, "m", "user", "bob", "!user", "x")
		}, map[string]any{"user": "bob", "!user": "x"}},
		{"record repeating its own key three times", func(l *slog.Logger) {
			l.InfoContext(ctx, "m", "a", 1, "a", 2, "a", 3)
		}, map[string]any{"a": 1.0, "!a": 2.0, "!a#2": 3.0}},
		{"record keys the line writes itself", func(l *slog.Logger) {
			l.InfoContext(ctx, "m", "msg", "x", "level", "y", "time", "z")
		}, map[string]any{"msg": "m", "level": "INFO", "!msg": "x", "!level": "y", "!time": "z"}},
		{"-0 beside 0 is kept", func(l *slog.Logger) {
			l.With("f", 0.0).InfoContext(ctx, "m", "f", math.Copysign(0, -1))
		}, map[string]any{"f": 0.0, "!f": math.Copysign(0, -1)}},
		{"the same instant in another zone is kept", func(l *slog.Logger) {
			at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
			l.With("at", at).InfoContext(ctx, "m", "at", at.In(time.FixedZone("P", 3600)), "at", at)
		}, map[string]any{"at": "2026-01-02T03:04:05Z", "!at": "2026-01-02T04:04:05+01:00"}},
		{"group repeating a member", func(l *slog.Logger) {
			l.InfoContext(ctx, "m", slog.Group("g", "a", 1, "a", 2, slog.Group("", "a", 3)))
		}, map[string]any{"g": map[string]any{"a": 1.0, "!a": 2.0, "!a#2": 3.0}}},
		{"WithGroup, With and the record in the same group", func(l *slog.Logger) {
			l.WithGroup("g").With("a", 1).InfoContext(ctx, "m", "a", 2)
		}, map[string]any{"g": map[string]any{"a": 1.0, "!a": 2.0}}},
		{"LogValuer with a key resolving to a group repeating a member", func(l *slog.Logger) {
			l.InfoContext(ctx, "m", slog.Any("v", inlineValuer{slog.Int("a", 1), slog.Int("a", 2)}))
		}, map[string]any{"v": map[string]any{"a": 1.0, "!a": 2.0}}},
		{"Logger.With repeating a key", func(l *slog.Logger) {
			l.With("a", 1).With("a", 2).InfoContext(ctx, "m")
		}, map[string]any{"a": 1.0, "!a": 2.0}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out lines
			l := newLogger(&out)
			for range 2 { // the first record, and one through the pre-encoded fields
				tc.log(l)
			}
			got := out.decode(t) // fails on a repeated key
			require.Len(t, got, 2)
			for _, m := range got {
				for k, v := range tc.want {
					assert.Equal(t, v, m[k], k)
				}
				assert.Equal(t, testIdentity.ID, m["process"].(map[string]any)["id"], "the process identity is never overwritten")
			}
		})
	}
}

// TestProcessKeyFreeWithOmitProcess checks that "process" is an ordinary
// key when the handler adds no process identity.
func TestProcessKeyFreeWithOmitProcess(t *testing.T) {
	var out lines
	l := slog.New(vlog.NewHandler(vlog.NewJSONHandler(&out, nil), &vlog.HandlerOptions{OmitProcess: true}))
	l.InfoContext(context.Background(), "m", "process", "worker-3")
	assert.Equal(t, "worker-3", out.decode(t)[0]["process"])
}

// TestManyRepeatsOfOneKey logs a record repeating one key thousands of
// times, beside a key that the numbering would pick: every value is
// written, under a key of its own.
func TestManyRepeatsOfOneKey(t *testing.T) {
	var out lines
	l := newLogger(&out)
	const n = 3000
	attrs := []slog.Attr{slog.Int("!a#2", -1)}
	for i := range n {
		attrs = append(attrs, slog.Int("a", i))
	}
	l.LogAttrs(requestContext(), slog.LevelInfo, "m", attrs...)
	m := out.decode(t)[0] // fails on a repeated key
	seen := map[float64]bool{}
	for k, v := range m {
		if k == "a" || strings.HasPrefix(k, "!a") {
			seen[v.(float64)] = true
		}
	}
	assert.Len(t, seen, n+1, "every value is on the line")
	assert.Equal(t, 0.0, m["a"])
	assert.Equal(t, 1.0, m["!a"])
	assert.Equal(t, -1.0, m["!a#2"])
}

// ExampleNewHandler_repeatedKeys shows the rule for a key that arrives
// twice: the first keeps it, a later one with the same value is left out,
// a later one with another value is written under "!"+key.
func ExampleNewHandler_repeatedKeys() {
	h := vlog.NewHandler(vlog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: dropTimes}),
		&vlog.HandlerOptions{OmitProcess: true})
	ctx := vlog.With(context.Background(), "method", "POST") // the inbound request's
	l := slog.New(h).With("user", "ann")
	l.InfoContext(ctx, "outbound call", "method", "GET", "user", "ann", "user", "bob", "msg", "hello")
	// Output:
	// {"level":"INFO","msg":"outbound call","user":"ann","!method":"POST","method":"GET","!user":"bob","!msg":"hello"}
}

// TestNonASCIIKeysOfEveryLength puts a byte past ASCII at every position
// of keys 1 to 20 bytes long, beside the key as it is written (U+FFFD for
// the byte): never two equal keys on a line.
func TestNonASCIIKeysOfEveryLength(t *testing.T) {
	var out lines
	l := newLogger(&out)
	for n := 1; n <= 20; n++ {
		for i := range n {
			raw := []byte(strings.Repeat("k", n))
			raw[i] = 0xff
			written := strings.ToValidUTF8(string(raw), "\ufffd")
			l.Info("m", string(raw), 1, written, 2)
		}
	}
	for _, line := range out.Lines() {
		requireNoDuplicateKeys(t, line)
	}
	require.Len(t, out.Lines(), 210)
}
