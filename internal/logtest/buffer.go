package logtest

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// DefaultTimeout bounds [Buffer.Wait] when Buffer.Timeout is zero.
const DefaultTimeout = 5 * time.Second

// Buffer is an io.Writer safe for concurrent use that keeps what was
// written: give it to a logger (or as a program's stdout) and read it back.
// The zero value is ready to use.
type Buffer struct {
	// Timeout bounds Wait. Default: DefaultTimeout.
	Timeout time.Duration

	mu      sync.Mutex
	buf     bytes.Buffer
	written chan struct{} // closed and replaced by every Write
}

// Write appends p and wakes the waiters.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.buf.Write(p)
	if b.written != nil {
		close(b.written)
		b.written = nil
	}
	return n, err
}

// String returns what was written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Lines returns the lines written so far, the last one even without its
// newline.
func (b *Buffer) Lines() []string {
	s := strings.TrimSuffix(b.String(), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// Records decodes every line written so far, failing the test on a line
// that is not a JSON object.
func (b *Buffer) Records(t testing.TB) []Record {
	t.Helper()
	return Decode(t, b.String())
}

// Find returns the records written so far that m matches.
func (b *Buffer) Find(t testing.TB, m Match) []Record {
	t.Helper()
	return Filter(b.Records(t), m)
}

// Wait waits until at least n complete lines that m matches were written
// and returns all those written by then, in order. It is woken by writes,
// never sleeps, and fails the test after Timeout, or on a line that is not
// a JSON object.
func (b *Buffer) Wait(t testing.TB, m Match, n int) []Record {
	t.Helper()
	timeout := b.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	var found []Record
	read := 0 // bytes decoded so far: complete lines only
	for {
		b.mu.Lock()
		text := string(b.buf.Bytes()[read:])
		if b.written == nil {
			b.written = make(chan struct{})
		}
		written := b.written
		b.mu.Unlock()

		if end := strings.LastIndexByte(text, '\n'); end >= 0 {
			for _, r := range Decode(t, text[:end+1]) {
				if m(r) {
					found = append(found, r)
				}
			}
			read += end + 1
		}
		if len(found) >= n {
			return found
		}
		select {
		case <-written:
		case <-deadline.C:
			t.Fatalf("logtest: %d of %d matching records within %s; the log:\n%s", len(found), n, timeout, b.String())
			return nil
		}
	}
}
