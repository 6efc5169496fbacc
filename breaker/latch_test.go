package breaker_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/internal/logtest"
)

// latchBreaker is a breaker named name that opens on its first failure and
// logs into the returned buffer.
func latchBreaker(t *testing.T, name string) (*breaker.Breaker, *logtest.Buffer) {
	t.Helper()
	lg := &logtest.Buffer{}
	b, err := breaker.New(breaker.Config{
		Name:                name,
		ConsecutiveFailures: 1,
		Logger:              slog.New(slog.NewJSONHandler(lg, nil)),
	})
	require.NoError(t, err)
	return b, lg
}

// start is one process start: a new breaker and its latch on path.
func latchStart(t *testing.T, name, path string) (*breaker.Breaker, *breaker.Latch, *logtest.Buffer) {
	t.Helper()
	b, lg := latchBreaker(t, name)
	l, err := breaker.NewLatch(b, path)
	require.NoError(t, err)
	t.Cleanup(l.Close)
	return b, l, lg
}

var errLatchQuota = errctx.New("sending mail", errctx.Fields("smtp", "554 daily quota exceeded"))

func latchFailing(context.Context) error { return errLatchQuota }

// readRecord reads the state file as JSON.
func latchReadRecord(t *testing.T, path string) breaker.LatchRecord {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var rec breaker.LatchRecord
	require.NoError(t, json.Unmarshal(data, &rec), "state file must be one valid JSON record: %q", data)
	return rec
}

// waitHeld waits until the latch has recorded a trip and holds b.
func latchWaitHeld(t *testing.T, b *breaker.Breaker, l *breaker.Latch) {
	t.Helper()
	require.Eventually(t, func() bool { return l.Tripped() && b.State() == breaker.ForcedOpen },
		5*time.Second, time.Millisecond, "the latch did not hold the breaker")
}

// onlyStateFile asserts that the directory holds nothing but the state file
// (when present): no temporary file is left behind.
func latchOnlyStateFile(t *testing.T, path string) {
	t.Helper()
	entries, err := os.ReadDir(filepath.Dir(path))
	require.NoError(t, err)
	for _, e := range entries {
		assert.Equal(t, filepath.Base(path), e.Name(), "leftover file next to the state file")
	}
}

func TestLatchSurvivesRestartUntilReset(t *testing.T) {
	path := filepath.Join(t.TempDir(), "poller.latch")
	ctx := context.Background()

	// First run: the first failure opens the breaker and trips the latch.
	b, l, lg := latchStart(t, "mail-poller", path)
	assert.False(t, l.Tripped())
	assert.NoFileExists(t, path)
	require.ErrorIs(t, b.Run(ctx, latchFailing), errLatchQuota)
	latchWaitHeld(t, b, l)

	rec := latchReadRecord(t, path)
	assert.Equal(t, "mail-poller", rec.Breaker)
	assert.Equal(t, "1 failure in a row", rec.Reason)
	assert.Equal(t, errLatchQuota.Error(), rec.LastError)
	assert.WithinDuration(t, time.Now(), rec.TrippedAt, time.Minute)
	assert.Equal(t, os.Getpid(), rec.PID)
	assert.Contains(t, rec.Reset, "Latch.Reset()")
	got, ok := l.Record()
	require.True(t, ok)
	assert.Equal(t, rec, got)
	assert.NoError(t, l.Err())
	latchOnlyStateFile(t, path)

	warn := lg.Wait(t, logtest.Msg("breaker latched"), 1) // logged once the latch lets go of its lock
	require.Len(t, warn, 1)
	assert.Equal(t, "WARN", warn[0]["level"])
	assert.Equal(t, path, warn[0]["path"])
	assert.Contains(t, warn[0]["remedy"], "Latch.Reset()")

	// The latch holds the breaker: no half-open retry in this process.
	called := false
	err := b.Run(ctx, func(context.Context) error { called = true; return nil })
	require.ErrorIs(t, err, breaker.ErrOpen)
	assert.False(t, called)

	// Restart: the new process starts forced open and says why and how to
	// resume.
	b2, l2, lg2 := latchStart(t, "mail-poller", path)
	assert.Equal(t, breaker.ForcedOpen, b2.State())
	assert.True(t, l2.Tripped())
	got2, ok := l2.Record()
	require.True(t, ok)
	assert.Equal(t, rec, got2)
	warn = lg2.Find(t, logtest.Msg("breaker latched by an earlier failure"))
	require.Len(t, warn, 1)
	assert.Equal(t, "WARN", warn[0]["level"])
	assert.Equal(t, rec.Reason, warn[0]["reason"])
	assert.Equal(t, errLatchQuota.Error(), warn[0]["error"])
	assert.Contains(t, warn[0]["remedy"], path)
	assert.Contains(t, warn[0]["remedy"], "Latch.Reset()")

	err = b2.Run(ctx, func(context.Context) error { called = true; return nil })
	require.ErrorIs(t, err, breaker.ErrOpen)
	assert.False(t, called)
	remedy := strings.Join(errctx.RemediesOf(err), "; ")
	assert.Contains(t, remedy, path, "the rejection names the state file")
	assert.Contains(t, remedy, "Latch.Reset()", "the rejection names the reset call")
	assert.Contains(t, remedy, errLatchQuota.Error(), "the rejection quotes the last error")

	// Reset: the file goes, calls go through, the next start is clean.
	require.NoError(t, l2.Reset())
	assert.NoFileExists(t, path)
	assert.False(t, l2.Tripped())
	assert.Equal(t, breaker.Closed, b2.State())
	require.NoError(t, b2.Run(ctx, func(context.Context) error { called = true; return nil }))
	assert.True(t, called)

	b3, l3, _ := latchStart(t, "mail-poller", path)
	assert.Equal(t, breaker.Closed, b3.State())
	assert.False(t, l3.Tripped())
}

func TestLatchFileRemovedByHand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "poller.latch")
	b, l, _ := latchStart(t, "mail-poller", path)
	require.NoError(t, l.Trip("panic while polling", errors.New("nil map")))
	require.NoError(t, os.Remove(path))

	b2, l2, _ := latchStart(t, "mail-poller", path)
	assert.Equal(t, breaker.ForcedOpen, b.State(), "the running process stays held")
	assert.Equal(t, breaker.Closed, b2.State(), "a restart after deleting the file runs")
	assert.False(t, l2.Tripped())
}

func TestLatchTripIsSynchronous(t *testing.T) {
	path := filepath.Join(t.TempDir(), "job.latch")
	b, l, _ := latchStart(t, "billing-run", path)

	// As on the way out of a crash: the file is there when Trip returns.
	require.NoError(t, l.Trip("panic while charging", errors.New("index out of range")))
	rec := latchReadRecord(t, path)
	assert.Equal(t, "billing-run", rec.Breaker)
	assert.Equal(t, "panic while charging", rec.Reason)
	assert.Equal(t, "index out of range", rec.LastError)
	assert.Equal(t, breaker.ForcedOpen, b.State())
	assert.True(t, l.Tripped())

	// A second trip while held keeps the first record.
	require.NoError(t, l.Trip("another failure", nil))
	assert.Equal(t, rec, latchReadRecord(t, path))
}

func TestLatchFollowsBreakerReset(t *testing.T) {
	path := filepath.Join(t.TempDir(), "poller.latch")
	b, l, _ := latchStart(t, "mail-poller", path)
	require.ErrorIs(t, b.Run(context.Background(), latchFailing), errLatchQuota)
	latchWaitHeld(t, b, l)

	b.Reset() // e.g. from an admin endpoint that knows only the registry
	require.Eventually(t, func() bool { return !l.Tripped() }, 5*time.Second, time.Millisecond)
	assert.NoFileExists(t, path)

	// It trips again on the next failure.
	require.ErrorIs(t, b.Run(context.Background(), latchFailing), errLatchQuota)
	latchWaitHeld(t, b, l)
	assert.FileExists(t, path)
}

func TestLatchDisableKeepsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "poller.latch")
	b, l, _ := latchStart(t, "mail-poller", path)
	require.NoError(t, l.Trip("crash", nil))

	b.Disable()
	require.NoError(t, b.Run(context.Background(), func(context.Context) error { return nil }))
	assert.FileExists(t, path, "disabling lets calls through but the next start is latched again")
	assert.True(t, l.Tripped())

	b.Reset() // back to automatic: the latch lets go
	require.Eventually(t, func() bool { return !l.Tripped() }, 5*time.Second, time.Millisecond)
	assert.NoFileExists(t, path)
	assert.Equal(t, breaker.Closed, b.State())
}

func TestLatchCloseStopsRecording(t *testing.T) {
	path := filepath.Join(t.TempDir(), "poller.latch")
	b, l, _ := latchStart(t, "mail-poller", path)
	l.Close()
	require.ErrorIs(t, b.Run(context.Background(), latchFailing), errLatchQuota)
	assert.Equal(t, breaker.Open, b.State())
	assert.False(t, l.Tripped())
	assert.NoFileExists(t, path)
}

func TestLatchUnreadableFileCountsAsTripped(t *testing.T) {
	valid, err := json.Marshal(breaker.LatchRecord{Breaker: "mail-poller", TrippedAt: time.Now(), Reason: "crash"})
	require.NoError(t, err)
	cases := map[string]func(path string) error{
		"garbage":    func(p string) error { return os.WriteFile(p, []byte("\x00\xffnot json"), 0o600) },
		"empty":      func(p string) error { return os.WriteFile(p, nil, 0o600) },
		"truncated":  func(p string) error { return os.WriteFile(p, valid[:len(valid)/2], 0o600) },
		"no name":    func(p string) error { return os.WriteFile(p, []byte(`{"tripped_at":"2026-01-02T03:04:05Z"}`), 0o600) },
		"no time":    func(p string) error { return os.WriteFile(p, []byte(`{"breaker":"mail-poller"}`), 0o600) },
		"wrong type": func(p string) error { return os.WriteFile(p, []byte(`["mail-poller"]`), 0o600) },
		"two values": func(p string) error { return os.WriteFile(p, append(append(valid, '\n'), valid...), 0o600) },
		"too large": func(p string) error {
			return os.WriteFile(p, append(valid[:len(valid)-1], []byte(`,"x":"`+strings.Repeat("a", breaker.MaxLatchFileSize)+`"}`)...), 0o600)
		},
		"a directory": func(p string) error { return os.Mkdir(p, 0o700) },
	}
	for name, make := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "poller.latch")
			require.NoError(t, make(path))

			b, l, lg := latchStart(t, "mail-poller", path)
			assert.Equal(t, breaker.ForcedOpen, b.State(), "fail safe: an unreadable file holds the breaker")
			assert.True(t, l.Tripped())
			_, ok := l.Record()
			assert.False(t, ok)

			err := l.Err()
			require.Error(t, err)
			var ee *errctx.Error
			require.ErrorAs(t, err, &ee)
			assert.Contains(t, errctx.AttemptedOf(err)[0], "reading the latch state file of breaker mail-poller")
			assert.Contains(t, err.Error(), path)
			assert.Contains(t, errctx.RemediesOf(err)[0], "Latch.Reset()")

			recs := lg.Find(t, logtest.Msg("breaker latched by an unreadable state file"))
			require.Len(t, recs, 1)
			assert.Equal(t, "ERROR", recs[0]["level"])
			assert.NotEmpty(t, recs[0]["attempted"])
			assert.NotEmpty(t, recs[0]["error"])
			assert.Contains(t, recs[0]["remedy"], path)

			rej := b.Run(context.Background(), func(context.Context) error { return nil })
			require.ErrorIs(t, rej, breaker.ErrOpen)
			assert.Contains(t, strings.Join(errctx.RemediesOf(rej), "; "), path)

			require.NoError(t, l.Reset())
			assert.NoFileExists(t, path)
			assert.Equal(t, breaker.Closed, b.State())
			assert.NoError(t, l.Err())
		})
	}
}

func TestLatchTruncatesLongTexts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "poller.latch")
	_, l, _ := latchStart(t, "mail-poller", path)
	long := strings.Repeat("é", breaker.MaxLatchFileSize)
	require.NoError(t, l.Trip(long, errors.New(long)))

	_, l2, _ := latchStart(t, "mail-poller", path)
	rec, ok := l2.Record()
	require.True(t, ok, "a record with long texts must still be readable on restart: %v", l2.Err())
	assert.Less(t, len(rec.Reason), 5<<10)
	assert.True(t, strings.HasSuffix(rec.LastError, "…"))
}

func TestNewLatchRefusesBadArguments(t *testing.T) {
	b, _ := latchBreaker(t, "mail-poller")
	dir := t.TempDir()

	_, err := breaker.NewLatch(nil, filepath.Join(dir, "x"))
	require.Error(t, err)
	assert.NotEmpty(t, errctx.RemediesOf(err))

	_, err = breaker.NewLatch(b, "")
	require.Error(t, err)
	assert.Equal(t, "creating the latch of breaker mail-poller: the state file path is empty", err.Error())

	missing := filepath.Join(dir, "no", "such", "dir")
	_, err = breaker.NewLatch(b, filepath.Join(missing, "poller.latch"))
	require.Error(t, err)
	assert.Contains(t, errctx.RemediesOf(err)[0], missing, "the remedy names the directory to create")
	assert.Equal(t, errctx.Permanent, errctx.ClassOf(err))

	file := filepath.Join(dir, "plain")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	_, err = breaker.NewLatch(b, filepath.Join(file, "poller.latch"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not a directory")

	assert.Equal(t, breaker.Closed, b.State(), "a refused latch leaves the breaker alone")
}

func TestLatchWriteFailureHoldsInProcess(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	require.NoError(t, os.Mkdir(dir, 0o700))
	path := filepath.Join(dir, "poller.latch")
	b, l, lg := latchStart(t, "mail-poller", path)

	// The directory disappears under the process (an unmounted volume).
	require.NoError(t, os.Remove(dir))
	require.ErrorIs(t, b.Run(context.Background(), latchFailing), errLatchQuota)
	require.Eventually(t, func() bool { return l.Err() != nil }, 5*time.Second, time.Millisecond)

	assert.True(t, l.Tripped())
	assert.Equal(t, breaker.ForcedOpen, b.State(), "held in this process even though nothing was recorded")
	err := l.Err()
	assert.Contains(t, errctx.AttemptedOf(err)[0], "recording the trip of breaker mail-poller")
	assert.Contains(t, errctx.RemediesOf(err)[0], "held open in this process only")
	recs := lg.Wait(t, logtest.Msg("breaker latched, but its state file could not be written"), 1) // written once the latch is unlocked
	require.Len(t, recs, 1)
	assert.Equal(t, "ERROR", recs[0]["level"])
	require.ErrorIs(t, b.Run(context.Background(), latchFailing), breaker.ErrOpen)

	// Once the directory is back, tripping again records the trip.
	require.NoError(t, os.Mkdir(dir, 0o700))
	require.NoError(t, l.Trip("retrying the record", errLatchQuota))
	assert.NoError(t, l.Err())
	assert.Equal(t, "retrying the record", latchReadRecord(t, path).Reason)
	latchOnlyStateFile(t, path)
}

func TestLatchReadOnlyDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ro")
	require.NoError(t, os.Mkdir(dir, 0o500))
	t.Cleanup(func() { os.Chmod(dir, 0o700) })
	if f, err := os.CreateTemp(dir, "probe"); err == nil {
		f.Close()
		os.Remove(f.Name())
		t.Skip("permissions do not stop this user (root?) from writing; TestLatchWriteFailureHoldsInProcess covers the failure")
	}
	path := filepath.Join(dir, "poller.latch")
	b, l, _ := latchStart(t, "mail-poller", path)

	err := l.Trip("crash", errLatchQuota)
	require.Error(t, err)
	assert.ErrorIs(t, err, os.ErrPermission)
	assert.Equal(t, breaker.ForcedOpen, b.State())
	assert.NoFileExists(t, path)
}

func TestLatchResetFailureKeepsItHeld(t *testing.T) {
	path := filepath.Join(t.TempDir(), "poller.latch")
	// A non-empty directory where the file should be: unreadable, and it
	// cannot be removed as a file.
	require.NoError(t, os.MkdirAll(filepath.Join(path, "inside"), 0o700))
	b, l, _ := latchStart(t, "mail-poller", path)
	require.True(t, l.Tripped())

	err := l.Reset()
	require.Error(t, err)
	assert.Contains(t, errctx.RemediesOf(err)[0], "delete "+path+" by hand")
	assert.True(t, l.Tripped())
	assert.Equal(t, breaker.ForcedOpen, b.State(), "a latch that could not be reset keeps holding")

	require.NoError(t, os.RemoveAll(path))
	require.NoError(t, l.Reset())
	assert.Equal(t, breaker.Closed, b.State())
}

func TestLatchConcurrentTrips(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.latch")
	// Two breakers (as two processes would) latch on the same file, tripped
	// by their own calls and by Trip at the same time.
	b1, l1, _ := latchStart(t, "poller-a", path)
	b2, l2, _ := latchStart(t, "poller-b", path)

	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			switch i % 4 {
			case 0:
				b1.Run(context.Background(), latchFailing)
			case 1:
				b2.Run(context.Background(), latchFailing)
			case 2:
				assert.NoError(t, l1.Trip(fmt.Sprintf("trip %d", i), errLatchQuota))
			case 3:
				assert.NoError(t, l2.Trip(fmt.Sprintf("trip %d", i), errLatchQuota))
			}
		})
	}
	wg.Wait()
	latchWaitHeld(t, b1, l1)
	latchWaitHeld(t, b2, l2)

	rec := latchReadRecord(t, path)
	assert.Contains(t, []string{"poller-a", "poller-b"}, rec.Breaker)
	assert.NoError(t, l1.Err())
	assert.NoError(t, l2.Err())
	latchOnlyStateFile(t, path)
}

func TestLatchFileIsNeverPartial(t *testing.T) {
	path := filepath.Join(t.TempDir(), "poller.latch")
	b, l, _ := latchStart(t, "mail-poller", path)

	// A reader polls the file while the latch trips and resets; every read
	// sees no file or a whole record.
	stop := make(chan struct{})
	readerDone := make(chan int)
	go func() {
		reads := 0
		defer func() { readerDone <- reads }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			data, err := os.ReadFile(path)
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			reads++
			var rec breaker.LatchRecord
			if !assert.NoError(t, err) || !assert.NoError(t, json.Unmarshal(data, &rec), "partial file %q", data) {
				return
			}
			assert.Equal(t, "mail-poller", rec.Breaker)
		}
	}()

	long := errors.New(strings.Repeat("x", 3000)) // a record of several KiB
	for i := range 50 {
		require.NoError(t, l.Trip(fmt.Sprintf("trip %d", i), long))
		assert.Equal(t, fmt.Sprintf("trip %d", i), latchReadRecord(t, path).Reason)
		latchOnlyStateFile(t, path)
		require.NoError(t, l.Reset())
		assert.Equal(t, breaker.Closed, b.State())
	}
	close(stop)
	t.Logf("reader saw the file %d times", <-readerDone)
	latchOnlyStateFile(t, path)
}

func TestLatchRemovesStaleTempFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "poller.latch")
	stale := filepath.Join(dir, ".poller.latch.12345.tmp")
	fresh := filepath.Join(dir, ".poller.latch.67890.tmp")
	other := filepath.Join(dir, ".other.latch.12345.tmp")
	for _, p := range []string{stale, fresh, other} {
		require.NoError(t, os.WriteFile(p, []byte(`{"breaker":`), 0o600))
	}
	old := time.Now().Add(-time.Hour)
	require.NoError(t, os.Chtimes(stale, old, old))
	require.NoError(t, os.Chtimes(other, old, old))

	_, l, _ := latchStart(t, "mail-poller", path)
	assert.False(t, l.Tripped(), "a temporary file is not a trip")
	assert.NoFileExists(t, stale, "a writer that died left it")
	assert.FileExists(t, fresh, "a writer may still be at work")
	assert.FileExists(t, other, "another latch's file")
}

func TestLatchPermissionDeniedCountsAsTripped(t *testing.T) {
	path := filepath.Join(t.TempDir(), "poller.latch")
	require.NoError(t, os.WriteFile(path, []byte(`{"breaker":"mail-poller","tripped_at":"2026-01-02T03:04:05Z"}`), 0o000))
	if _, err := os.ReadFile(path); err == nil {
		t.Skip("permissions do not stop this user (root?) from reading; TestLatchUnreadableFileCountsAsTripped covers unreadable files")
	}
	b, l, _ := latchStart(t, "mail-poller", path)
	assert.Equal(t, breaker.ForcedOpen, b.State())
	assert.True(t, l.Tripped())
	assert.ErrorIs(t, l.Err(), os.ErrPermission)
}

func TestLatchResetRightAfterOpeningStaysReset(t *testing.T) {
	// The opening may reach the latch after Reset returned: it must not
	// latch the breaker again.
	path := filepath.Join(t.TempDir(), "poller.latch")
	for range 100 {
		b, l, _ := latchStart(t, "mail-poller", path)
		require.ErrorIs(t, b.Run(context.Background(), latchFailing), errLatchQuota)
		require.NoError(t, l.Reset())

		// A later opening is delivered after the first one; the record
		// must be the later one's.
		after := time.Now()
		require.ErrorIs(t, b.Run(context.Background(), latchFailing), errLatchQuota, "the breaker was latched again")
		latchWaitHeld(t, b, l)
		rec, ok := l.Record()
		require.True(t, ok)
		require.False(t, rec.TrippedAt.Before(after), "latched by the opening that came before Reset")
		require.NoError(t, l.Reset())
		l.Close()
	}
}

func TestLatchFailedRenameLeavesNoTempFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "poller.latch")
	// A non-empty directory where the file should be: the temporary file is
	// written, but cannot be renamed over it.
	require.NoError(t, os.MkdirAll(filepath.Join(path, "inside"), 0o700))
	b, l, _ := latchStart(t, "mail-poller", path)

	err := l.Trip("crash", errLatchQuota)
	require.Error(t, err)
	assert.Contains(t, errctx.AttemptedOf(err)[0], "recording the trip")
	assert.Equal(t, breaker.ForcedOpen, b.State())
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "the temporary file is removed after a failed rename")
	assert.Equal(t, "poller.latch", entries[0].Name())
}

func TestLatchPathIsAbsolute(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	b, _ := latchBreaker(t, "mail-poller")
	l, err := breaker.NewLatch(b, "poller.latch")
	require.NoError(t, err)
	defer l.Close()
	want, err := filepath.EvalSymlinks(dir)
	require.NoError(t, err)
	got, err := filepath.EvalSymlinks(filepath.Dir(l.Path()))
	require.NoError(t, err)
	assert.Equal(t, want, got)
	assert.True(t, filepath.IsAbs(l.Path()), "logs and remedies name the file unambiguously")
	require.NoError(t, l.Trip("crash", nil))
	assert.FileExists(t, filepath.Join(dir, "poller.latch"))
}

func TestLatchResetHintSpeaksTheProgramsLanguage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "poller.latch")
	const hint = "run mailer with -reset"
	start := func() (*breaker.Breaker, *breaker.Latch, *logtest.Buffer) {
		b, lg := latchBreaker(t, "mail-poller")
		l, err := breaker.NewLatchWith(b, path, breaker.LatchOptions{ResetHint: hint})
		require.NoError(t, err)
		t.Cleanup(l.Close)
		return b, l, lg
	}
	// speaks asserts that an operator-facing text gives the program's hint
	// and the state file, and no API call.
	speaks := func(what, text string) {
		t.Helper()
		assert.Contains(t, text, hint, what)
		assert.Contains(t, text, path, what)
		assert.NotContains(t, text, "Latch.", what)
	}

	b, l, lg := start()
	require.ErrorIs(t, b.Run(context.Background(), latchFailing), errLatchQuota)
	latchWaitHeld(t, b, l)
	rec := latchReadRecord(t, path)
	assert.Equal(t, "find the cause in the logs, then "+hint+", or delete this file and restart the process", rec.Reset)
	warn := lg.Wait(t, logtest.Msg("breaker latched"), 1) // logged once the latch lets go of its lock
	require.Len(t, warn, 1)
	speaks("the trip's record", warn[0]["remedy"].(string))

	// The next start: its warning and every rejection give the hint.
	b2, _, lg2 := start()
	warn = lg2.Find(t, logtest.Msg("breaker latched by an earlier failure"))
	require.Len(t, warn, 1)
	assert.Equal(t, "find the cause in the logs, then "+hint+", or delete "+path+" and restart", warn[0]["remedy"])
	rej := b2.Run(context.Background(), latchFailing)
	require.ErrorIs(t, rej, breaker.ErrOpen)
	speaks("the rejection", errctx.RemediesOf(rej)[0])

	// An unreadable file says the same.
	require.NoError(t, os.WriteFile(path, []byte("not json"), 0o600))
	b3, l3, lg3 := start()
	speaks("the unreadable file's error", errctx.RemediesOf(l3.Err())[0])
	recs := lg3.Find(t, logtest.Msg("breaker latched by an unreadable state file"))
	require.Len(t, recs, 1)
	speaks("the unreadable file's record", recs[0]["remedy"].(string))
	rej = b3.Run(context.Background(), latchFailing)
	speaks("the rejection after an unreadable file", errctx.RemediesOf(rej)[0])
}

func TestLatchResetHintRefusedWhenTooLong(t *testing.T) {
	b, _ := latchBreaker(t, "mail-poller")
	_, err := breaker.NewLatchWith(b, filepath.Join(t.TempDir(), "poller.latch"),
		breaker.LatchOptions{ResetHint: strings.Repeat("x", breaker.MaxResetHint+1)})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "LatchOptions.ResetHint")
	assert.Equal(t, errctx.Permanent, errctx.ClassOf(err))
	assert.NotEmpty(t, errctx.RemediesOf(err))
	assert.Equal(t, breaker.Closed, b.State())
}

func TestLatchTripRecordNamesWhatWasAttempted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "poller.latch")
	_, l, lg := latchStart(t, "mail-poller", path)
	require.NoError(t, l.Trip("crash", errLatchQuota))
	warn := lg.Find(t, logtest.Msg("breaker latched"))
	require.Len(t, warn, 1)
	assert.Equal(t, "sending mail", warn[0]["attempted"], "the cause's own attempted, not an API phrase")

	_, l2, lg2 := latchStart(t, "billing-run", filepath.Join(t.TempDir(), "job.latch"))
	require.NoError(t, l2.Trip("crash", errors.New("plain")))
	warn = lg2.Find(t, logtest.Msg("breaker latched"))
	require.Len(t, warn, 1)
	assert.Equal(t, "calling billing-run", warn[0]["attempted"], "a plain error: the breaker's calls")
}

// The usual race, made deterministic: the breaker's own opening is recorded
// first, then the code that knows why calls Trip. Trip's record wins.
func TestLatchTripReplacesTheRecordOfTheOpening(t *testing.T) {
	path := filepath.Join(t.TempDir(), "poller.latch")
	b, l, lg := latchStart(t, "mail-poller", path)
	require.ErrorIs(t, b.Run(context.Background(), latchFailing), errLatchQuota)
	latchWaitHeld(t, b, l)
	require.Equal(t, "1 failure in a row", latchReadRecord(t, path).Reason)

	crash := errors.New("nil map in message 42")
	require.NoError(t, l.Trip("panic while polling", crash))
	rec := latchReadRecord(t, path)
	assert.Equal(t, "panic while polling", rec.Reason)
	assert.Equal(t, crash.Error(), rec.LastError)
	got, ok := l.Record()
	require.True(t, ok)
	assert.Equal(t, rec, got)
	rej := b.Run(context.Background(), latchFailing)
	require.ErrorIs(t, rej, breaker.ErrOpen)
	assert.Contains(t, errctx.RemediesOf(rej)[0], "panic while polling", "rejections quote the recorded reason")
	// The opening's record is logged once the latch lets go of its lock, so
	// it may come after Trip's.
	warn := logtest.Filter(lg.Wait(t, logtest.Msg("breaker latched"), 2), logtest.Field("replaces", "1 failure in a row"))
	require.Len(t, warn, 1)
	assert.Equal(t, "panic while polling", warn[0]["reason"])

	// A second explicit trip keeps the first one's record.
	require.NoError(t, l.Trip("another failure", errors.New("later")))
	assert.Equal(t, rec, latchReadRecord(t, path))
	assert.Len(t, lg.Find(t, logtest.Msg("breaker latched")), 2)
}

// A process that starts latched keeps the record it found: a Trip in it is a
// later stop, not the one to look at.
func TestLatchTripKeepsTheRecordOfAnEarlierProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "poller.latch")
	_, l, _ := latchStart(t, "mail-poller", path)
	require.NoError(t, l.Trip("panic while polling", errors.New("nil map")))
	rec := latchReadRecord(t, path)
	l.Close()

	_, l2, _ := latchStart(t, "mail-poller", path)
	require.NoError(t, l2.Trip("listing the inbox failed", errors.New("EIO")))
	assert.Equal(t, rec, latchReadRecord(t, path))
}
