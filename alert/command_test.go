package alert_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/alert"
	"github.com/vitals-go/vitals/errctx"
)

// script writes an executable shell script into dir and returns its path.
func script(t *testing.T, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, []byte("#!/bin/sh\n"+text), 0o700))
	return path
}

func newCommand(t *testing.T, cfg alert.CommandConfig) *alert.Command {
	t.Helper()
	c, err := alert.NewCommand(cfg)
	require.NoError(t, err)
	return c
}

// fieldOf returns the value of the errctx field key of err.
func fieldOf(err error, key string) string {
	for _, f := range errctx.FieldsOf(err) {
		if f.Key == key {
			return f.Value.String()
		}
	}
	return ""
}

func TestCommandGivesTheTextOnStdinAndTheSubjectAsArgumentAndEnv(t *testing.T) {
	dir := t.TempDir()
	mail := script(t, dir, "mail", `cat > "$OUT/stdin"
printf '%s\n' "$@" > "$OUT/args"
printf '%s|%s|%s|%s\n' "$ALERT_SUBJECT" "$ALERT_SEVERITY" "$ALERT_STATUS" "$ALERT_FINGERPRINT" > "$OUT/env"
`)
	c := newCommand(t, alert.CommandConfig{Path: mail, Args: []string{"-s", alert.SubjectArg, "oncall@example.com"},
		Env: []string{"OUT=" + dir}})
	assert.Equal(t, "command", c.Name())
	ev := amEvent("fp-1", false)
	ev.Suppressed = 0
	ev.Summary = "payments down\n~! touch " + filepath.Join(dir, "pwned") + "\u202E"
	require.NoError(t, c.Send(context.Background(), ev))

	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		return string(b)
	}
	subject := "[page] payments down ~! touch " + filepath.Join(dir, "pwned") + " "
	assert.Equal(t, "-s\n"+subject+"\noncall@example.com\n", read("args"))
	assert.Equal(t, subject+"|page|firing|fp-1\n", read("env"))
	stdin := read("stdin")
	assert.True(t, strings.HasPrefix(stdin, subject+"\n\n"), stdin)
	assert.Contains(t, stdin, "Remedy:      check the payments gateway\n")
	for _, l := range strings.Split(stdin, "\n") {
		assert.False(t, strings.HasPrefix(l, "~"), "line %q", l)
	}
}

func TestCommandNonZeroExitFailsWithItsStderr(t *testing.T) {
	fail := script(t, t.TempDir(), "fail", "cat >/dev/null\necho 'mail: cannot send message: Connection refused' >&2\nexit 3\n")
	err := newCommand(t, alert.CommandConfig{Path: fail}).Send(context.Background(), amEvent("fp", false))
	require.Error(t, err)
	assert.Equal(t, errctx.Transient, errctx.ClassOf(err))
	assert.Equal(t, "3", fieldOf(err, "exit_code"))
	assert.Contains(t, fieldOf(err, "stderr"), "mail: cannot send message: Connection refused")
	assert.NotEmpty(t, errctx.RemediesOf(err))
}

func TestCommandFloodingStderrIsBounded(t *testing.T) {
	flood := script(t, t.TempDir(), "flood", "head -c 8000000 /dev/zero | tr '\\0' x >&2\nexit 1\n")
	start := time.Now()
	err := newCommand(t, alert.CommandConfig{Path: flood}).Send(context.Background(), amEvent("fp", false))
	require.Error(t, err)
	assert.Less(t, time.Since(start), 10*time.Second)
	assert.LessOrEqual(t, len(fieldOf(err, "stderr")), 4<<10+2, "the quoted excerpt")
	assert.Equal(t, strconv.Itoa(8000000-4<<10), fieldOf(err, "stderr_dropped_bytes"))
}

// A command that hangs, with a child of its own, is killed with its whole
// process group when Send's ctx ends (cancelled here once the child is
// known to run; Timeout ends it the same way).
func TestCommandThatHangsIsKilledWithItsProcessGroup(t *testing.T) {
	dir := t.TempDir()
	hang := script(t, dir, "hang", "sleep 300 &\necho $! > \"$OUT/child.tmp\"\nmv \"$OUT/child.tmp\" \"$OUT/child\"\nwait\n")
	c := newCommand(t, alert.CommandConfig{Path: hang, Env: []string{"OUT=" + dir}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- c.Send(ctx, amEvent("fp", false)) }()
	var pid int
	require.Eventually(t, func() bool {
		b, err := os.ReadFile(filepath.Join(dir, "child"))
		if err != nil {
			return false
		}
		pid, err = strconv.Atoi(strings.TrimSpace(string(b)))
		return err == nil
	}, 20*time.Second, 5*time.Millisecond, "the script never started its child")
	cancel()
	select {
	case err := <-done:
		require.Error(t, err)
		assert.Equal(t, errctx.Indeterminate, errctx.ClassOf(err))
	case <-time.After(10 * time.Second):
		require.FailNow(t, "Send did not return after its ctx ended")
	}
	require.Eventually(t, func() bool { return !running(pid) }, 5*time.Second, 10*time.Millisecond,
		"the script's child %d outlived the kill", pid)
}

// running reports whether pid is a process that is neither gone nor a
// zombie waiting to be reaped.
func running(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(stat), ") ")
	return !strings.HasPrefix(rest, "Z")
}

func TestCommandTimeout(t *testing.T) {
	hang := script(t, t.TempDir(), "hang", "exec sleep 300\n")
	start := time.Now()
	err := newCommand(t, alert.CommandConfig{Path: hang, Timeout: 100 * time.Millisecond}).Send(context.Background(), amEvent("fp", false))
	require.Error(t, err)
	assert.Equal(t, errctx.Indeterminate, errctx.ClassOf(err))
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.Contains(t, errctx.RemediesOf(err)[0], "CommandConfig.Timeout")
}

func TestNewCommandRefusesBadConfig(t *testing.T) {
	ok := script(t, t.TempDir(), "ok", "exit 0\n")
	notExec := filepath.Join(t.TempDir(), "plain")
	require.NoError(t, os.WriteFile(notExec, []byte("#!/bin/sh\n"), 0o600))
	for field, cfg := range map[string]alert.CommandConfig{
		"Path":    {Path: ""},
		"Path ":   {Path: notExec},
		"Timeout": {Path: ok, Timeout: -time.Second},
		"Env[1]":  {Path: ok, Env: []string{"A=1", "B"}},
	} {
		_, err := alert.NewCommand(cfg)
		require.Error(t, err, field)
		assert.Contains(t, errctx.FieldsOf(err), slog.String("field", "CommandConfig."+strings.TrimSpace(field)))
	}
}
