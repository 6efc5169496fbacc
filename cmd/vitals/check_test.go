package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// outcomes counts the records of each outcome.
func outcomes(recs []map[string]any) map[string]int {
	n := map[string]int{}
	for _, r := range recs {
		n[r["outcome"].(string)]++
	}
	return n
}

// With --every, a run still going when the next is due is skipped and
// counted, never run beside it; every run is recorded and counted in
// statsd; SIGTERM cancels the run in progress and vitals exits 0.
func TestCheckEveryNeverOverlaps(t *testing.T) {
	dir := t.TempDir()
	// mkdir is atomic: a second run beside the first fails loudly.
	slow := script(t, dir, "slow.sh", `mkdir "`+dir+`/running" || { echo OVERLAP; exit 9; }
sleep 0.3
rmdir "`+dir+`/running"`)
	sd := newStatsdListener(t)
	b := startVitals(t, []string{"VITALS_STATE_DIR=" + dir, "VITALS_STATSD=" + sd.addr},
		"check", "exec", "--every", "100ms", "--name", "slow", "--", slow)
	waitFor(t, 30*time.Second, "three runs and a skip", func() bool {
		n := outcomes(records(t, b.stdout.String()))
		return n["holds"] >= 3 && n["skipped"] >= 1
	})
	waitFor(t, 10*time.Second, "the stats reach statsd", func() bool {
		return strings.Contains(sd.lines.String(), "check.slow.runs:") && strings.Contains(sd.lines.String(), "check.slow.skipped:") &&
			strings.Contains(sd.lines.String(), "check.slow.failing:0|g")
	})
	r := b.stop(t, syscall.SIGTERM)
	assert.Equal(t, 0, r.code, "stopped by SIGTERM; stderr: %s", r.stderr)
	n := outcomes(records(t, r.stdout))
	assert.Zero(t, n["broken"], "no two runs at once: %s", r.stdout)
	assert.NotContains(t, r.stdout, "OVERLAP")
	assert.Contains(t, sd.lines.String(), "check.slow.duration:")
	_, err := os.Stat(filepath.Join(dir, "running"))
	assert.True(t, os.IsNotExist(err) || n["error"] == 1, "a run cut by SIGTERM is the only one left unfinished")
}

// With --every, a broken invariant alerts once (the sink keeps it firing),
// however many runs find it broken, and the first run that holds resolves
// it, once.
func TestCheckEveryAlertsOncePerIncident(t *testing.T) {
	dir := t.TempDir()
	check := toggle(t, dir)
	fake := newFakeAlertmanager(t)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "broken"), nil, 0o600))
	b := startVitals(t, []string{"VITALS_STATE_DIR=" + dir, "VITALS_ALERTMANAGER_URL=" + fake.URL},
		"check", "exec", "--every", "50ms", "--", check)
	waitFor(t, 30*time.Second, "three broken runs", func() bool { return outcomes(records(t, b.stdout.String()))["broken"] >= 3 })
	require.NoError(t, os.Remove(filepath.Join(dir, "broken")))
	waitFor(t, 30*time.Second, "three runs that hold", func() bool { return outcomes(records(t, b.stdout.String()))["holds"] >= 3 })
	r := b.stop(t, syscall.SIGINT)
	assert.Equal(t, 0, r.code, r.stderr)

	// The sink's own refresh (every minute) may re-send the firing alert
	// on a slow machine: repeats of one status count once.
	var statuses []string
	for _, a := range fake.posted() {
		assert.Equal(t, "check.purchases.sh", a.Labels["fingerprint"])
		status := "resolved"
		if a.EndsAt.After(time.Now()) {
			status = "firing"
		}
		if len(statuses) == 0 || statuses[len(statuses)-1] != status {
			statuses = append(statuses, status)
		}
	}
	assert.Equal(t, []string{"firing", "resolved"}, statuses)
}

// SIGTERM while a run hangs cancels it (killing the script) and vitals
// exits 0 at once, sending no alert: the run has no verdict.
func TestCheckEveryStopsAHungRun(t *testing.T) {
	dir := t.TempDir()
	hang := script(t, dir, "hang.sh", `touch "`+dir+`/started"; sleep 300`)
	fake := newFakeAlertmanager(t)
	b := startVitals(t, []string{"VITALS_STATE_DIR=" + dir, "VITALS_ALERTMANAGER_URL=" + fake.URL},
		"check", "exec", "--every", "1h", "--timeout", "1h", "--", hang)
	waitFor(t, 30*time.Second, "the script starts", func() bool {
		_, err := os.Stat(filepath.Join(dir, "started"))
		return err == nil
	})
	start := time.Now()
	r := b.stop(t, syscall.SIGTERM)
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Less(t, time.Since(start), 10*time.Second)
	recs := records(t, r.stdout)
	require.Len(t, recs, 1)
	assert.Equal(t, "error", recs[0]["outcome"])
	assert.Contains(t, recs[0]["error"], "stopped")
	assert.Empty(t, fake.posted())
}

// A check already running (a --every loop, or a slow cron run) keeps a
// second run of the same name from starting: exit 3, saying so.
func TestCheckRefusesASecondRunOfTheSameCheck(t *testing.T) {
	dir := t.TempDir()
	ok := script(t, dir, "ok.sh", "exit 0")
	env := []string{"VITALS_STATE_DIR=" + dir}
	b := startVitals(t, env, "check", "exec", "--every", "1h", "--", ok)
	waitFor(t, 30*time.Second, "the first run", func() bool { return len(records(t, b.stdout.String())) == 1 })
	assertFailure(t, vitals(t, env, "check", "exec", "--", ok), 3, "another run of the check", "ok.sh", "--name")
	r := vitals(t, env, "check", "exec", "--name", "other", "--", ok)
	assert.Equal(t, 0, r.code, "another name runs: %s", r.stderr)
	b.stop(t, syscall.SIGTERM)
}

// A check command line vitals cannot run is a usage error, exit 2.
func TestCheckUsageErrors(t *testing.T) {
	env := []string{"VITALS_STATE_DIR=" + t.TempDir()}
	assertFailure(t, vitals(t, env, "check"), 2, "no kind of check given", "exec or graphite")
	assertFailure(t, vitals(t, env, "check", "nope"), 2, `no kind of check "nope"`)
	assertFailure(t, vitals(t, env, "check", "exec"), 2, "no command given", "--")
	assertFailure(t, vitals(t, env, "check", "exec", "--every", "-1s", "--", "true"), 2, "--every -1s is negative or below 10ms")
	assertFailure(t, vitals(t, env, "check", "exec", "--every", "1ns", "--", "true"), 2, "--every 1ns is negative or below 10ms")
	assertFailure(t, vitals(t, env, "check", "exec", "--every", "soon", "--", "true"), 2, "-every")
	assertFailure(t, vitals(t, env, "check", "exec", "--severity", "huge", "--", "true"), 2, "not a severity")
	assertFailure(t, vitals(t, env, "check", "exec", "--alertmanager", "nope", "--", "true"), 2, "AlertmanagerConfig.URL")
}

// A corrupt state file does not stop the check: the run says so in its
// record, alerts, and writes a good state that the next run resolves from.
func TestCheckSurvivesACorruptStateFile(t *testing.T) {
	dir := t.TempDir()
	check := toggle(t, dir)
	fake := newFakeAlertmanager(t)
	env := []string{"VITALS_STATE_DIR=" + dir, "VITALS_ALERTMANAGER_URL=" + fake.URL}
	require.NoError(t, os.WriteFile(filepath.Join(dir, stateFile("purchases.sh")+".json"), []byte("{garbage"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "broken"), nil, 0o600))
	r := vitals(t, env, "check", "exec", "--", check)
	require.Equal(t, 1, r.code, r.stderr)
	recs := records(t, r.stdout)
	require.Len(t, recs, 1)
	assert.Contains(t, recs[0]["state_error"], "read the check state")
	assert.Equal(t, "firing", recs[0]["alert"])

	require.NoError(t, os.Remove(filepath.Join(dir, "broken")))
	r = vitals(t, env, "check", "exec", "--", check)
	require.Equal(t, 0, r.code, r.stderr)
	recs = records(t, r.stdout)
	require.Len(t, recs, 1)
	assert.Equal(t, "resolved", recs[0]["alert"])
	assert.NotContains(t, recs[0], "state_error")
	assert.Len(t, fake.posted(), 2)
}

// With --every, an alert that no sink accepted is sent again at the next
// broken run, until one does.
func TestCheckEveryRetriesAnUndeliveredAlert(t *testing.T) {
	dir := t.TempDir()
	fail := script(t, dir, "fail.sh", "exit 1")
	var refused atomic.Int64
	fake := newFakeAlertmanager(t)
	flaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if refused.Add(1) <= 2 {
			http.Error(w, "starting up", http.StatusServiceUnavailable)
			return
		}
		fake.Config.Handler.ServeHTTP(w, r)
	}))
	defer flaky.Close()
	b := startVitals(t, []string{"VITALS_STATE_DIR=" + dir, "VITALS_ALERTMANAGER_URL=" + flaky.URL},
		"check", "exec", "--every", "50ms", "--", fail)
	waitFor(t, 30*time.Second, "the alert is delivered", func() bool { return len(fake.posted()) == 1 })
	waitFor(t, 30*time.Second, "more broken runs", func() bool { return outcomes(records(t, b.stdout.String()))["broken"] >= 6 })
	r := b.stop(t, syscall.SIGTERM)
	assert.Equal(t, 0, r.code)
	assert.Len(t, fake.posted(), 1, "once delivered, it is not sent again")
	assert.Equal(t, 2, strings.Count(r.stderr, "the firing alert reached no sink; it is retried at the next run"), r.stderr)
}

// A state directory that cannot be created is an error of the check,
// exit 3, naming the flag and variable to fix.
func TestCheckUnusableStateDir(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	assertFailure(t, vitals(t, []string{"VITALS_STATE_DIR=" + filepath.Join(file, "state")}, "check", "exec", "--", "true"), 3,
		"creating the state directory", "--state-dir", "VITALS_STATE_DIR")
}
