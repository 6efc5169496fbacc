package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// statLine is a statsd line of a check named probe: name, value and type.
var statLine = regexp.MustCompile(`^(check\.probe\.[a-z_]+):([-0-9.]+)\|(c|g|ms)$`)

// checkStats returns the check.probe.* stats in lines, by name, as "value|type"
// lists in the order they came.
func checkStats(lines string) map[string][]string {
	got := map[string][]string{}
	for _, line := range strings.Split(lines, "\n") {
		if m := statLine.FindStringSubmatch(line); m != nil {
			got[m[1]] = append(got[m[1]], m[2]+"|"+m[3])
		}
	}
	return got
}

// runOnce runs vitals check exec once with its stats going to a statsd
// listener of its own, waits for the stats check.probe.<want> (and runs,
// failing and duration, which every run sends), and returns the
// check.probe.* stats it sent.
func runOnce(t *testing.T, env []string, wantCode int, want string, args ...string) map[string][]string {
	t.Helper()
	sd := newStatsdListener(t)
	r := vitals(t, append(env, "VITALS_STATSD="+sd.addr), append([]string{"check", "exec", "--name", "probe", "--"}, args...)...)
	require.Equal(t, wantCode, r.code, "stderr: %s", r.stderr)
	var got map[string][]string
	waitFor(t, 10*time.Second, "the stats reach statsd", func() bool {
		got = checkStats(sd.lines.String())
		for _, what := range []string{want, "runs", "failing", "duration"} {
			if len(got["check.probe."+what]) == 0 {
				return false
			}
		}
		return true
	})
	return got
}

// Each outcome of vitals check counts under the vocabulary alert's checks
// use: a broken run is failed and sets failing to 1, a run that could not
// run is errors (not failed) and leaves failing as it was, the run that
// holds again sets failing to 0.
func TestCheckStatsPerOutcome(t *testing.T) {
	dir := t.TempDir()
	check := toggle(t, dir)
	env := []string{"VITALS_STATE_DIR=" + filepath.Join(dir, "state")}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "broken"), nil, 0o600))

	got := runOnce(t, env, 1, "failed", check)
	assert.Equal(t, []string{"1|c"}, got["check.probe.runs"])
	assert.Equal(t, []string{"1|c"}, got["check.probe.failed"])
	assert.Equal(t, []string{"1|g"}, got["check.probe.failing"])
	assert.NotContains(t, got, "check.probe.errors")

	got = runOnce(t, env, 3, "errors", filepath.Join(dir, "nope.sh"))
	assert.Equal(t, []string{"1|c"}, got["check.probe.errors"])
	assert.NotContains(t, got, "check.probe.failed", "a check that could not run did not find the invariant broken")
	assert.Equal(t, []string{"1|g"}, got["check.probe.failing"], "the alert still fires: nothing resolved it")

	require.NoError(t, os.Remove(filepath.Join(dir, "broken")))
	got = runOnce(t, env, 0, "runs", check)
	assert.Equal(t, []string{"1|c"}, got["check.probe.runs"])
	assert.NotContains(t, got, "check.probe.failed")
	assert.Equal(t, []string{"0|g"}, got["check.probe.failing"])
}

// metricsDoc is the shared table of every stat vitals emits.
const metricsDoc = "../../docs/metrics.md"

// TestCheckStatsMatchTheMetricsTable drives vitals check through every
// outcome (broken, could not run, holds, a skipped tick) and checks that
// the check.<name>.* stats it sends are exactly the rows of docs/metrics.md
// that name cmd/vitals, with their types. The library's rows are checked by
// examples/graphite's TestMetricsTableMatchesCode, which cannot run this
// command's code.
func TestCheckStatsMatchTheMetricsTable(t *testing.T) {
	dir := t.TempDir()
	check := toggle(t, dir)
	env := []string{"VITALS_STATE_DIR=" + filepath.Join(dir, "state")}
	emitted := map[string]string{}
	types := map[string]string{"c": "counter", "g": "gauge", "ms": "timer"}
	add := func(got map[string][]string) {
		for name, values := range got {
			_, typ, _ := strings.Cut(values[0], "|")
			emitted[strings.Replace(name, ".probe.", ".<name>.", 1)] = types[typ]
		}
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "broken"), nil, 0o600))
	add(runOnce(t, env, 1, "failed", check))
	add(runOnce(t, env, 3, "errors", filepath.Join(dir, "nope.sh")))
	require.NoError(t, os.Remove(filepath.Join(dir, "broken")))
	add(runOnce(t, env, 0, "runs", check))

	sd := newStatsdListener(t)
	slow := script(t, dir, "slow.sh", "sleep 0.2")
	b := startVitals(t, []string{"VITALS_STATE_DIR=" + filepath.Join(dir, "state"), "VITALS_STATSD=" + sd.addr},
		"check", "exec", "--every", "20ms", "--name", "probe", "--", slow)
	waitFor(t, 30*time.Second, "a skipped tick reaches statsd", func() bool {
		return len(checkStats(sd.lines.String())["check.probe.skipped"]) > 0
	})
	b.stop(t, syscall.SIGTERM)
	add(checkStats(sd.lines.String()))

	text, err := os.ReadFile(metricsDoc)
	require.NoError(t, err)
	row := regexp.MustCompile("^\\| `(check\\.<name>\\.[a-z_]+)` \\| (counter|gauge|timer) \\|[^|]*\\|[^|]*\\| ([^|]*) \\|")
	documented := map[string]string{}
	for _, line := range strings.Split(string(text), "\n") {
		if m := row.FindStringSubmatch(line); m != nil && strings.Contains(m[3], "cmd/vitals") {
			documented[m[1]] = m[2]
		}
	}
	assert.Equal(t, documented, emitted, "right: what vitals check sends; left: the rows of %s naming cmd/vitals", metricsDoc)
}

// --stats-prefix (VITALS_STATS_PREFIX) puts the service's prefix before
// the check's stats, so that they sit beside the checks the service runs
// itself (stats.Config.Prefix) on one panel.
func TestCheckStatsPrefix(t *testing.T) {
	dir := t.TempDir()
	ok := script(t, dir, "ok.sh", "exit 0")
	sd := newStatsdListener(t)
	r := vitals(t, []string{"VITALS_STATE_DIR=" + dir, "VITALS_STATSD=" + sd.addr, "VITALS_STATS_PREFIX=orders"},
		"check", "exec", "--name", "probe", "--", ok)
	require.Equal(t, 0, r.code, r.stderr)
	waitFor(t, 10*time.Second, "the prefixed stats reach statsd", func() bool {
		return strings.Contains(sd.lines.String(), "orders.check.probe.runs:1|c")
	})
	r = vitals(t, []string{"VITALS_STATE_DIR=" + dir, "VITALS_STATSD=" + sd.addr},
		"check", "exec", "--stats-prefix", "prod.orders", "--name", "probe", "--", ok)
	require.Equal(t, 0, r.code, r.stderr)
	waitFor(t, 10*time.Second, "the flag's prefix reaches statsd", func() bool {
		return strings.Contains(sd.lines.String(), "prod.orders.check.probe.runs:1|c")
	})
}
