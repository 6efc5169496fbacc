// Package graphite_test keeps the dashboards of examples/graphite and the
// metrics table of docs/metrics.md honest: every dashboard target must read a
// metric of the table, through the statsd series of its type, and the table
// must list exactly the metrics the code emits.
package graphite_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/vitals-go/vitals/alert"
	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/internal/testclock"
	"github.com/vitals-go/vitals/middleware"
	"github.com/vitals-go/vitals/middleware/grpcmw"
	"github.com/vitals-go/vitals/retry"
	"github.com/vitals-go/vitals/stats"
	"github.com/vitals-go/vitals/stats/statstest"
)

const metricsDoc = "../../docs/metrics.md"

// documented returns the rows of the metrics table, by name.
func documented(t *testing.T) map[string]string {
	t.Helper()
	text, err := os.ReadFile(metricsDoc)
	require.NoError(t, err)
	row := regexp.MustCompile("^\\| `([^`]+)` \\| (counter|gauge|timer|set) \\|")
	rows := map[string]string{}
	for _, line := range strings.Split(string(text), "\n") {
		if m := row.FindStringSubmatch(line); m != nil {
			require.NotContains(t, rows, m[1], "%s lists %s twice", metricsDoc, m[1])
			rows[m[1]] = m[2]
		}
	}
	require.NotEmpty(t, rows, "no `name` | type rows in %s", metricsDoc)
	return rows
}

// statsdKinds maps the statsd Graphite backend's namespace of each type to
// the type and the series it writes below a name ("" for the name itself).
var statsdKinds = map[string]struct {
	typ      string
	suffixes []string
}{
	"counters": {"counter", []string{"count", "rate"}},
	"timers": {"timer", []string{"mean", "upper", "lower", "median", "count", "count_ps", "sum", "std",
		"sum_squares", "upper_90", "mean_90", "count_90", "sum_90", "sum_squares_90"}},
	"gauges": {"gauge", []string{""}},
	"sets":   {"set", []string{"count"}},
}

// reference is a metric a target reads: a name (which may hold globs) of a
// type, and the statsd series below it.
type reference struct{ typ, name, suffix string }

// references returns the metrics target reads, written with prefix.
func references(t *testing.T, target, prefix string) []reference {
	t.Helper()
	re := regexp.MustCompile(`stats\.(counters|timers|gauges|sets)\.` + regexp.QuoteMeta(prefix) + `\.([A-Za-z0-9_*.-]+)`)
	var refs []reference
	for _, m := range re.FindAllStringSubmatch(target, -1) {
		kind := statsdKinds[m[1]]
		name, suffix := m[2], ""
		if kind.suffixes[0] != "" {
			i := strings.LastIndexByte(name, '.')
			require.Positive(t, i, "%q: %s series need a suffix (%v)", target, m[1], kind.suffixes)
			name, suffix = name[:i], name[i+1:]
		}
		assert.Contains(t, kind.suffixes, suffix, "%q: statsd writes no %s series .%s", target, m[1], suffix)
		refs = append(refs, reference{typ: kind.typ, name: name, suffix: suffix})
	}
	return refs
}

// matches reports whether a referenced name (segments may be globs) can be
// the documented one (a <placeholder> segment stands for any name).
func matches(ref, doc string) bool {
	r, d := strings.Split(ref, "."), strings.Split(doc, ".")
	if len(r) != len(d) {
		return false
	}
	for i := range r {
		if strings.HasPrefix(d[i], "<") {
			continue
		}
		if ok, err := path.Match(r[i], d[i]); err != nil || !ok {
			return false
		}
	}
	return true
}

// checkTargets checks that each target reads at least one metric, that
// every metric it reads is documented with that type, that every documented
// metric is read by some target, and that aliasByNode labels do not depend
// on the prefix.
func checkTargets(t *testing.T, where string, targets []string, prefix string) {
	t.Helper()
	docs := documented(t)
	t.Run("every documented metric has a panel", func(t *testing.T) {
		var refs []reference
		for _, target := range targets {
			refs = append(refs, references(t, target, prefix)...)
		}
		for name, typ := range docs {
			assert.True(t, slices.ContainsFunc(refs, func(r reference) bool { return r.typ == typ && matches(r.name, name) }),
				"%s: no target reads the %s %s", where, typ, name)
		}
	})
	t.Run("aliasByNode labels do not depend on the prefix", func(t *testing.T) {
		for _, target := range targets {
			checkAliasByNode(t, where, target, prefix)
		}
	})
	require.NotEmpty(t, targets, "%s: no targets", where)
	for _, target := range targets {
		refs := references(t, target, prefix)
		assert.NotEmpty(t, refs, "%s: target %q reads no stats.<type>.%s.<metric> series", where, target, prefix)
		for _, ref := range refs {
			var found []string
			for name, typ := range docs {
				if typ == ref.typ && matches(ref.name, name) {
					found = append(found, name)
				}
			}
			assert.NotEmpty(t, found, "%s: target %q reads the %s %s, which %s does not list", where, target, ref.typ, ref.name, metricsDoc)
		}
	}
}

func TestGraphiteWebDashboard(t *testing.T) {
	raw, err := os.ReadFile("graphite-web-dashboard.json")
	require.NoError(t, err)
	// The state that graphite-web's /dashboard/save/<name> stores and
	// /dashboard/load/<name> returns (dashboard.js getState/applyState).
	var state struct {
		Name               string
		TimeConfig         map[string]any
		RefreshConfig      map[string]any
		GraphSize          struct{ Width, Height int }
		DefaultGraphParams map[string]any
		Graphs             [][]json.RawMessage
	}
	require.NoError(t, json.Unmarshal(raw, &state))
	assert.NotEmpty(t, state.Name)
	assert.Equal(t, "relative", state.TimeConfig["type"])
	assert.Contains(t, state.RefreshConfig, "enabled")
	assert.Positive(t, state.GraphSize.Width)
	assert.Positive(t, state.GraphSize.Height)
	require.NotEmpty(t, state.Graphs)
	var targets []string
	for i, g := range state.Graphs {
		// [target string, render parameters, render URL]
		require.Len(t, g, 3, "graph %d", i)
		var params struct {
			Title  string
			Target []string
		}
		require.NoError(t, json.Unmarshal(g[1], &params), "graph %d", i)
		assert.NotEmpty(t, params.Title, "graph %d has no title", i)
		require.NotEmpty(t, params.Target, "graph %d has no target", i)
		targets = append(targets, params.Target...)
	}
	checkTargets(t, "graphite-web-dashboard.json", targets, "orders")
}

func TestGrafanaDashboard(t *testing.T) {
	raw, err := os.ReadFile("grafana-dashboard.json")
	require.NoError(t, err)
	var dash struct {
		Title      string
		UID        string
		Templating struct {
			List []struct{ Name, Type, Query string }
		}
		Panels []struct {
			ID         int
			Type       string
			Title      string
			Datasource struct{ Type, UID string }
			Targets    []struct{ RefID, Target string }
		}
	}
	require.NoError(t, json.Unmarshal(raw, &dash))
	assert.NotEmpty(t, dash.Title)
	assert.NotEmpty(t, dash.UID)
	vars := map[string]string{}
	for _, v := range dash.Templating.List {
		vars[v.Name] = v.Type + ":" + v.Query
	}
	assert.Equal(t, "datasource:graphite", vars["datasource"])
	assert.Equal(t, "textbox:orders", vars["prefix"], "the prefix variable defaults to the demo's")
	require.NotEmpty(t, dash.Panels)
	ids := map[int]bool{}
	var targets []string
	for _, p := range dash.Panels {
		assert.False(t, ids[p.ID], "panel id %d twice", p.ID)
		ids[p.ID] = true
		assert.NotEmpty(t, p.Title, "panel %d", p.ID)
		if p.Type == "row" {
			continue // a heading for the panels below it, with no query
		}
		assert.Equal(t, "graphite", p.Datasource.Type, "panel %q", p.Title)
		assert.Equal(t, "${datasource}", p.Datasource.UID, "panel %q", p.Title)
		require.NotEmpty(t, p.Targets, "panel %q", p.Title)
		for _, q := range p.Targets {
			assert.NotEmpty(t, q.RefID, "panel %q", p.Title)
			targets = append(targets, q.Target)
		}
	}
	checkTargets(t, "grafana-dashboard.json", targets, "$prefix")
}

// TestMetricsTableMatchesCode drives each emitting package into an in-memory
// recorder (or a capturing statsd sender): an HTTP request served and one
// sent, a gRPC call served and one sent, a breaker call, retries. It checks
// that docs/metrics.md lists exactly the names and types that come out, so
// that with the dashboard tests every panel reads a series the code emits.
func TestMetricsTableMatchesCode(t *testing.T) {
	emitted := map[string]string{}
	add := func(name, typ string) {
		// The instance name "probe" stands for <name> in the table; an
		// alert sink's breaker, alert_probe, is one of breaker.<name>.
		name = strings.ReplaceAll("."+name+".", ".probe.", ".<name>.")
		name = strings.Replace(name, ".breaker.alert_probe.", ".breaker.<name>.", 1)
		emitted[strings.Trim(name, ".")] = typ
	}
	rec := statstest.New()
	quiet := slog.New(slog.DiscardHandler)
	ctx := context.Background()
	runMiddleware(t, rec, quiet)

	driveBreaker(t, rec, quiet)

	p := retry.Policy{Name: "probe", Attempts: 2, Base: time.Millisecond, Cap: time.Millisecond, Stats: rec, Logger: quiet}
	transient := errctx.New("probing", errctx.WithClass(errctx.Transient))
	failures := 1
	require.NoError(t, retry.Do(ctx, p, func(context.Context) error {
		if failures > 0 {
			failures--
			return transient
		}
		return nil
	}))
	require.Error(t, retry.Do(ctx, p, func(context.Context) error { return transient }))
	permanent := errctx.New("probing", errctx.WithClass(errctx.Permanent))
	fails := []error{transient, permanent}
	require.Error(t, retry.Do(ctx, p, func(context.Context) error {
		err := fails[0]
		fails = fails[1:]
		return err
	}))
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	require.Error(t, retry.Do(canceled, p, func(context.Context) error { return nil }))
	p.Classify = func(error) errctx.Class { panic("a classifier bug") }
	require.Error(t, retry.Do(ctx, p, func(context.Context) error { return transient }))

	clock := testclock.New(time.Unix(1_700_000_000, 0))
	n, err := alert.New(alert.Config{Sinks: []alert.Sink{probeSink{}}, Emitter: rec, Logger: quiet, Clock: clock})
	require.NoError(t, err)
	n.Notify(ctx, alert.Alert{Summary: "probing"})
	driveCheck(t, n, rec, clock)
	require.NoError(t, n.Close(ctx))

	for _, series := range rec.Series() {
		name, tagged, _ := strings.Cut(series, ";")
		var tags []stats.Tag
		for kv := range strings.SplitSeq(tagged, ";") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				tags = append(tags, stats.T(k, v)) // wire forms read back as themselves
			}
		}
		switch {
		case len(rec.Timings(name, tags...)) > 0:
			add(name, "timer")
		case func() bool { _, ok := rec.GaugeValue(name, tags...); return ok }():
			add(name, "gauge")
		default:
			add(name, "counter")
		}
	}

	for name, typ := range selfStats(t) {
		add(name, typ)
	}

	docs := documented(t)
	// What only the command emits is checked against the table by its own
	// test (cmd/vitals' TestCheckStatsMatchTheMetricsTable): a main
	// package cannot be driven from here.
	for _, name := range emittedOnlyBy(t, "cmd/vitals") {
		delete(docs, name)
	}
	assert.Equal(t, sorted(emitted), sorted(docs), "left: what the code emits; right: what %s lists", metricsDoc)
}

// emittedOnlyBy returns the metrics of the table whose package column is
// pkg alone.
func emittedOnlyBy(t *testing.T, pkg string) []string {
	t.Helper()
	text, err := os.ReadFile(metricsDoc)
	require.NoError(t, err)
	row := regexp.MustCompile("^\\| `([^`]+)` \\| (?:counter|gauge|timer|set) \\|[^|]*\\|[^|]*\\| ([^|]*) \\|")
	var names []string
	for _, line := range strings.Split(string(text), "\n") {
		if m := row.FindStringSubmatch(line); m != nil && m[2] == pkg {
			names = append(names, m[1])
		}
	}
	return names
}

// driveCheck runs an invariant check named probe through every outcome,
// on the fake clock that n runs on: a run that holds, one that fails, one
// that panics, and one that outlasts its (real) timeout while a tick finds
// it still going and is skipped.
func driveCheck(t *testing.T, n *alert.Notifier, rec *statstest.Recorder, clock *testclock.Clock) {
	t.Helper()
	const every = time.Minute
	var step atomic.Value // what the next run does
	step.Store("hold")
	started := make(chan struct{}, 1)
	release := make(chan struct{}) // ends the run that outlasts its timeout
	stop, err := n.CheckWith(alert.CheckConfig{Name: "probe", Every: every, Timeout: 500 * time.Millisecond,
		Run: func(ctx context.Context) error {
			started <- struct{}{}
			switch step.Load() {
			case "fail":
				return errors.New("the invariant does not hold")
			case "panic":
				panic("a check bug")
			case "block":
				// Ignoring ctx: a run that returned as its time ran out
				// would count as failed, not as a timeout.
				<-release
			}
			return nil
		}})
	require.NoError(t, err)
	defer stop()
	defer close(release) // before stop, which waits for the run
	// next makes the next run do what, and waits for it to start: a tick
	// that finds the previous run still reporting is skipped, so it moves
	// the clock until one starts.
	next := func(what string) {
		step.Store(what)
		deadline := time.Now().Add(10 * time.Second)
		for {
			clock.Advance(every)
			select {
			case <-started:
				return
			case <-time.After(20 * time.Millisecond):
			}
			require.True(t, time.Now().Before(deadline), "no run of the check started for %s", what)
		}
	}
	<-started // the first run, at once
	waitUntil(t, "the first run is counted", func() bool { return rec.NewCounter("check.probe.runs").Value() > 0 })
	for _, step := range []struct{ what, counter string }{{"fail", "failed"}, {"panic", "panics"}, {"block", "timeouts"}} {
		next(step.what)
		if step.what == "block" {
			clock.Advance(every) // a tick while the run is going: skipped
		}
		waitUntil(t, step.what+" is counted", func() bool { return rec.NewCounter("check.probe."+step.counter).Value() > 0 })
	}
	require.Positive(t, rec.NewCounter("check.probe.skipped").Value())
}

// waitUntil polls cond every 5 ms for up to 10 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	require.Eventually(t, cond, 10*time.Second, 5*time.Millisecond, "timed out waiting: %s", what)
}

// runMiddleware serves and sends one HTTP request and one gRPC call through
// vitals' middleware, recording their stats in rec.
func runMiddleware(t *testing.T, rec *statstest.Recorder, quiet *slog.Logger) {
	t.Helper()
	ctx := context.Background()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /probe", func(http.ResponseWriter, *http.Request) {})
	h, err := middleware.New(mux, middleware.ServerConfig{AccessLog: middleware.AccessLogConfig{Logger: quiet}, Stats: middleware.StatsConfig{Emitter: rec}})
	require.NoError(t, err)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/probe", nil))

	ok := roundTripper(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Request: r}, nil
	})
	tr, err := middleware.NewTransport(ok, middleware.ClientConfig{Stats: rec, Logger: quiet})
	require.NoError(t, err)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://probe/probe", nil)
	require.NoError(t, err)
	resp, err := tr.RoundTrip(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())

	srv, err := grpcmw.NewServerInterceptor(grpcmw.ServerConfig{Stats: rec, Logger: quiet})
	require.NoError(t, err)
	_, err = srv.Unary(ctx, nil, &grpc.UnaryServerInfo{FullMethod: "/vitals.Probe/Get"},
		func(context.Context, any) (any, error) { return nil, nil })
	require.NoError(t, err)

	cli, err := grpcmw.NewClientInterceptor(grpcmw.ClientConfig{TargetName: "probe", Stats: rec, Logger: quiet})
	require.NoError(t, err)
	cc, err := grpc.NewClient("passthrough:///probe", grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { cc.Close() })
	require.NoError(t, cli.Unary(ctx, "/vitals.Probe/Get", nil, nil, cc,
		func(context.Context, string, any, any, *grpc.ClientConn, ...grpc.CallOption) error { return nil }))
}

// roundTripper is an http.RoundTripper made of a function.
// probeSink is an alert sink named probe that accepts every event.
type probeSink struct{}

func (probeSink) Name() string                            { return "probe" }
func (probeSink) Send(context.Context, alert.Event) error { return nil }

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// selfStats returns the emitter's own totals: it makes the first packet
// fail and a stat be dropped, and reads the report lines of later packets.
func selfStats(t *testing.T) map[string]string {
	t.Helper()
	snd := &failOnceSender{}
	s, err := stats.NewStatsd(stats.Config{Sender: snd, FlushInterval: 5 * time.Millisecond})
	require.NoError(t, err)
	s.Count("first", 1)
	s.Gauge("not_a_number", math.NaN())
	got := map[string]string{}
	deadline := time.Now().Add(10 * time.Second)
	for len(got) < 2 && time.Now().Before(deadline) {
		for _, line := range strings.Split(snd.text(), "\n") {
			name, rest, ok := strings.Cut(line, ":")
			if ok && strings.HasPrefix(name, "vitals.") {
				require.True(t, strings.HasSuffix(rest, "|g"), "%q is not a gauge", line)
				got[name] = "gauge"
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	require.NoError(t, s.Close())
	require.Len(t, got, 2, "the emitter did not report both its drops and its send errors: %q", snd.text())
	return got
}

// failOnceSender fails its first Send and keeps what it is sent afterwards.
type failOnceSender struct {
	mu    sync.Mutex
	sends int
	buf   bytes.Buffer
}

func (f *failOnceSender) Send(data []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sends++
	if f.sends == 1 {
		return 0, errors.New("the first packet fails on purpose")
	}
	f.buf.Write(data)
	f.buf.WriteByte('\n')
	return len(data), nil
}

func (f *failOnceSender) Close() error { return nil }

func (f *failOnceSender) text() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.buf.String()
}

// sorted returns "name type" lines, for a readable diff.
func sorted(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for name, typ := range m {
		out = append(out, fmt.Sprintf("%s %s", name, typ))
	}
	sort.Strings(out)
	return out
}

// checkAliasByNode checks every aliasByNode call of target: with the
// undotted prefix "orders" and the dotted "prod.orders", each call labels a
// series with the same nodes, and the label holds every wildcard of the path,
// so that distinct series get distinct labels. Graphite counts negative
// nodes from the end, as Python indexes.
func checkAliasByNode(t *testing.T, where, target, prefix string) {
	t.Helper()
	for rest := target; ; {
		i := strings.Index(rest, "aliasByNode(")
		if i < 0 {
			return
		}
		args, after := callArgs(rest[i+len("aliasByNode("):])
		rest = after
		path := regexp.MustCompile(`stats\.[A-Za-z0-9_*.$-]+`).FindString(args[0])
		require.NotEmpty(t, path, "%s: %q: aliasByNode of no stats path", where, target)
		var labels [][]string
		for _, p := range []string{"orders", "prod.orders"} {
			segs := strings.Split(strings.Replace(path, "."+prefix+".", "."+p+".", 1), ".")
			wild := 0
			for k, seg := range segs {
				if seg == "*" {
					segs[k] = "w" + strconv.Itoa(wild)
					wild++
				}
			}
			var label []string
			for _, a := range args[1:] {
				n, err := strconv.Atoi(strings.TrimSpace(a))
				require.NoError(t, err, "%s: %q: node %q", where, target, a)
				if n < 0 {
					n += len(segs)
				}
				require.True(t, n >= 0 && n < len(segs), "%s: %q: node %s outside %v", where, target, a, segs)
				label = append(label, segs[n])
			}
			for w := range wild {
				assert.Contains(t, label, "w"+strconv.Itoa(w), "%s: %q with prefix %q: label %v leaves out a wildcard of %v", where, target, p, label, segs)
			}
			labels = append(labels, label)
		}
		assert.Equal(t, labels[0], labels[1], "%s: %q: the label depends on the prefix (orders, prod.orders)", where, target)
	}
}

// callArgs splits the arguments of a call whose text starts just after its
// '(' at their top-level commas, and returns the text after its ')'.
func callArgs(s string) (args []string, after string) {
	depth, start, quote := 0, 0, byte(0)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '(':
			depth++
		case c == ',' && depth == 0:
			args = append(args, s[start:i])
			start = i + 1
		case c == ')':
			if depth == 0 {
				return append(args, s[start:i]), s[i+1:]
			}
			depth--
		}
	}
	return append(args, s[start:]), ""
}

// driveBreaker takes a breaker through every outcome and transition, since
// a breaker makes each counter but calls.success at its first count: a
// success, a slow call, an ignored call, a classifier that panics, a call
// that panics, a failure that trips it, a rejection, the probe that closes
// it, and ForceOpen, Disable and Reset.
func driveBreaker(t *testing.T, rec stats.Emitter, quiet *slog.Logger) {
	ctx := context.Background()
	clock := testclock.New(time.Unix(1_700_000_000, 0))
	b, err := breaker.New(breaker.Config{Name: "probe", Stats: rec, Logger: quiet, TimeCalls: true, Clock: clock,
		ConsecutiveFailures: 1, SlowCallRate: 0.99, SlowCallDuration: time.Second, WindowSize: 100, OpenDuration: time.Minute})
	require.NoError(t, err)
	ok := func(context.Context) error { return nil }
	require.NoError(t, b.Run(ctx, ok))
	require.NoError(t, b.Run(ctx, func(context.Context) error { clock.Advance(2 * time.Second); return nil }))
	ignore := func(struct{}, error) breaker.Outcome { return breaker.Ignore }
	_, err = breaker.DoClassified(ctx, b, func(context.Context) (struct{}, error) { return struct{}{}, nil }, ignore)
	require.NoError(t, err)
	buggy := func(struct{}, error) breaker.Outcome { panic("a classifier bug") }
	_, _ = breaker.DoClassified(ctx, b, func(context.Context) (struct{}, error) { return struct{}{}, nil }, buggy)
	require.Panics(t, func() { _ = b.Run(ctx, func(context.Context) error { panic("a call bug") }) })
	b.Reset()
	require.Error(t, b.Run(ctx, func(context.Context) error { return errctx.New("probing", errctx.WithClass(errctx.Transient)) }))
	require.Equal(t, breaker.Open, b.State())
	require.ErrorIs(t, b.Run(ctx, ok), breaker.ErrOpen)
	clock.Advance(time.Hour)
	require.NoError(t, b.Run(ctx, ok))
	require.Equal(t, breaker.Closed, b.State())
	b.ForceOpen("probing")
	b.Disable()
	b.Reset()
}
