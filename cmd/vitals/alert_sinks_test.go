package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// vitals alert delivers through the webhook and the command sinks of the
// alert package: a real HTTP server on loopback gets one JSON POST with a
// Slack-compatible text, and a real script gets the alert's text on its
// standard input and its subject where --command-args says {subject}.
func TestAlertThroughWebhookAndCommand(t *testing.T) {
	posts := make(chan map[string]any, 4)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var m map[string]any
		if json.Unmarshal(body, &m) != nil {
			http.Error(w, "not JSON", http.StatusBadRequest)
			return
		}
		posts <- m
	}))
	t.Cleanup(hook.Close)

	dir := t.TempDir()
	script := filepath.Join(dir, "mail")
	require.NoError(t, os.WriteFile(script, []byte("#!/bin/sh\nprintf '%s\\n' \"$2\" > \"$1.subject\"\ncat > \"$1.body\"\n"), 0o755))
	out := filepath.Join(dir, "got")

	r := vitals(t, []string{"VITALS_WEBHOOK_URL=" + hook.URL}, "alert", "--command", script,
		"--command-args", out+",{subject}", "--severity", "page", "--remedy", "drain the queue", "queue stuck", "queue=orders")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "webhook: accepted\n")
	assert.Contains(t, r.stdout, "command: accepted\n")

	require.Len(t, posts, 1)
	post := <-posts
	assert.Contains(t, post["text"], "queue stuck")

	subject, err := os.ReadFile(out + ".subject")
	require.NoError(t, err)
	assert.Contains(t, string(subject), "queue stuck")
	body, err := os.ReadFile(out + ".body")
	require.NoError(t, err)
	assert.Contains(t, string(body), "drain the queue")
	assert.Contains(t, string(body), "orders")

	// A command that fails is reported as failed, and with no sink
	// accepting, the exit status says so.
	r = vitals(t, nil, "alert", "--command", "/bin/false", "queue stuck")
	assert.Equal(t, 3, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "command: failed: ")
}
