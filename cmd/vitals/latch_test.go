package main

import (
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/breaker"
)

// tripLatch trips a latch of this test process at path, with hostile text
// in its reason and last error, and returns the latch.
func tripLatch(t *testing.T, path string) *breaker.Latch {
	t.Helper()
	b, err := breaker.New(breaker.Config{Name: "mail-poller", Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	l, err := breaker.NewLatchWith(b, path, breaker.LatchOptions{ResetHint: "run mailer with -reset"})
	require.NoError(t, err)
	t.Cleanup(l.Close)
	require.NoError(t, l.Trip("panic while polling "+hostile, errors.New("smtp down "+hostile)))
	require.FileExists(t, path)
	return l
}

// Status shows who tripped the latch, when, why, the last error and how to
// resume, escaped, and exits 1.
func TestLatchStatusShowsTheRecord(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mailer.latch")
	tripLatch(t, path)
	host, err := os.Hostname()
	require.NoError(t, err)

	r := vitals(t, nil, "latch", "status", path)
	assert.Equal(t, 1, r.code, r.stderr)
	assert.Empty(t, r.stderr)
	assert.Contains(t, r.stdout, "tripped: "+path+"\n")
	assert.Contains(t, r.stdout, "  breaker:    mail-poller\n")
	assert.Regexp(t, `  tripped:    \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(\d+s ago\)\n`, r.stdout)
	assert.Contains(t, r.stdout, "  by:         pid "+strconv.Itoa(os.Getpid())+" on "+host+"\n")
	assert.Contains(t, r.stdout, `  reason:     "panic while polling evil\x1b[2J\u0085\u202ename"`)
	assert.Contains(t, r.stdout, `  last error: "smtp down evil\x1b[2J\u0085\u202ename"`)
	assert.Contains(t, r.stdout, "  resume:     find the cause in the logs, then run mailer with -reset, or delete this file and restart the process\n")
	assertEscaped(t, r.stdout)
}

// A reset is refused while the process that tripped the latch runs on this
// host (here: the test itself), and --force overrides it.
func TestLatchResetRefusedWhileTheTripperRuns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mailer.latch")
	tripLatch(t, path)

	refused := vitals(t, nil, "latch", "reset", path)
	assertFailure(t, refused, 1, "pid "+strconv.Itoa(os.Getpid())+" on this host", "still runs", "run mailer with -reset", "--force")
	assert.FileExists(t, path, "a refused reset leaves the file")

	forced := vitals(t, nil, "latch", "reset", "--force", path)
	require.Equal(t, 0, forced.code, forced.stderr)
	assert.Contains(t, forced.stdout, "reset: deleted "+path)
	assert.NoFileExists(t, path)

	again := vitals(t, nil, "latch", "status", path)
	assert.Equal(t, 0, again.code)
	assert.Contains(t, again.stdout, "not tripped: there is no latch state file at "+path)
	nothing := vitals(t, nil, "latch", "reset", path)
	assert.Equal(t, 0, nothing.code)
	assert.Contains(t, nothing.stdout, "nothing to reset")
}

// The mailer example's own state file: status reads what the mailer wrote,
// a reset is allowed once the mailer has exited, and the next mailer run is
// no longer latched.
func TestLatchOfTheMailerExample(t *testing.T) {
	dir := t.TempDir()
	mailer := func(args ...string) (string, int) {
		cmd := exec.Command(bin["mailer"], append([]string{"-dir", dir, "-interval", "1ms", "-ticks", "2"}, args...)...)
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			require.NoError(t, err, "running the mailer")
		}
		return string(out), cmd.ProcessState.ExitCode()
	}
	out, code := mailer()
	require.NotZero(t, code, "the poison message stops the mailer: %s", out)
	path := filepath.Join(dir, "mailer.latch")
	require.FileExists(t, path)

	status := vitals(t, nil, "latch", "status", path)
	assert.Equal(t, 1, status.code, status.stderr)
	assert.Contains(t, status.stdout, "  breaker:    mail-poller\n")
	assert.Contains(t, status.stdout, "run mailer with -reset")
	assert.NotContains(t, status.stdout, "pid "+strconv.Itoa(os.Getpid()))

	reset := vitals(t, nil, "latch", "reset", path)
	require.Equal(t, 0, reset.code, "the mailer has exited: nobody holds the latch; %s", reset.stderr)
	assert.NoFileExists(t, path)

	// Move the poison message away, as the operator would, and run again.
	poison := filepath.Join(dir, "inbox", "0003-no-subject.eml")
	require.FileExists(t, poison)
	require.NoError(t, os.Rename(poison, filepath.Join(dir, "0003-no-subject.eml")))
	out, code = mailer()
	assert.Zero(t, code, "the mailer runs again after the reset: %s", out)
	assert.NoFileExists(t, path)
}

// A corrupt state file: status says what is wrong and exits 3; reset
// refuses it without --force (a wrong path may name another file) and never
// deletes what is not a regular file. A missing directory, or a reset that
// cannot delete the file, is exit 3.
func TestLatchCorruptOrMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mailer.latch")
	require.NoError(t, os.WriteFile(path, []byte("{\"breaker\": \"mailer\", \x1b[2J"), 0o600))

	status := vitals(t, nil, "latch", "status", path)
	assertFailure(t, status, 3, "reading the latch state file "+path, "is not a latch record", "vitals latch reset "+path)
	assert.NotContains(t, status.stderr, "\x1b")

	refused := vitals(t, nil, "latch", "reset", path)
	assertFailure(t, refused, 3, "resetting the latch "+path, "may be another file", "--force")
	assert.NotContains(t, refused.stderr, "\x1b")
	assert.FileExists(t, path)
	forced := vitals(t, nil, "latch", "reset", "--force", path)
	require.Equal(t, 0, forced.code, forced.stderr)
	assert.NoFileExists(t, path)

	// Directories, empty or not, are never deleted, even with --force.
	for _, inside := range []string{"", "inside"} {
		dir := filepath.Join(t.TempDir(), "mailer.latch")
		require.NoError(t, os.MkdirAll(filepath.Join(dir, inside), 0o700))
		assertFailure(t, vitals(t, nil, "latch", "status", dir), 3, "is not a regular file")
		assertFailure(t, vitals(t, nil, "latch", "reset", "--force", dir), 3, "resetting the latch "+dir, "not a regular file")
		assert.DirExists(t, dir)
	}

	missing := filepath.Join(t.TempDir(), "no-such-dir", "mailer.latch")
	for _, sub := range []string{"status", "reset"} {
		assertFailure(t, vitals(t, nil, "latch", sub, missing), 3, "reading the latch state file "+missing, "no such file or directory", "check the path")
	}
}
