package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// script writes an executable shell script with body into dir and
// returns its path.
func script(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755))
	return p
}

// records parses the JSON run records vitals check wrote on stdout.
func records(t *testing.T, stdout string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		if line == "" {
			continue
		}
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &rec), "a run record is one JSON object: %q", line)
		out = append(out, rec)
	}
	return out
}

// syncBuffer is a bytes.Buffer safe for a process writing and a test
// reading.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// background is vitals running as a process while the test goes on.
type background struct {
	cmd            *exec.Cmd
	stdout, stderr syncBuffer
	done           chan struct{}
}

// startVitals starts the built command with args and the VITALS_* of env.
func startVitals(t *testing.T, env []string, args ...string) *background {
	t.Helper()
	b := &background{cmd: exec.Command(bin["vitals"], args...), done: make(chan struct{})}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "VITALS_") {
			b.cmd.Env = append(b.cmd.Env, kv)
		}
	}
	b.cmd.Env = append(b.cmd.Env, env...)
	b.cmd.Stdout, b.cmd.Stderr = &b.stdout, &b.stderr
	require.NoError(t, b.cmd.Start())
	go func() { _ = b.cmd.Wait(); close(b.done) }()
	t.Cleanup(func() {
		_ = b.cmd.Process.Kill()
		<-b.done
	})
	return b
}

// stop sends sig and waits (at most 30 s) for the process to exit.
func (b *background) stop(t *testing.T, sig syscall.Signal) result {
	t.Helper()
	require.NoError(t, b.cmd.Process.Signal(sig))
	select {
	case <-b.done:
	case <-time.After(30 * time.Second):
		require.FailNow(t, "vitals did not exit within 30s of "+sig.String())
	}
	return result{b.stdout.String(), b.stderr.String(), b.cmd.ProcessState.ExitCode()}
}

// waitFor polls cond every 20 ms until it holds, failing after limit.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			require.FailNow(t, "timed out waiting: "+what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// statsdListener is a UDP statsd server on loopback that keeps the lines
// it receives.
type statsdListener struct {
	addr  string
	lines syncBuffer
}

func newStatsdListener(t *testing.T) *statsdListener {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { pc.Close() })
	l := &statsdListener{addr: pc.LocalAddr().String()}
	go func() {
		buf := make([]byte, 65536)
		for {
			n, _, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			sc := bufio.NewScanner(bytes.NewReader(buf[:n]))
			for sc.Scan() {
				l.lines.Write(append(sc.Bytes(), '\n'))
			}
		}
	}()
	return l
}
