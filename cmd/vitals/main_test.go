package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// bin holds the paths of the programs TestMain builds: vitals itself and
// the examples it is tested against.
var bin = map[string]string{}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "vitals-test-")
	if err != nil {
		panic(err)
	}
	code := build(dir, m)
	os.RemoveAll(dir)
	os.Exit(code)
}

// build builds the programs into dir, then runs the tests.
func build(dir string, m *testing.M) int {
	for name, pkg := range map[string]string{
		"vitals":  ".",
		"mailer":  "../../examples/mailer",
		"service": "../../examples/service",
	} {
		bin[name] = filepath.Join(dir, name)
		flags := []string{"build", "-o", bin[name]}
		if name == "vitals" {
			flags = append(flags, "-race") // the examples have their own tests under -race
		}
		out, err := exec.Command("go", append(flags, pkg)...).CombinedOutput()
		if err != nil {
			os.Stderr.Write(out)
			return 1
		}
	}
	return m.Run()
}

// result is what a run of vitals wrote and its exit status.
type result struct {
	stdout, stderr string
	code           int
}

// vitals runs the built command with args and the VITALS_* variables of
// env only (none of the caller's environment's).
func vitals(t *testing.T, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin["vitals"], args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "VITALS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		require.NoError(t, err, "running vitals")
	}
	return result{stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()}
}

// assertFailure checks that r failed with code and a message on stderr that
// names what was attempted, contains each of want, and gives a remedy.
func assertFailure(t *testing.T, r result, code int, want ...string) {
	t.Helper()
	assert.Equal(t, code, r.code, "exit status; stderr: %s", r.stderr)
	assert.True(t, strings.HasPrefix(r.stderr, "vitals"), "stderr says who speaks: %q", r.stderr)
	assert.Contains(t, r.stderr, "remedy: ")
	for _, w := range want {
		assert.Contains(t, r.stderr, w)
	}
	assert.NotContains(t, r.stderr, "panic", "nothing crashes")
	assert.NotContains(t, r.stderr, "goroutine ", "nothing crashes")
}

// The help of vitals and of each command says how to use it, its flags, its
// environment, its exit statuses and gives an example.
func TestHelpIsComplete(t *testing.T) {
	top := vitals(t, nil, "-h")
	require.Equal(t, 0, top.code)
	for _, want := range []string{"Usage:", "alert", "check", "breakers", "latch", "VITALS_BREAKERS_URL", "VITALS_TIMEOUT",
		"VITALS_ALERTMANAGER_URL", "VITALS_SMTP_PASSWORD", "VITALS_WEBHOOK_URL", "VITALS_COMMAND_ARGS", "VITALS_STATSD", "VITALS_STATE_DIR", "VITALS_GRAPHITE_WEB", "Exit statuses:", "Examples:"} {
		assert.Contains(t, top.stdout, want)
	}
	for _, code := range []string{"0  ", "1  ", "2  ", "3  "} {
		assert.Contains(t, top.stdout, code, "every exit status is documented")
	}

	for _, args := range [][]string{{"help", "alert"}, {"alert", "-h"}, {"help", "check"}, {"check", "-h"}, {"check", "exec", "-h"}, {"check", "graphite", "-h"}, {"help", "breakers"}, {"breakers", "-h"}, {"breakers", "--help"}, {"help", "latch"}, {"latch", "-h"}, {"latch", "reset", "-h"}} {
		r := vitals(t, nil, args...)
		assert.Equal(t, 0, r.code, "%v", args)
		for _, want := range []string{"Usage: vitals " + helpOf(args), "Flags:", "VITALS_TIMEOUT", "Exit statuses:", "Example"} {
			assert.Contains(t, r.stdout, want, "%v", args)
		}
		assert.Equal(t, 1, strings.Count(r.stdout, "Usage:"), "the help is printed once: %v", args)
		assert.Empty(t, r.stderr, "%v", args)
	}
}

// helpOf is the command whose help args ask for.
func helpOf(args []string) string {
	if args[0] == "help" {
		return args[1]
	}
	return args[0]
}

// A command line vitals cannot run is a usage error, exit 2, that says how
// to fix it.
func TestUsageErrors(t *testing.T) {
	none := vitals(t, nil)
	assert.Equal(t, 2, none.code)
	assert.Contains(t, none.stderr, "Usage:")

	assertFailure(t, vitals(t, nil, "nope"), 2, `there is no command "nope"`, "vitals -h")
	assertFailure(t, vitals(t, nil, "help", "nope"), 2, `there is no command "nope"`)
	assertFailure(t, vitals(t, nil, "breakers", "--nope", "http://127.0.0.1:1/"), 2, "-nope", "vitals breakers -h")
	assertFailure(t, vitals(t, nil, "breakers"), 2, "no URL given", "VITALS_BREAKERS_URL")
	assertFailure(t, vitals(t, nil, "breakers", "http://127.0.0.1:1/a", "http://127.0.0.1:1/b"), 2, "2 URLs given")
	assertFailure(t, vitals(t, nil, "breakers", "127.0.0.1:8080/debug/breakers"), 2, "not an http:// or https:// URL")
	assertFailure(t, vitals(t, []string{"VITALS_TIMEOUT=soon"}, "breakers", "http://127.0.0.1:1/"), 2, `VITALS_TIMEOUT="soon"`, "5s")
	assertFailure(t, vitals(t, nil, "latch"), 2, "no subcommand")
	assertFailure(t, vitals(t, nil, "latch", "open", "x"), 2, `no subcommand "open"`)
	assertFailure(t, vitals(t, nil, "latch", "status"), 2, "0 paths given")
	assertFailure(t, vitals(t, nil, "latch", "status", "--force", "x"), 2, "-force")
	assertFailure(t, vitals(t, nil, "latch", "status", "--", "x", "-h"), 2, "2 paths given")
}
