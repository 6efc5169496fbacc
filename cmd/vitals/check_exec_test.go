package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/internal/amtest"
)

// toggle is a check script that fails, printing why, while dir/broken
// exists.
func toggle(t *testing.T, dir string) string {
	return script(t, dir, "purchases.sh", `if [ -e "`+dir+`/broken" ]; then
  echo "3 purchases without authorization code"
  echo "oldest: 2026-12-06T19:58:00Z" >&2
  exit 3
fi
echo fine`)
}

// vitals check exec, run once per invocation as cron does: a failing
// script is exit 1 and an alert through the real Alertmanager carrying its
// output; the next passing run is exit 0 and resolves it; a run that holds
// again sends nothing.
func TestCheckExecOnceThroughAlertmanager(t *testing.T) {
	rcv := amtest.NewReceiver(t)
	am := amtest.Start(t, rcv.URL).URL()
	dir := t.TempDir()
	check := toggle(t, dir)
	env := []string{"VITALS_ALERTMANAGER_URL=" + am, "VITALS_STATE_DIR=" + filepath.Join(dir, "state")}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "broken"), nil, 0o600))

	r := vitals(t, env, "check", "exec", "--severity", "page", "--remedy", "see the purchases runbook", "--", check)
	require.Equal(t, 1, r.code, "broken; stderr: %s", r.stderr)
	recs := records(t, r.stdout)
	require.Len(t, recs, 1)
	assert.Equal(t, "purchases.sh", recs[0]["check"])
	assert.Equal(t, "broken", recs[0]["outcome"])
	assert.Equal(t, "exit status 3", recs[0]["detail"])
	assert.Equal(t, "firing", recs[0]["alert"])
	assert.Equal(t, map[string]any{"alertmanager": "accepted"}, recs[0]["sinks"])
	assert.Contains(t, recs[0]["output"], "3 purchases without authorization code\noldest: 2026-12-06T19:58:00Z\n")
	assert.IsType(t, float64(0), recs[0]["duration_ms"])

	got := rcv.Await(t, "fingerprint", "check.purchases.sh", "firing")
	assert.Equal(t, "check purchases.sh is broken", got.Labels["alertname"])
	assert.Equal(t, "page", got.Labels["severity"])
	assert.Equal(t, "exit status 3", got.Annotations["detail"])
	assert.Equal(t, "3", got.Annotations["exit_code"])
	assert.Equal(t, "see the purchases runbook", got.Annotations["remedy"])
	assert.Contains(t, got.Annotations["output"], "3 purchases without authorization code")

	require.NoError(t, os.Remove(filepath.Join(dir, "broken")))
	r = vitals(t, env, "check", "exec", "--severity", "page", "--", check)
	require.Equal(t, 0, r.code, "holds; stderr: %s", r.stderr)
	recs = records(t, r.stdout)
	require.Len(t, recs, 1)
	assert.Equal(t, "holds", recs[0]["outcome"])
	assert.Equal(t, "resolved", recs[0]["alert"])
	rcv.Await(t, "fingerprint", "check.purchases.sh", "resolved")

	r = vitals(t, env, "check", "exec", "--severity", "page", "--", check)
	require.Equal(t, 0, r.code, r.stderr)
	recs = records(t, r.stdout)
	require.Len(t, recs, 1)
	assert.NotContains(t, recs[0], "alert", "holding again sends nothing")
}

// A script that runs past --timeout is broken: its whole process group is
// killed (the child it started too) and the alert says it timed out.
func TestCheckExecTimeoutKillsTheGroup(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "child.pid")
	hang := script(t, dir, "hang.sh", `sleep 300 &
echo $! > `+pidFile+`
echo started
wait`)
	fake := newFakeAlertmanager(t)
	start := time.Now()
	r := vitals(t, []string{"VITALS_STATE_DIR=" + dir}, "check", "exec", "--alertmanager", fake.URL, "--timeout", "1500ms", "--", hang)
	require.Equal(t, 1, r.code, r.stderr)
	assert.Less(t, time.Since(start), 20*time.Second)
	recs := records(t, r.stdout)
	require.Len(t, recs, 1)
	assert.Regexp(t, `^timed out after \d.*; its process group was killed$`, recs[0]["detail"])
	assert.Equal(t, "started\n", recs[0]["output"])
	require.Len(t, fake.posted(), 1)
	assert.Contains(t, fake.posted()[0].Annotations["detail"], "timed out")

	b, err := os.ReadFile(pidFile)
	require.NoError(t, err)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	require.NoError(t, err)
	waitFor(t, 10*time.Second, "the script's child is killed", func() bool {
		return syscall.Kill(pid, 0) != nil
	})
}

// A script that floods its output costs bounded memory: the alert keeps
// its first and last 2 KiB and says how much was left out; control, C1 and
// bidi characters in it are escaped.
func TestCheckExecBoundsAndEscapesOutput(t *testing.T) {
	dir := t.TempDir()
	flood := script(t, dir, "flood.sh", `printf 'FIRST \033[2J \302\205 \342\200\256\n'
yes 0123456789 | head -c 10000000
printf '\nLAST LINE\n'
exit 1`)
	fake := newFakeAlertmanager(t)
	r := vitals(t, []string{"VITALS_STATE_DIR=" + dir}, "check", "exec", "--alertmanager", fake.URL, "--", flood)
	require.Equal(t, 1, r.code, r.stderr)
	assert.Less(t, len(r.stdout), 20000, "the record is bounded")
	for _, raw := range []string{"\x1b", "\u0085", "\u202e"} {
		assert.NotContains(t, r.stdout, raw)
	}
	require.Len(t, fake.posted(), 1)
	out := fake.posted()[0].Annotations["output"]
	assert.True(t, strings.HasPrefix(out, `FIRST \x1b[2J \u0085 \u202e`+"\n0123456789\n"), out[:100])
	assert.True(t, strings.HasSuffix(out, "\nLAST LINE\n"), out[len(out)-100:])
	assert.Regexp(t, `\n\[\.\.\. \d+ bytes left out \.\.\.\]\n`, out)
	assert.Less(t, len(out), 4*outputBound+200)
}

// A command that cannot be started is an error of the check, exit 3: no
// alert is sent, and the message says how to fix it.
func TestCheckExecMissingCommand(t *testing.T) {
	dir := t.TempDir()
	fake := newFakeAlertmanager(t)
	env := []string{"VITALS_STATE_DIR=" + dir, "VITALS_ALERTMANAGER_URL=" + fake.URL}
	r := vitals(t, env, "check", "exec", "--", filepath.Join(dir, "nope.sh"))
	assertFailure(t, r, 3, "nope.sh", "executable")
	recs := records(t, r.stdout)
	require.Len(t, recs, 1)
	assert.Equal(t, "error", recs[0]["outcome"])
	assert.Contains(t, recs[0]["remedy"], "executable")

	notExec := filepath.Join(dir, "plain.sh")
	require.NoError(t, os.WriteFile(notExec, []byte("exit 0\n"), 0o600))
	assertFailure(t, vitals(t, env, "check", "exec", "--", notExec), 3, "permission denied")
	assert.Empty(t, fake.posted(), "an error of the check alerts nobody")
}
