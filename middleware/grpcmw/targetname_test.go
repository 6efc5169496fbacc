package grpcmw_test

import (
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/internal/logtest"
	"github.com/vitals-go/vitals/middleware/grpcmw"
	"github.com/vitals-go/vitals/reqid"
	"github.com/vitals-go/vitals/stats"
	"github.com/vitals-go/vitals/stats/statstest"
)

// outcomes collects what ClientConfig.Level is shown.
type outcomes struct {
	mu   sync.Mutex
	seen []grpcmw.ClientOutcome
}

func (o *outcomes) level(out grpcmw.ClientOutcome) slog.Level {
	o.mu.Lock()
	o.seen = append(o.seen, out)
	o.mu.Unlock()
	return grpcmw.DefaultClientLevel(out)
}

func (o *outcomes) all() []grpcmw.ClientOutcome {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]grpcmw.ClientOutcome(nil), o.seen...)
}

// TestClientTargetName: against a real server on 127.0.0.1:0, the short
// name replaces the dial target in the stats tag, the breaker's name and
// series, the record's target, ClientOutcome.Target and the errors; the
// dial target stays in the record (dial_target), ClientOutcome.DialTarget,
// the errors' fields and the remedy of Unavailable.
func TestClientTargetName(t *testing.T) {
	var sink logSink
	var seen outcomes
	rec := statstest.New()
	addr := plainServer(t)
	var asked []string
	cli := newClient(t, grpcmw.ClientConfig{TargetName: "payments", Logger: sink.logger(), Stats: rec, Level: seen.level,
		BreakerConfig: func(name string) breaker.Config {
			asked = append(asked, name) // built once, by NewClientInterceptor
			return breaker.Config{ConsecutiveFailures: 1, OpenDuration: time.Hour}
		}})
	assert.Equal(t, []string{"payments"}, asked, "BreakerConfig is asked for the name, once, at construction")
	cc := dial(t, addr, cli.DialOptions()...)

	// An answer.
	ctx := reqid.With(t.Context(), "named-ok")
	_, err := callUnary(ctx, cc, "ok")
	require.NoError(t, err)
	r := sink.waitRecords(t, "outbound request", 1)[0]
	assert.Equal(t, "payments", r["target"])
	assert.Equal(t, addr, r["dial_target"], "the operator still sees where the call went")
	assert.Equal(t, "OK", r["code"])

	tags := []stats.Tag{stats.T("target", "payments"), stats.T("method", methodUnary), stats.T("code", "OK")}
	assert.Equal(t, int64(1), rec.Counted(grpcmw.StatClientRequests, tags...), rec.Series())
	assert.Len(t, rec.Timings(grpcmw.StatClientDuration, tags...), 1)
	for _, s := range rec.Series() {
		assert.NotContains(t, s, "127.0.0.1", "no series names the dial target")
		assert.NotContains(t, s, "127_0_0_1", "no series names the dial target")
	}

	// The breaker is named after it, whatever target Breaker is given.
	b := cli.Breaker("payments", "")
	require.NotNil(t, b)
	assert.Equal(t, "payments", b.Name())
	assert.Same(t, b, cli.Breaker(addr, ""), "every connection is the one target")
	assert.Same(t, b, cli.Breaker("", methodCount))
	assert.Contains(t, rec.Series(), "breaker.payments.state", "the breaker's series are breaker.payments.*")
	assert.Contains(t, rec.Series(), "breaker.payments.calls.success")

	// A failure: the error names the target and carries the dial target.
	_, err = callUnary(reqid.With(t.Context(), "named-fail"), cc, "code:Unavailable")
	require.Equal(t, codes.Unavailable, status.Code(err))
	assert.Equal(t, []string{"call " + methodUnary + " at payments"}, errctx.AttemptedOf(err))
	assert.Contains(t, errctx.FieldsOf(err), slog.String("dial_target", addr))
	require.NotEmpty(t, errctx.RemediesOf(err))
	assert.Contains(t, errctx.RemediesOf(err)[0], "could not reach payments at "+addr)
	assert.Equal(t, "call "+methodUnary+" at payments: rpc error: code = Unavailable desc = the test asked for code:Unavailable", err.Error())
	assert.Equal(t, breaker.Open, b.State(), "ConsecutiveFailures: 1")

	// A rejection by the open breaker.
	_, err = callUnary(reqid.With(t.Context(), "named-rejected"), cc, "ok")
	require.ErrorIs(t, err, breaker.ErrOpen)
	assert.Equal(t, []string{"call " + methodUnary + " at payments", "calling payments"}, errctx.AttemptedOf(err),
		"the breaker's own layer names it too")
	assert.Contains(t, errctx.FieldsOf(err), slog.String("dial_target", addr))
	assert.Equal(t, int64(1), rec.Counted(grpcmw.StatClientRequests, stats.T("target", "payments"), stats.T("method", methodUnary), stats.T("code", grpcmw.CodeRejected)), rec.Series())

	recs := sink.waitRecords(t, "outbound request", 3)
	failed := logtest.One(t, recs, logtest.Field("request_id", "named-fail"), "failed call")
	assert.Equal(t, "payments", failed["target"])
	assert.Equal(t, addr, failed["dial_target"])
	assert.Equal(t, "call "+methodUnary+" at payments", failed["attempted"])
	assert.Contains(t, failed["remedy"], "could not reach payments at "+addr)
	rejected := logtest.One(t, recs, logtest.Field("request_id", "named-rejected"), "rejected call")
	assert.Equal(t, grpcmw.CodeRejected, rejected["code"])
	assert.Equal(t, "payments", rejected["target"])
	assert.Equal(t, addr, rejected["dial_target"])
	assert.Equal(t, "call "+methodUnary+" at payments", rejected["attempted"])

	// The breaker's own transition record and the Level function see it
	// too.
	opened := sink.waitRecords(t, "breaker opened", 1)[0]
	assert.Equal(t, "payments", opened["breaker"])
	got := seen.all()
	require.Len(t, got, 3)
	for _, o := range got {
		assert.Equal(t, "payments", o.Target)
		assert.Equal(t, addr, o.DialTarget)
	}
}

// TestClientTargetNameStream: a stream's record carries both names too.
func TestClientTargetNameStream(t *testing.T) {
	var sink logSink
	rec := statstest.New()
	addr := plainServer(t)
	cli := newClient(t, grpcmw.ClientConfig{TargetName: "ledger", Logger: sink.logger(), Stats: rec})
	cc := dial(t, addr, cli.DialOptions()...)

	cs, err := cc.NewStream(t.Context(), countDesc, methodCount)
	require.NoError(t, err)
	require.NoError(t, cs.SendMsg(wrapperspb.String("code:Internal")))
	require.NoError(t, cs.CloseSend())
	require.NoError(t, cs.RecvMsg(new(wrapperspb.StringValue)))
	err = cs.RecvMsg(new(wrapperspb.StringValue))
	require.Equal(t, codes.Internal, status.Code(err))
	assert.Equal(t, []string{"call " + methodCount + " at ledger"}, errctx.AttemptedOf(err))
	assert.Contains(t, errctx.FieldsOf(err), slog.String("dial_target", addr))

	r := sink.waitRecords(t, "outbound request", 1)[0]
	assert.Equal(t, true, r["stream"])
	assert.Equal(t, "ledger", r["target"])
	assert.Equal(t, addr, r["dial_target"])
	assert.Equal(t, int64(1), rec.Counted(grpcmw.StatClientRequests, stats.T("target", "ledger"), stats.T("method", methodCount), stats.T("code", "Internal")), rec.Series())
}

// TestClientTargetNamePerMethod: under PerMethod each method's breaker is
// "<name>/<full method>", which BreakerConfig is asked for and whose series
// is one Graphite segment.
func TestClientTargetNamePerMethod(t *testing.T) {
	rec := statstest.New()
	addr := plainServer(t)
	var mu sync.Mutex
	var asked []string
	cli := newClient(t, grpcmw.ClientConfig{TargetName: "payments", Breaker: grpcmw.PerMethod,
		Logger: slog.New(slog.DiscardHandler), Stats: rec,
		BreakerConfig: func(name string) breaker.Config {
			mu.Lock()
			asked = append(asked, name)
			mu.Unlock()
			return breaker.Config{}
		}})
	cc := dial(t, addr, cli.DialOptions()...)
	_, err := callUnary(t.Context(), cc, "ok")
	require.NoError(t, err)

	b := cli.Breaker(addr, methodUnary)
	require.NotNil(t, b)
	assert.Equal(t, "payments"+methodUnary, b.Name())
	assert.Equal(t, "payments/vitals.test.Echo/Unary", b.Name())
	assert.Same(t, b, cli.Breaker("payments", methodUnary))
	mu.Lock()
	assert.Equal(t, []string{"payments/vitals.test.Echo/Unary"}, asked)
	mu.Unlock()
	assert.Contains(t, rec.Series(), "breaker.payments_vitals_test_echo_unary.state", rec.Series())
}

// TestClientTargetNameSharedByConnections: every connection the interceptor
// is installed on is the one named target, with one breaker and one series;
// each record says which dial target it used.
func TestClientTargetNameSharedByConnections(t *testing.T) {
	var sink logSink
	rec := statstest.New()
	addr := plainServer(t)
	cli := newClient(t, grpcmw.ClientConfig{TargetName: "payments", Logger: sink.logger(), Stats: rec})
	direct := dial(t, addr, cli.DialOptions()...)
	passthrough := dial(t, "passthrough:///"+addr, cli.DialOptions()...)

	_, err := callUnary(reqid.With(t.Context(), "via-direct"), direct, "ok")
	require.NoError(t, err)
	_, err = callUnary(reqid.With(t.Context(), "via-passthrough"), passthrough, "ok")
	require.NoError(t, err)

	assert.Equal(t, int64(2), rec.Counted(grpcmw.StatClientRequests, stats.T("target", "payments"), stats.T("method", methodUnary), stats.T("code", "OK")), rec.Series())
	assert.Same(t, cli.Breaker(addr, ""), cli.Breaker("passthrough:///"+addr, ""))
	recs := sink.waitRecords(t, "outbound request", 2)
	assert.Equal(t, addr, logtest.One(t, recs, logtest.Field("request_id", "via-direct"), "direct")["dial_target"])
	assert.Equal(t, "passthrough:///"+addr, logtest.One(t, recs, logtest.Field("request_id", "via-passthrough"), "passthrough")["dial_target"])
}

// TestClientWithoutTargetName: the record's target is the dial target, and
// there is no dial_target repeating it.
func TestClientWithoutTargetName(t *testing.T) {
	var sink logSink
	var seen outcomes
	addr := plainServer(t)
	cli := newClient(t, grpcmw.ClientConfig{Logger: sink.logger(), Stats: stats.Discard, Level: seen.level})
	cc := dial(t, addr, cli.DialOptions()...)
	_, err := callUnary(t.Context(), cc, "code:NotFound")
	require.Error(t, err)
	assert.Empty(t, errctx.FieldsOf(err))

	r := sink.waitRecords(t, "outbound request", 1)[0]
	assert.Equal(t, addr, r["target"])
	assert.NotContains(t, r, "dial_target")
	got := seen.all()
	require.Len(t, got, 1)
	assert.Equal(t, addr, got[0].Target)
	assert.Equal(t, addr, got[0].DialTarget)
}

func TestClientTargetNameRefused(t *testing.T) {
	cases := map[string]struct {
		name string
		want string // in the error
	}{
		"upper case":           {"Payments", `"Payments" has 'P' at byte 0`},
		"dot":                  {"payments.internal", `"payments.internal" has '.' at byte 8`},
		"dial target":          {"dns:///payments:50051", `has ':' at byte 3`},
		"leading space":        {" payments", `" payments" has ' ' at byte 0`},
		"blank":                {"   ", `has ' ' at byte 0`},
		"inner space":          {"pay ments", `has ' ' at byte 3`},
		"graphite tag syntax":  {"a;b=c", `has ';' at byte 1`},
		"control character":    {"pay\nments", `"pay\nments" has '\n' at byte 3`},
		"NUL":                  {"pay\x00", `"pay\x00" has '\x00' at byte 3`},
		"non-ASCII":            {"café", `"caf\u00e9" has '\u00e9' at byte 3`},
		"bidi override":        {"pay\u202ements", `has '\u202e' at byte 3`},
		"invalid UTF-8":        {"pay\xff", `"pay\xff" has invalid UTF-8 "\xff" at byte 3`},
		"slash":                {"payments/eu", `has '/' at byte 8`},
		"longer than 64 bytes": {strings.Repeat("a", 65), `is longer than 64 bytes`},
		"a megabyte":           {strings.Repeat("a", 1<<20), `...`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := grpcmw.NewClientInterceptor(grpcmw.ClientConfig{TargetName: c.name})
			require.Error(t, err)
			msg := err.Error()
			assert.Contains(t, msg, "ClientConfig.TargetName")
			assert.Contains(t, msg, c.want)
			assert.Less(t, len(msg), 400, "the value is quoted cut short")
			assert.NotContains(t, msg, "\n", "the value is quoted, never raw")
			assert.NotContains(t, msg, "\x00")
			assert.Equal(t, errctx.Permanent, errctx.ClassOf(err))
			assert.Contains(t, errctx.FieldsOf(err), slog.String("field", "ClientConfig.TargetName"))
			require.NotEmpty(t, errctx.RemediesOf(err))
			assert.Contains(t, errctx.RemediesOf(err)[0], "a-z", "the remedy is about the characters")
		})
	}
	for _, ok := range []string{"payments", "payments-eu_2", "0", strings.Repeat("a", 64)} {
		_, err := grpcmw.NewClientInterceptor(grpcmw.ClientConfig{TargetName: ok, Stats: stats.Discard})
		assert.NoError(t, err, ok)
	}
}

// TestClientTargetNameBadBreakerConfig: with a name under PerTarget the
// breaker is built by NewClientInterceptor, so an invalid BreakerConfig is
// refused there rather than failing every call.
func TestClientTargetNameBadBreakerConfig(t *testing.T) {
	bad := func(string) breaker.Config { return breaker.Config{FailureRate: 2} }
	_, err := grpcmw.NewClientInterceptor(grpcmw.ClientConfig{TargetName: "payments", BreakerConfig: bad, Stats: stats.Discard})
	require.Error(t, err)
	assert.Contains(t, errctx.AttemptedOf(err), "build the breaker of payments")
	assert.Contains(t, errctx.RemediesOf(err), "fix the breaker.Config returned by ClientConfig.BreakerConfig")

	// Under PerMethod the breakers are made per method, on first use: the
	// call fails as without a name.
	addr := plainServer(t)
	cli := newClient(t, grpcmw.ClientConfig{TargetName: "payments", Breaker: grpcmw.PerMethod, BreakerConfig: bad,
		Logger: slog.New(slog.DiscardHandler), Stats: stats.Discard})
	_, err = callUnary(t.Context(), dial(t, addr, cli.DialOptions()...), "ok")
	assert.Equal(t, codes.Internal, status.Code(err))
	assert.Contains(t, errctx.AttemptedOf(err), "build the breaker of payments"+methodUnary)
}
