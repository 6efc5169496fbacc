package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/examples/internal/demotest"
	"github.com/vitals-go/vitals/internal/logtest"
)

// pollerRun is one run of the poller in this process.
type pollerRun struct{ demotest.Result }

// find returns the records with the message msg.
func (p pollerRun) find(msg string) []logtest.Record {
	return logtest.Filter(p.Records, logtest.Msg(msg))
}

// one returns the single record with the message msg.
func (p pollerRun) one(t *testing.T, msg string) logtest.Record {
	t.Helper()
	return logtest.One(t, p.Records, logtest.Msg(msg), fmt.Sprintf("%q", msg))
}

// speaksMailer asserts that what the operator reads names the mailer's
// -reset, never a Go API call.
func (p pollerRun) speaksMailer(t *testing.T) {
	t.Helper()
	all := p.Stdout + logtest.Lines(p.Records)
	assert.NotContains(t, all, "Latch.", "an operator cannot call Go")
	assert.Contains(t, all, "-reset")
}

// runPoller runs the poller with args, polling twice, 1 ms apart.
func runPoller(t *testing.T, args ...string) pollerRun {
	t.Helper()
	return pollerRun{demotest.RunToEnd(t, run, append([]string{"-interval", "1ms", "-ticks", "2"}, args...)...)}
}

// names lists the files of dir.
func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// The story of the example: a poison message stops the poller, the next
// start refuses to run, and a reset after the message is moved away lets the
// rest through. Mail never leaves the inbox unhandled.
func TestPoisonMessageLatchesUntilReset(t *testing.T) {
	dir := t.TempDir()
	latchPath := filepath.Join(dir, "mailer.latch")
	inbox := filepath.Join(dir, "inbox")
	poison := filepath.Join(inbox, "0003-no-subject.eml")

	// 1. The poison message panics; the poller records the trip and stops.
	first := runPoller(t, "-dir", dir)
	require.ErrorIs(t, first.Err, errStopped)
	assert.Equal(t, "0001-where-is-my-order.eml", first.one(t, "message answered").Str("message"))
	assert.Equal(t, "0002-out-of-office.eml", first.one(t, "automatic mail left unanswered").Str("message"))
	stopped := first.one(t, "mail poller stopped after an unexpected failure")
	assert.Equal(t, "ERROR", stopped.Str("level"))
	assert.Equal(t, "0003-no-subject.eml", stopped.Str("message"))
	assert.Equal(t, "processing "+poison, stopped.Str("attempted"))
	assert.Equal(t, latchPath, stopped.Str("latch"))
	assert.Contains(t, stopped.Str("remedy"), "look at "+poison)
	assert.Contains(t, stopped.Str("remedy"), "-reset (or delete "+latchPath+")")
	e := stopped.Group("error")
	require.NotNil(t, e, "the error is rendered as a group")
	assert.Contains(t, e["message"], "panic: runtime error: index out of range")
	stack, _ := e["stack"].([]any)
	assert.True(t, slices.ContainsFunc(stack, func(f any) bool { return strings.Contains(f.(string), "category mailer/ticket.go:") }),
		"the stack says where it panicked: %v", stack)
	assert.Contains(t, first.Stdout, "STOPPED after an unexpected failure processing "+poison)
	assert.Contains(t, first.Stdout, "run again with -reset, or delete "+latchPath)
	resume := "find the cause in the logs, then run mailer with -reset, or delete " + latchPath + " and restart"
	latched := first.one(t, "breaker latched")
	assert.Equal(t, "unexpected failure processing "+poison, latched.Str("reason"), "the poller's Trip, not the breaker's opening")
	assert.Equal(t, "processing 0003-no-subject.eml", latched.Str("attempted"))
	assert.Equal(t, resume, latched.Str("remedy"), "the latch speaks the mailer's language")
	first.speaksMailer(t)

	// The state file was written before run returned, and the mail is
	// still there: the poison and the one after it.
	data, err := os.ReadFile(latchPath)
	require.NoError(t, err, "the latch state file exists when run returns")
	var rec breaker.LatchRecord
	require.NoError(t, json.Unmarshal(data, &rec))
	assert.Equal(t, "mail-poller", rec.Breaker)
	assert.Equal(t, "unexpected failure processing "+poison, rec.Reason)
	assert.Contains(t, rec.LastError, "index out of range")
	assert.Equal(t, "find the cause in the logs, then run mailer with -reset, or delete this file and restart the process", rec.Reset)
	assert.Equal(t, []string{"0003-no-subject.eml", "0004-refund-please.eml"}, names(t, inbox))
	assert.Equal(t, []string{"T-0001.eml"}, names(t, filepath.Join(dir, "outbox")))

	// 2. The next start is latched: it processes nothing and says why and
	// how to resume, in the latch's one warning, in the mailer's terms.
	second := runPoller(t, "-dir", dir)
	require.ErrorIs(t, second.Err, errLatched)
	assert.Empty(t, second.find("message answered"))
	assert.Empty(t, second.find("mail poller started"))
	refused := second.one(t, "breaker latched by an earlier failure")
	assert.Equal(t, "WARN", refused.Str("level"))
	assert.Equal(t, latchPath, refused.Str("path"))
	assert.Equal(t, rec.Reason, refused.Str("reason"))
	assert.Contains(t, refused.Str("error"), "index out of range")
	assert.Equal(t, resume, refused.Str("remedy"))
	for _, r := range second.Records { // and the breaker's own, when it is published before the exit
		assert.Contains(t, []string{"breaker latched by an earlier failure", "breaker forced open"}, r.Str("msg"),
			"the latch's warning says it all")
	}
	second.speaksMailer(t)
	assert.Contains(t, second.Stdout, "LATCHED, not processing mail; waiting in "+inbox+": 2")
	assert.Contains(t, second.Stdout, "why:   unexpected failure processing "+poison)
	assert.Contains(t, second.Stdout, "move the message out of "+inbox)
	assert.Contains(t, second.Stdout, "delete "+latchPath)
	assert.Equal(t, []string{"0003-no-subject.eml", "0004-refund-please.eml"}, names(t, inbox))

	// 3. The operator moves the poison message away and resets.
	held := filepath.Join(dir, "held")
	require.NoError(t, os.Mkdir(held, 0o755))
	require.NoError(t, os.Rename(poison, filepath.Join(held, filepath.Base(poison))))
	third := runPoller(t, "-dir", dir, "-reset")
	require.NoError(t, third.Err)
	third.one(t, "latch reset by the operator; polling resumes")
	assert.Equal(t, "0004-refund-please.eml", third.one(t, "message answered").Str("message"))
	assert.Empty(t, third.find("mail poller stopped after an unexpected failure"))
	assert.NoFileExists(t, latchPath)
	assert.Empty(t, names(t, inbox))
	assert.Equal(t, []string{"T-0001.eml", "T-0004.eml"}, names(t, filepath.Join(dir, "outbox")))
	assert.Contains(t, third.Stdout, "answered 1")
}

// An unexpected error, not only a panic, stops the poller and latches it.
func TestUnexpectedErrorLatches(t *testing.T) {
	dir := t.TempDir()
	inbox := filepath.Join(dir, "inbox")
	require.NoError(t, os.MkdirAll(inbox, 0o755))
	msg := "From: Ann <ann@example.com>\r\nSubject: Hello\r\n\r\nhi\r\n"
	require.NoError(t, os.WriteFile(filepath.Join(inbox, "0001-hello.eml"), []byte(msg), 0o644))
	// The reply cannot be written: its name in the outbox is a directory.
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "outbox", "T-0001.eml"), 0o755))

	res := runPoller(t, "-dir", dir)
	require.ErrorIs(t, res.Err, errStopped)
	stopped := res.one(t, "mail poller stopped after an unexpected failure")
	e := stopped.Group("error")
	require.NotNil(t, e)
	assert.Contains(t, e["attempted"], "sending the acknowledgement of ticket T-0001")
	assert.Equal(t, []any{"check that " + filepath.Join(dir, "outbox") + " is a writable directory"}, e["remedy"])
	data, err := os.ReadFile(filepath.Join(dir, "mailer.latch"))
	require.NoError(t, err, "the latch state file exists when run returns")
	var rec breaker.LatchRecord
	require.NoError(t, json.Unmarshal(data, &rec))
	assert.Contains(t, rec.LastError, "processing 0001-hello.eml: sending the acknowledgement of ticket T-0001")
	assert.Equal(t, []string{"0001-hello.eml"}, names(t, inbox), "the message stays in the inbox")
}

func TestFlagsRefused(t *testing.T) {
	for _, args := range [][]string{
		{"-interval", "0s"},
		{"-ticks", "-1"},
		{"-log-level", "loud"},
		{"extra"},
	} {
		err := run(context.Background(), append([]string{"-dir", t.TempDir()}, args...), io.Discard, io.Discard)
		assert.Error(t, err, "%v", args)
	}
}
