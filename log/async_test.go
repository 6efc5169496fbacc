package log_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	vlog "github.com/vitals-go/vitals/log"
)

// blockingSink blocks every Write until released, as a sink that hangs
// forever does from the writer's point of view; it tells when a Write starts.
type blockingSink struct {
	started chan struct{} // receives one value per Write call
	release chan struct{} // closed to let every Write through
	out     lines
}

func newBlockingSink() *blockingSink {
	return &blockingSink{started: make(chan struct{}, 100), release: make(chan struct{})}
}

func (s *blockingSink) Write(p []byte) (int, error) {
	s.started <- struct{}{}
	<-s.release
	return s.out.Write(p)
}

func line(level, msg string, pad int) []byte {
	return fmt.Appendf(nil, `{"time":"2026-11-23T14:00:00Z","level":%q,"msg":%q,"pad":%q}`+"\n", level, msg, strings.Repeat("x", pad))
}

func TestAsyncWriterPassesLinesThrough(t *testing.T) {
	defer goleak.VerifyNone(t)
	var sink lines
	w := vlog.NewAsyncWriter(&sink, vlog.AsyncOptions{})
	l := slog.New(slog.NewJSONHandler(w, nil))
	for i := range 100 {
		l.Info("hello", "i", i)
	}
	require.NoError(t, w.Close())
	got := sink.decode(t)
	require.Len(t, got, 100)
	for i, m := range got {
		assert.Equal(t, float64(i), m["i"], "order is kept")
	}
	assert.Zero(t, w.Dropped())
}

// TestAsyncWriterBlockedSink fills the buffer while the sink hangs: writes
// never block, whole lines are dropped and counted, error lines use the
// reserve, and the drop is reported once the sink is back.
func TestAsyncWriterBlockedSink(t *testing.T) {
	defer goleak.VerifyNone(t)
	sink := newBlockingSink()
	const size, reserve = 1000, 300
	w := vlog.NewAsyncWriter(sink, vlog.AsyncOptions{Size: size, Reserve: reserve})

	// The first line goes to the sink, which hangs on it.
	_, _ = w.Write(line("INFO", "first", 0))
	<-sink.started

	info := line("INFO", "info", 100-len(line("INFO", "info", 0))) // 100 bytes
	errl := line("ERROR", "boom", 100-len(line("ERROR", "boom", 0)))
	require.Len(t, info, 100)
	require.Len(t, errl, 100)

	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 10 { // 1000 bytes of info: only 700 fit outside the reserve
			n, err := w.Write(info)
			assert.Equal(t, len(info), n)
			assert.NoError(t, err)
		}
		for range 5 { // 500 bytes of errors: 300 fit in the reserve
			_, _ = w.Write(errl)
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Write blocked on a hung sink")
	}
	assert.Equal(t, uint64(3+2), w.Dropped(), "3 info lines beyond the non-reserved room, 2 error lines beyond the reserve")

	// Once the sink returns, the queued lines and the report follow.
	close(sink.release)
	require.NoError(t, w.Close())
	_, _ = w.Write(info) // after Close: dropped and counted
	assert.Equal(t, uint64(6), w.Dropped())

	got := sink.out.decode(t)
	require.NotEmpty(t, got)
	var infos, errs int
	for _, m := range got[1 : len(got)-1] {
		switch m["msg"] {
		case "info":
			infos++
		case "boom":
			errs++
		}
	}
	assert.Equal(t, "first", got[0]["msg"])
	assert.Equal(t, 7, infos)
	assert.Equal(t, 3, errs)
	report := got[len(got)-1]
	assert.Equal(t, "WARN", report["level"])
	assert.Equal(t, 5.0, report["dropped"])
	assert.NotEmpty(t, report["attempted"])
	assert.NotEmpty(t, report["remedy"])
	require.NoError(t, w.Close(), "a second Close is a no-op")
}

// TestAsyncWriterCloseTimeout has Close give up on a hung sink at its
// deadline: the error says so, what is queued is counted as dropped, and
// the goroutine does not leak once the sink returns.
func TestAsyncWriterCloseTimeout(t *testing.T) {
	defer goleak.VerifyNone(t)
	sink := newBlockingSink()
	w := vlog.NewAsyncWriter(sink, vlog.AsyncOptions{CloseTimeout: 50 * time.Millisecond})
	_, _ = w.Write(line("INFO", "first", 0))
	<-sink.started
	_, _ = w.Write(line("INFO", "queued", 0))

	err := w.Close()
	require.ErrorIs(t, err, vlog.ErrCloseTimeout)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "remedy")
	assert.Equal(t, uint64(1), w.Dropped(), "the queued line")
	close(sink.release)
	require.NoError(t, w.Close(), "a second Close is a no-op")
}

func TestAsyncWriterReportsDropsOnceSinkDrains(t *testing.T) {
	defer goleak.VerifyNone(t)
	sink := newBlockingSink()
	w := vlog.NewAsyncWriter(sink, vlog.AsyncOptions{
		Size:       200,
		DropReport: func(n uint64) []byte { return fmt.Appendf(nil, "{\"msg\":\"dropped\",\"dropped\":%d}\n", n) },
	})
	_, _ = w.Write(line("INFO", "first", 0))
	<-sink.started
	big := line("INFO", "too big for the buffer", 300)
	_, _ = w.Write(big)
	_, _ = w.Write(big)
	assert.Equal(t, uint64(2), w.Dropped())
	close(sink.release)
	require.Eventually(t, func() bool { return strings.Contains(sink.out.String(), `"dropped":2`) },
		10*time.Second, 5*time.Millisecond, "the report comes after the sink accepts again, without waiting for more lines")

	_, _ = w.Write(line("INFO", "later", 0))
	require.NoError(t, w.Close())
	got := sink.out.decode(t)
	require.Len(t, got, 3)
	assert.Equal(t, "later", got[2]["msg"])
	assert.Equal(t, 1, strings.Count(sink.out.String(), `"dropped":`), "reported once")
}

func TestAsyncWriterCustomErrorDetection(t *testing.T) {
	defer goleak.VerifyNone(t)
	sink := newBlockingSink()
	w := vlog.NewAsyncWriter(sink, vlog.AsyncOptions{
		Size: 100, Reserve: 50,
		IsError: func(line []byte) bool { return bytes.HasPrefix(line, []byte("E ")) },
	})
	_, _ = w.Write([]byte("I first\n"))
	<-sink.started
	for range 10 {
		_, _ = w.Write([]byte("I 0123456789\n")) // 13 bytes: 3 fit in 50
	}
	for range 10 {
		_, _ = w.Write([]byte("E 0123456789\n")) // 4 more fit, using the reserve
	}
	assert.Equal(t, uint64(7+6), w.Dropped())
	close(sink.release)
	require.NoError(t, w.Close())
	assert.Equal(t, 4, strings.Count(sink.out.String(), "E 0123456789\n"))
	assert.Equal(t, 3, strings.Count(sink.out.String(), "I 0123456789\n"))
}

// failingSink fails every write: the writer goes on, and its callers never
// see an error.
type failingSink struct{}

func (f *failingSink) Write(p []byte) (int, error) { return 0, errors.New("disk full") }

func TestAsyncWriterSinkErrorsDoNotReachCallers(t *testing.T) {
	defer goleak.VerifyNone(t)
	w := vlog.NewAsyncWriter(&failingSink{}, vlog.AsyncOptions{})
	n, err := w.Write([]byte("x\n"))
	assert.Equal(t, 2, n)
	assert.NoError(t, err)
	assert.NoError(t, w.Close())
}

func TestAsyncWriterConcurrentWriters(t *testing.T) {
	defer goleak.VerifyNone(t)
	var sink lines
	w := vlog.NewAsyncWriter(&sink, vlog.AsyncOptions{Size: 4096})
	l := slog.New(slog.NewJSONHandler(w, nil))
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				l.Info("concurrent", "g", g, "i", i)
			}
		})
	}
	wg.Wait()
	require.NoError(t, w.Close())
	got := sink.decode(t) // every line whole and valid JSON
	assert.Equal(t, 8*500, len(got)-countDropReports(got)+int(w.Dropped()), "every line is either written or counted")
}

func countDropReports(ms []map[string]any) int {
	n := 0
	for _, m := range ms {
		if _, ok := m["dropped"]; ok {
			n++
		}
	}
	return n
}

func BenchmarkAsyncWriter(b *testing.B) {
	w := vlog.NewAsyncWriter(io.Discard, vlog.AsyncOptions{})
	defer w.Close()
	p := line("INFO", "benchmark", 150)
	b.ReportAllocs()
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		_, _ = w.Write(p)
	}
}

func ExampleNewAsyncWriter() {
	// Wrap a sink that may be slow or hang: logging never waits for it.
	w := vlog.NewAsyncWriter(os.Stdout, vlog.AsyncOptions{})
	logger := slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{ReplaceAttr: dropTime}))
	logger.Error("payment provider unreachable", "attempted", "charge card", "remedy", "retry later")

	// At shutdown, flush what is queued, within a deadline.
	if err := w.Close(); err != nil {
		fmt.Println(err)
	}
	fmt.Println("dropped:", w.Dropped())
	// Output:
	// {"level":"ERROR","msg":"payment provider unreachable","attempted":"charge card","remedy":"retry later"}
	// dropped: 0
}
