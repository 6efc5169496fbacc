package stats_test

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/stats"
)

// The real pipeline: vitals -> the statsd daemon (npm) -> carbon-cache ->
// whisper files, and graphite-web's render API, all on loopback, brought up by
// scripts/graphite. The test emits through stats.NewStatsd and reads the
// datapoints back, checking exact values.

const graphiteEnable = "scripts/graphite install && scripts/graphite start /tmp/vitals-graphite && " +
	`eval "$(scripts/graphite env /tmp/vitals-graphite)" && go test -run TestGraphitePipeline -v ./stats/`

// graphiteWait bounds every read-back poll: statsd flushes each second and
// carbon writes right after, so data normally lands in 1-3 s; the margin is for
// a loaded 2-core CI machine.
const graphiteWait = 30 * time.Second

// graphitePipeline is a running pipeline, as described by `scripts/graphite env`.
type graphitePipeline struct {
	statsdAddr string // VITALS_STATSD_ADDR
	whisperDir string // VITALS_GRAPHITE_WHISPER_DIR
	web        string // VITALS_GRAPHITE_WEB
}

// needGraphite returns the pipeline from the environment. Without it the test
// is skipped with the command that enables it, unless VITALS_REQUIRE_GRAPHITE=1
// (CI), which makes a missing pipeline a failure.
func needGraphite(t *testing.T) graphitePipeline {
	t.Helper()
	g := graphitePipeline{
		statsdAddr: os.Getenv("VITALS_STATSD_ADDR"),
		whisperDir: os.Getenv("VITALS_GRAPHITE_WHISPER_DIR"),
		web:        os.Getenv("VITALS_GRAPHITE_WEB"),
	}
	if g.statsdAddr == "" || g.whisperDir == "" || g.web == "" {
		msg := "the statsd -> carbon -> whisper pipeline is not configured " +
			"(VITALS_STATSD_ADDR, VITALS_GRAPHITE_WHISPER_DIR and VITALS_GRAPHITE_WEB are needed); " +
			"to run this test: " + graphiteEnable
		if os.Getenv("VITALS_REQUIRE_GRAPHITE") == "1" {
			t.Fatal("VITALS_REQUIRE_GRAPHITE=1 but " + msg)
		}
		t.Skip(msg)
	}
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(g.web + "/version/")
	require.NoError(t, err, "graphite-web at %s does not answer; is the pipeline up? %s", g.web, graphiteEnable)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusOK, resp.StatusCode, "graphite-web at %s", g.web)
	return g
}

// TestGraphitePipeline emits through stats.NewStatsd into the real statsd
// daemon and checks the exact values carbon stored: counters (by name and by
// handle) as stats.counters.<name>.count, gauges (absolute, deltas, handle) as
// their last value, timings as statsd's count/sum/mean/upper/lower in ms, sets
// as the unique count, Graphite- and DogStatsD-tagged series in carbon's
// tagged whisper files and through seriesByTag, and a sanitised name.
func TestGraphitePipeline(t *testing.T) {
	g := needGraphite(t)
	start := time.Now().Add(-2 * time.Second)
	// Whisper files outlive a test run: every run writes names of its own.
	run := fmt.Sprintf("vitals_it.r%d", start.UnixNano())

	s, err := stats.NewStatsd(stats.Config{Addr: g.statsdAddr, Prefix: run})
	require.NoError(t, err)

	for range 20 {
		s.Count("requests", 1)
	}
	s.Count("requests", 7)

	handled := s.NewCounter("handled")
	for range 10 {
		handled.Inc()
	}
	handled.Add(5)

	s.Gauge("depth", 3)
	s.Gauge("depth", 42.5)
	s.Gauge("level", 10)
	s.GaugeDelta("level", 5)
	s.GaugeDelta("level", -2.5)
	inflight := s.NewGauge("inflight")
	inflight.Set(4)
	inflight.Add(2)

	for _, d := range []time.Duration{1500 * time.Microsecond, 2500 * time.Microsecond, 10 * time.Millisecond, 250 * time.Millisecond} {
		s.Timing("latency", d)
	}

	for _, m := range []string{"ann", "bob", "ann", "cy", "bob"} {
		s.Set("users", m)
	}

	for range 4 {
		s.Count("tagged", 1, stats.T("route", "orders"), stats.T("code", "2xx"))
	}
	s.Gauge("temperature", 21.25, stats.T("room", "lab"))

	// Tag values with bytes the statsd daemon deletes arrive each in a series
	// of its own, under the name vitals wrote (graphiteTagCases); set members
	// keep their UTF-8.
	for i, c := range graphiteTagCases {
		s.Count("langs", int64(i+1), stats.T("lang", c.raw))
	}
	for _, m := range []string{"José", "Josè", "日本", "中国", "a b", "a_b", "x:y", "x|y", "x_y"} {
		s.Set("members", m)
	}

	// A name with Graphite- and statsd-special characters arrives under
	// exactly the name Sanitize promises.
	weird := "Weird Name:x|y@z#w"
	s.Count(weird, 3)

	// The other tag formats: statsd turns DogStatsD tags into Graphite ones.
	dog, err := stats.NewStatsd(stats.Config{Addr: g.statsdAddr, Prefix: run, TagFormat: stats.TagsDogStatsD})
	require.NoError(t, err)
	for range 3 {
		dog.Count("dogtagged", 1, stats.T("route", "orders"), stats.T("code", "5xx"))
	}
	untagged, err := stats.NewStatsd(stats.Config{Addr: g.statsdAddr, Prefix: run, TagFormat: stats.TagsNone})
	require.NoError(t, err)
	untagged.Count("untagged", 2, stats.T("route", "orders"))

	for _, e := range []*stats.Statsd{dog, untagged} {
		require.NoError(t, e.Close())
		assert.Zero(t, e.Dropped())
		assert.Zero(t, e.SendErrors())
	}
	require.NoError(t, s.Close())
	assert.Zero(t, s.Dropped(), "stats dropped on an idle loopback socket")
	assert.Zero(t, s.SendErrors(), "send errors to a listening statsd")

	// The reads below only poll files and HTTP; they run side by side.
	sanitised := stats.Sanitize(weird)
	require.NotContains(t, sanitised, ":", "Sanitize(%q)", weird)
	sum, last := g.eventuallySum, g.eventuallyLast
	type check struct {
		name  string
		check func(*testing.T, graphiteSource, time.Time, float64)
		src   graphiteSource
		want  float64
	}
	var mapped []check
	for i, c := range graphiteTagCases {
		mapped = append(mapped, check{fmt.Sprintf("tag value %q", c.raw), sum, g.whisper("stats.counters." + run + ".langs.count;lang=" + c.wire), float64(i + 1)})
	}
	for _, c := range append(mapped, []check{
		{"counter sums to the calls", sum, g.whisper("stats.counters." + run + ".requests.count"), 27},
		{"counter handle", sum, g.whisper("stats.counters." + run + ".handled.count"), 15},
		{"gauge keeps the last value", last, g.whisper("stats.gauges." + run + ".depth"), 42.5},
		{"gauge deltas apply to the value", last, g.whisper("stats.gauges." + run + ".level"), 12.5},
		{"gauge handle", last, g.whisper("stats.gauges." + run + ".inflight"), 6},
		{"set counts unique members", sum, g.whisper("stats.sets." + run + ".users.count"), 3},
		{"tagged counter in its tagged whisper file", sum, g.whisper("stats.counters." + run + ".tagged.count;code=2xx;route=orders"), 4},
		{"tagged series through seriesByTag", sum, g.render(fmt.Sprintf("seriesByTag('name=stats.counters.%s.tagged.count','route=orders','code=2xx')", run)), 4},
		{"tagged gauge through seriesByTag", last, g.render(fmt.Sprintf("seriesByTag('name=stats.gauges.%s.temperature','room=lab')", run)), 21.25},
		{"plain series through render", sum, g.render("stats.counters." + run + ".requests.count"), 27},
		{"sanitised name", sum, g.whisper("stats.counters." + run + "." + sanitised + ".count"), 3},
		{"DogStatsD tags arrive as Graphite tags", sum, g.whisper("stats.counters." + run + ".dogtagged.count;code=5xx;route=orders"), 3},
		{"TagsNone drops the tags", sum, g.whisper("stats.counters." + run + ".untagged.count"), 2},
		{"mapped tag value through seriesByTag", sum, g.render(fmt.Sprintf("seriesByTag('name=stats.counters.%s.langs.count','lang=C_2B_2B')", run)), 1},
		{"set members keep UTF-8; only : and | become _", sum, g.whisper("stats.sets." + run + ".members.count"), 7},
	}...) {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.check(t, c.src, start, c.want)
		})
	}
	t.Run("timing count sum mean upper lower in ms", func(t *testing.T) {
		t.Parallel()
		g.eventuallyTimer(t, "stats.timers."+run+".latency", start, graphiteTimer{
			count: 4, sum: 264, mean: 66, upper: 250, lower: 1.5,
		})
	})
}

// graphitePoint is one datapoint of a series.
type graphitePoint struct {
	at    int64 // Unix seconds
	value float64
}

// graphiteSource reads the datapoints of one series at or after from.
type graphiteSource struct {
	name string
	read func(from time.Time) ([]graphitePoint, error)
}

func (g graphitePipeline) eventuallySum(t *testing.T, src graphiteSource, from time.Time, want float64) {
	t.Helper()
	g.eventually(t, src, from, "sum", func(pts []graphitePoint) float64 {
		var sum float64
		for _, p := range pts {
			sum += p.value
		}
		return sum
	}, want)
}

func (g graphitePipeline) eventuallyLast(t *testing.T, src graphiteSource, from time.Time, want float64) {
	t.Helper()
	g.eventually(t, src, from, "last value", func(pts []graphitePoint) float64 {
		if len(pts) == 0 {
			return math.NaN()
		}
		return pts[len(pts)-1].value
	}, want)
}

// eventually polls src until of(datapoints) is want, failing after graphiteWait
// with the last datapoints seen.
func (g graphitePipeline) eventually(t *testing.T, src graphiteSource, from time.Time, what string, of func([]graphitePoint) float64, want float64) {
	t.Helper()
	assert.EventuallyWithT(t, func(c *assert.CollectT) {
		pts, err := src.read(from)
		if !assert.NoError(c, err) {
			return
		}
		assert.InDelta(c, want, of(pts), 1e-9, "%s of %s; datapoints %v", what, src.name, pts)
	}, graphiteWait, 100*time.Millisecond)
}

// graphiteTimer is what statsd computes from the timings of one test.
type graphiteTimer struct{ count, sum, mean, upper, lower float64 }

// eventuallyTimer checks statsd's timer series. The timings may straddle a
// statsd flush, so per-flush values are combined: counts and sums add up, the
// mean weighted by count, upper the max and lower the min.
func (g graphitePipeline) eventuallyTimer(t *testing.T, series string, from time.Time, want graphiteTimer) {
	t.Helper()
	assert.EventuallyWithT(t, func(c *assert.CollectT) {
		read := map[string][]graphitePoint{}
		for _, f := range []string{"count", "sum", "mean", "upper", "lower"} {
			pts, err := g.whisper(series + "." + f).read(from)
			if !assert.NoError(c, err) {
				return
			}
			read[f] = pts
		}
		var got graphiteTimer
		got.lower = math.Inf(1)
		counts := map[int64]float64{}
		for _, p := range read["count"] {
			got.count += p.value
			counts[p.at] = p.value
		}
		for _, p := range read["sum"] {
			got.sum += p.value
		}
		for _, p := range read["mean"] {
			got.mean += p.value * counts[p.at]
		}
		if got.count > 0 {
			got.mean /= got.count
		}
		for _, p := range read["upper"] {
			got.upper = math.Max(got.upper, p.value)
		}
		for _, p := range read["lower"] {
			got.lower = math.Min(got.lower, p.value)
		}
		assert.InDelta(c, want.count, got.count, 1e-9, "count of %s: %v", series, read["count"])
		assert.InDelta(c, want.sum, got.sum, 1e-9, "sum of %s: %v", series, read["sum"])
		assert.InDelta(c, want.mean, got.mean, 1e-9, "mean of %s: %v", series, read["mean"])
		assert.InDelta(c, want.upper, got.upper, 1e-9, "upper of %s: %v", series, read["upper"])
		assert.InDelta(c, want.lower, got.lower, 1e-9, "lower of %s: %v", series, read["lower"])
	}, graphiteWait, 100*time.Millisecond)
}

// whisper reads series from carbon's whisper file: a dotted path for a plain
// series; for a tagged one ("name;k=v;..." with sorted tags) carbon's
// _tagged/<sha256[0:3]>/<sha256[3:6]>/<sha256>.wsp.
func (g graphitePipeline) whisper(series string) graphiteSource {
	file := filepath.Join(append([]string{g.whisperDir}, strings.Split(series, ".")...)...) + ".wsp"
	if strings.Contains(series, ";") {
		sum := sha256.Sum256([]byte(series))
		h := hex.EncodeToString(sum[:])
		file = filepath.Join(g.whisperDir, "_tagged", h[0:3], h[3:6], h+".wsp")
	}
	return graphiteSource{name: series + " (" + file + ")", read: func(from time.Time) ([]graphitePoint, error) {
		return readWhisper(file, from)
	}}
}

// readWhisper returns the non-empty datapoints at or after from in the
// highest-precision archive of a whisper file (format: a 16-byte header with
// the archive count at offset 12, then 12-byte archive infos of offset,
// seconds per point and points, then 12-byte points of a uint32 timestamp and
// a float64 value, all big-endian). A missing file has no datapoints yet.
func readWhisper(file string, from time.Time) ([]graphitePoint, error) {
	b, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	be := binary.BigEndian
	if len(b) < 28 || be.Uint32(b[12:]) == 0 {
		return nil, fmt.Errorf("%s: no whisper archive header (%d bytes)", file, len(b))
	}
	offset, step, n := be.Uint32(b[16:]), be.Uint32(b[20:]), be.Uint32(b[24:])
	end := uint64(offset) + 12*uint64(n)
	if end > uint64(len(b)) || step == 0 {
		return nil, fmt.Errorf("%s: archive of %d points at %d runs past the file (%d bytes)", file, n, offset, len(b))
	}
	var pts []graphitePoint
	for off := uint64(offset); off < end; off += 12 {
		at := int64(be.Uint32(b[off:]))
		// A slot not written since the ring buffer came round holds an old
		// timestamp (or 0); only slots aligned to the step are real points.
		if at >= from.Unix() && at%int64(step) == 0 {
			pts = append(pts, graphitePoint{at: at, value: math.Float64frombits(be.Uint64(b[off+4:]))})
		}
	}
	sort.Slice(pts, func(i, j int) bool { return pts[i].at < pts[j].at })
	return pts, nil
}

// render reads target through graphite-web's /render?format=json, which also
// sees points still in carbon's cache. The target must yield one series.
func (g graphitePipeline) render(target string) graphiteSource {
	return graphiteSource{name: target + " (render)", read: func(from time.Time) ([]graphitePoint, error) {
		q := url.Values{
			"target": {target},
			"format": {"json"},
			"from":   {fmt.Sprint(from.Unix())},
			"until":  {fmt.Sprint(time.Now().Unix() + 60)},
		}
		c := http.Client{Timeout: 5 * time.Second}
		resp, err := c.Get(g.web + "/render?" + q.Encode())
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("render %s: %s", target, resp.Status)
		}
		var series []struct {
			Target     string        `json:"target"`
			Datapoints [][2]*float64 `json:"datapoints"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&series); err != nil {
			return nil, fmt.Errorf("render %s: %w", target, err)
		}
		if len(series) > 1 {
			return nil, fmt.Errorf("render %s: %d series, want one", target, len(series))
		}
		var pts []graphitePoint
		for _, s := range series {
			for _, dp := range s.Datapoints {
				if dp[0] != nil && dp[1] != nil {
					pts = append(pts, graphitePoint{at: int64(*dp[1]), value: *dp[0]})
				}
			}
		}
		return pts, nil
	}}
}
