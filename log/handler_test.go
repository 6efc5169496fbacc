package log_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"testing/slogtest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	vlog "github.com/vitals-go/vitals/log"
	"github.com/vitals-go/vitals/reqid"
)

var testIdentity = reqid.Identity{
	Service: "billing", Version: "v1.4.0", Host: "ip-10-0-0-7", PID: 4242,
	Start: time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC), ID: "9c1e2f0a4b6d8e7f9c1e2f0a4b6d8e7f",
}

// newLogger returns NewHandler on NewJSONHandler, as New builds it; for
// NewHandler on slog's own JSON handler, which writes the same bytes, see
// TestNewWritesWhatSlogJSONWould.
func newLogger(w io.Writer) *slog.Logger {
	return slog.New(vlog.NewHandler(vlog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}),
		&vlog.HandlerOptions{Process: &testIdentity}))
}

func TestHandlerAddsContextFields(t *testing.T) {
	var out lines
	l := newLogger(&out)
	ctx := vlog.With(requestContext(), "route", "/v1/orders", "tenant", "acme")

	logFour(ctx, l)
	logFour(ctx, l) // the second record goes through the cached, pre-encoded fields
	l.InfoContext(context.Background(), "no request")

	got := out.decode(t)
	require.Len(t, got, 3)
	for _, m := range got[:2] {
		assert.Equal(t, "order placed", m["msg"])
		assertRequestFields(t, m)
		assert.Equal(t, "/v1/orders", m["route"])
		assert.Equal(t, "acme", m["tenant"])
		assert.Equal(t, "ord-7f3a", m["order"])
		assert.Equal(t, 12999.0, m["total_cents"])
		assert.Equal(t, map[string]any{
			"service": "billing", "version": "v1.4.0", "host": "ip-10-0-0-7", "pid": 4242.0,
			"start": "2026-11-23T14:00:00Z", "id": "9c1e2f0a4b6d8e7f9c1e2f0a4b6d8e7f",
		}, m["process"])
	}
	want := []string{"time", "level", "msg", "process", "request_id", "trace_id", "span_id",
		"route", "tenant", "order", "items", "total_cents", "currency"}
	lineOne, lineTwo, _ := strings.Cut(out.String(), "\n")
	assert.Equal(t, want, topKeys(t, lineOne), "first record")
	assert.Equal(t, want, topKeys(t, lineTwo), "cached record: same fields, same order")

	assert.Equal(t, []string{"time", "level", "msg", "process"}, topKeys(t, strings.Split(out.String(), "\n")[2]),
		"a context without request fields adds only the process")
}

func TestHandlerProcessDefaultsToReqidProcess(t *testing.T) {
	var out lines
	slog.New(vlog.NewHandler(slog.NewJSONHandler(&out, nil), nil)).Info("x")
	p := reqid.Process()
	m := out.decode(t)[0]["process"].(map[string]any)
	assert.Equal(t, p.Service, m["service"])
	assert.Equal(t, p.ID, m["id"])
	assert.Equal(t, float64(p.PID), m["pid"])

	var omitted lines
	slog.New(vlog.NewHandler(slog.NewJSONHandler(&omitted, nil), &vlog.HandlerOptions{OmitProcess: true})).Info("x")
	assert.NotContains(t, omitted.decode(t)[0], "process")
}

func TestHandlerSpanContext(t *testing.T) {
	var out lines
	l := newLogger(&out)

	tp := sdktrace.NewTracerProvider()
	defer func() { require.NoError(t, tp.Shutdown(context.Background())) }()
	ctx, span := tp.Tracer("test").Start(context.Background(), "op")
	require.True(t, span.IsRecording())
	l.InfoContext(ctx, "recording span")
	span.End()

	notRecording := trace.ContextWithSpanContext(context.Background(), span.SpanContext())
	l.InfoContext(notRecording, "remote, not recording")

	invalid := trace.ContextWithSpanContext(context.Background(), trace.SpanContext{})
	l.InfoContext(invalid, "invalid span context")

	got := out.decode(t)
	require.Len(t, got, 3)
	for _, m := range got[:2] {
		assert.Equal(t, span.SpanContext().TraceID().String(), m["trace_id"], m["msg"])
		assert.Equal(t, span.SpanContext().SpanID().String(), m["span_id"], m["msg"])
		assert.NotContains(t, m, "request_id")
	}
	assert.NotContains(t, got[2], "trace_id")
	assert.NotContains(t, got[2], "span_id")
}

func TestHandlerFieldsStayTopLevelInGroups(t *testing.T) {
	var out lines
	l := newLogger(&out).With("component", "orders").WithGroup("req").With("method", "POST").WithGroup("body")
	ctx := vlog.With(requestContext(), "tenant", "acme")

	for range 2 { // first record and cached record
		// Inside a group, a record key may repeat a context key.
		l.InfoContext(ctx, "posted", "items", 3, "tenant", "in-group")
	}
	l.WithGroup("empty").InfoContext(ctx, "no attrs in the innermost group")

	got := out.decode(t)
	require.Len(t, got, 3)
	for _, m := range got[:2] {
		assertRequestFields(t, m)
		assert.Equal(t, "acme", m["tenant"])
		assert.Equal(t, "orders", m["component"])
		assert.Contains(t, m, "process")
		assert.Equal(t, map[string]any{"method": "POST", "body": map[string]any{"items": 3.0, "tenant": "in-group"}}, m["req"])
	}
	assert.Equal(t, map[string]any{"method": "POST"}, got[2]["req"], "empty groups are left out")
	assert.Equal(t, "acme", got[2]["tenant"])
}

func TestHandlerNoDuplicateKeys(t *testing.T) {
	var out lines
	l := newLogger(&out)
	ctx := requestContext()

	for range 2 { // the second record goes through the pre-encoded fields
		l.InfoContext(ctx, "record sets request_id", "request_id", "from-record")
	}
	l.With("trace_id", "from-logger").InfoContext(ctx, "logger sets trace_id")
	l.InfoContext(vlog.With(ctx, "request_id", "from-context"), "context attrs set request_id")
	l.InfoContext(vlog.With(vlog.With(ctx, "tenant", "a"), "tenant", "b"), "later log.With wins")
	l.InfoContext(vlog.With(ctx, "tenant", "ctx"), "record beats context", "tenant", "record")
	l.With(slog.Group("", slog.String("span_id", "inline"))).InfoContext(ctx, "inline group in logger attrs")
	l.InfoContext(ctx, "inline group in the record", slog.Group("", slog.String("trace_id", "inline")))

	got := out.decode(t) // fails on any duplicate key
	require.Len(t, got, 8)
	for _, m := range got[:2] {
		assert.Equal(t, "from-record", m["request_id"])
		assert.Equal(t, testRequestID, m["!request_id"], "the context's copy is kept under another key")
		assert.Equal(t, testTraceID, m["trace_id"])
	}
	got = got[1:]
	assert.Equal(t, "from-logger", got[1]["trace_id"])
	assert.Equal(t, testTraceID, got[1]["!trace_id"])
	assert.Equal(t, testRequestID, got[1]["request_id"])
	assert.Equal(t, testRequestID, got[2]["request_id"], "the handler's request_id comes first")
	assert.Equal(t, "from-context", got[2]["!request_id"])
	assert.Equal(t, testTraceID, got[2]["trace_id"])
	assert.Equal(t, "b", got[3]["tenant"])
	assert.Equal(t, "record", got[4]["tenant"])
	assert.Equal(t, "ctx", got[4]["!tenant"])
	assert.Equal(t, "inline", got[5]["span_id"])
	assert.Equal(t, "inline", got[6]["trace_id"])
	assert.Equal(t, testSpanID, got[6]["span_id"])
}

func TestWithArguments(t *testing.T) {
	var out lines
	l := newLogger(&out)
	ctx := vlog.With(context.Background(), "a", 1, slog.String("b", "two"), "dangling")
	assert.Equal(t, ctx, vlog.With(ctx), "no arguments: the same context")
	l.InfoContext(ctx, "m")
	m := out.decode(t)[0]
	assert.Equal(t, 1.0, m["a"])
	assert.Equal(t, "two", m["b"])
	assert.Equal(t, "dangling", m["!BADKEY"])
	assert.NotContains(t, m, "request_id")
}

// TestHandlerConcurrentRequests logs from many goroutines, each with its own
// request ID and span, far more than the handler's cache holds, and checks
// that every line carries its own request's fields.
func TestHandlerConcurrentRequests(t *testing.T) {
	var out lines
	l := newLogger(&out)
	const workers, requests, perRequest = 4, 300, 2
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for r := range requests {
				id := reqid.New()
				sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1, byte(w), byte(r)}, SpanID: trace.SpanID{2, byte(w), byte(r)}})
				ctx := vlog.With(trace.ContextWithSpanContext(reqid.With(context.Background(), id), sc), "worker", w)
				for i := range perRequest {
					l.InfoContext(ctx, id, "i", i, "span", sc.SpanID().String())
				}
			}
		})
	}
	wg.Wait()
	got := out.decode(t)
	require.Len(t, got, workers*requests*perRequest)
	var wrong int
	for _, m := range got {
		if m["msg"] != m["request_id"] || m["span"] != m["span_id"] {
			wrong++
		}
	}
	assert.Zero(t, wrong, "lines carrying another request's fields")
}

func TestHandlerSteadyStateAllocations(t *testing.T) {
	skipUnderRace(t)
	l := slog.New(vlog.NewHandler(slog.NewJSONHandler(io.Discard, nil), nil))
	ctx := vlog.With(requestContext(), "route", "/v1/orders")
	logFour(ctx, l)
	logFour(ctx, l)
	assert.Zero(t, testing.AllocsPerRun(100, func() { logFour(ctx, l) }))
}

func TestHandlerEnabled(t *testing.T) {
	var out lines
	l := slog.New(vlog.NewHandler(slog.NewJSONHandler(&out, &slog.HandlerOptions{Level: slog.LevelWarn}), nil))
	assert.False(t, l.Enabled(context.Background(), slog.LevelInfo))
	assert.True(t, l.WithGroup("g").With("a", 1).Enabled(context.Background(), slog.LevelError))
	l.Info("dropped")
	assert.Empty(t, out.decode(t))
}

func TestSlogtest(t *testing.T) {
	for _, tc := range []struct {
		name string
		ctx  context.Context
	}{
		{"bare context", context.Background()},
		{"request context", vlog.With(requestContext(), "tenant", "acme")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out lines
			h := vlog.NewHandler(slog.NewJSONHandler(&out, nil), nil)
			// slogtest logs with context.Background(); carry tc.ctx in.
			err := slogtest.TestHandler(ctxHandler{h, tc.ctx}, func() []map[string]any { return out.decode(t) })
			require.NoError(t, err)
		})
	}
}

// ctxHandler replaces the context of every record with ctx.
type ctxHandler struct {
	slog.Handler
	ctx context.Context
}

func (h ctxHandler) Handle(_ context.Context, r slog.Record) error { return h.Handler.Handle(h.ctx, r) }
func (h ctxHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return ctxHandler{h.Handler.WithAttrs(as), h.ctx}
}
func (h ctxHandler) WithGroup(name string) slog.Handler {
	return ctxHandler{h.Handler.WithGroup(name), h.ctx}
}

func ExampleNewHandler() {
	h := vlog.NewHandler(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: dropTime}),
		&vlog.HandlerOptions{OmitProcess: true})
	logger := slog.New(h)

	ctx := reqid.With(context.Background(), "checkout-7f3a")
	ctx = vlog.With(ctx, "tenant", "acme")
	logger.WithGroup("order").InfoContext(ctx, "order placed", "items", 3)
	// Output:
	// {"level":"INFO","msg":"order placed","request_id":"checkout-7f3a","tenant":"acme","order":{"items":3}}
}

func dropTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

func ExampleWith() {
	logger := slog.New(vlog.NewHandler(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: dropTime}),
		&vlog.HandlerOptions{OmitProcess: true}))

	// Middleware attaches request-scoped fields once...
	ctx := vlog.With(context.Background(), "method", "POST", "route", "/v1/orders")
	// ...and every record logged with the context carries them.
	logger.InfoContext(ctx, "charged card", "amount_cents", 12999)
	// Output:
	// {"level":"INFO","msg":"charged card","method":"POST","route":"/v1/orders","amount_cents":12999}
}

func ExampleWithAttrs() {
	logger := slog.New(vlog.NewHandler(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: dropTime}),
		&vlog.HandlerOptions{OmitProcess: true}))

	// One allocation for the new context, whatever the values' types.
	ctx := vlog.WithAttrs(context.Background(), slog.String("method", "POST"), slog.String("route", "/v1/orders"))
	logger.InfoContext(ctx, "charged card", "amount_cents", 12999)
	// Output:
	// {"level":"INFO","msg":"charged card","method":"POST","route":"/v1/orders","amount_cents":12999}
}
