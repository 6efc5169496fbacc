package breaker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/vitals-go/vitals/errctx"
)

// Limits on a latch state file.
const (
	// MaxLatchFileSize bounds the state file a Latch reads; a larger file
	// counts as corrupt (and so as tripped).
	MaxLatchFileSize = 64 << 10
	// maxLatchText bounds the reason and last error written to the file.
	maxLatchText = 4 << 10
	// staleTempAge is the age from which a temporary file next to the state
	// file is the leftover of a writer that died, not one still writing.
	staleTempAge = time.Minute
	// MaxResetHint bounds LatchOptions.ResetHint, which every record and
	// rejection of the latch quotes.
	MaxResetHint = 1 << 10
)

// LatchOptions configure a [Latch]. The zero value gives the defaults.
type LatchOptions struct {
	// ResetHint tells the operator how to resume once the cause is fixed,
	// in the program's terms: "run mailer with -reset", "POST
	// /admin/latch/reset". The latch quotes it in its warnings, in every
	// rejection and in the state file, as "find the cause in the logs, then
	// <ResetHint>, or delete <state file> and restart". It is up to the
	// program to make the hint true, usually by calling [Latch.Reset].
	// Empty means "call Latch.Reset()". At most MaxResetHint bytes.
	ResetHint string
}

// LatchRecord is the content of a latch state file: why and when the
// breaker tripped. The file is JSON, readable by the operator who has to
// decide whether to reset it.
type LatchRecord struct {
	// Breaker is the name of the breaker that tripped.
	Breaker string `json:"breaker"`
	// TrippedAt is when it tripped.
	TrippedAt time.Time `json:"tripped_at"`
	// Reason says what tripped it, e.g. "1 failure in a row".
	Reason string `json:"reason"`
	// LastError is the text of the last failure the breaker saw, if any.
	LastError string `json:"last_error,omitempty"`
	// Host and PID identify the process that tripped.
	Host string `json:"host,omitempty"`
	PID  int    `json:"pid,omitempty"`
	// Reset tells the reader of the file how to resume, with the
	// LatchOptions.ResetHint of the process that tripped.
	Reset string `json:"reset,omitempty"`
}

// Latch keeps a breaker stopped across restarts after an unexpected
// failure, until someone looks: the circuit breaker of a mail poller that
// must not loop sending mail after a crash, or of a job that must not run
// twice over the same half-done work.
//
// When the breaker opens, the latch records the breaker's name, the time,
// the reason and the last error in a state file (written atomically: a
// temporary file in the same directory, fsync, rename, fsync of the
// directory) and holds the breaker forced open, so it does not go half-open
// and try again. A process that starts while the file exists starts with the
// breaker forced open, and logs a warning that says why and how to resume.
// A state file that cannot be read or parsed counts as tripped: when in
// doubt, stay stopped.
//
// The latch holds the breaker at the very transition that would open it:
// the breaker enters ForcedOpen instead of Open (the published [Transition]
// says To: ForcedOpen, with the opening's reason), so no open period can
// run out into a probe, whatever the log handler or listeners do. It writes
// the state file on a goroutine of its own a moment after the call that
// caused the opening returns. Code that may exit right after a failure (a
// job run by cron, a panic on its way out) calls [Latch.Trip] itself, which
// returns once the file is written, and whose record wins over the latch's
// own record of the same stop. Record times come from the breaker's
// Config.Clock.
//
// To resume, fix the cause, then call [Latch.Reset] (or [Breaker.Reset],
// which the latch follows), or delete the state file by hand and restart the
// process. What the operator reads says so in the program's terms when it
// gives a [LatchOptions.ResetHint]. [Breaker.Disable] lets calls through but
// leaves the file: the next process starts latched again.
//
// A failure to write or remove the state file never panics and never blocks
// calls: it is logged, returned by [Latch.Err] and, for Trip and Reset,
// returned to the caller; the breaker is then held open in this process
// only.
type Latch struct {
	b     *Breaker
	path  string
	hint  string // how the operator resumes: LatchOptions.ResetHint or the default
	host  string // os.Hostname, read once: the breaker's lock may be held while a record is made
	unsub func()

	mu      sync.Mutex // serialises trips, resets and their file operations
	tripped bool
	record  LatchRecord // zero when not tripped or the file is unreadable
	// opened says the record is the latch's own, of an opening of the
	// breaker in this process: an explicit Trip may replace it.
	opened bool
	err    error
	// resetGen is the breaker's generation after the last reset: an
	// opening of an earlier generation, delivered late, is not a trip.
	resetGen uint64
	// pending are the log records made under mu, written by unlock once
	// mu is released: a log handler is user code, and one that blocks must
	// not hold the latch (nor one that panics reach its caller).
	pending []latchLog
	// closed is set by Close: a transition whose delivery was under way
	// when Close was called must not write the state file afterwards.
	closed bool
}

type latchLog struct {
	ctx   context.Context
	level slog.Level
	msg   string
	attrs []slog.Attr
}

// log queues a log record until unlock. Callers hold l.mu.
func (l *Latch) log(ctx context.Context, level slog.Level, msg string, attrs ...slog.Attr) {
	l.pending = append(l.pending, latchLog{ctx, level, msg, attrs})
}

// unlock releases l.mu, then writes the log records made under it.
func (l *Latch) unlock() {
	logs := l.pending
	l.pending = nil
	l.mu.Unlock()
	for _, r := range logs {
		safely(func() { l.logger().LogAttrs(r.ctx, r.level, r.msg, r.attrs...) })
	}
}

// NewLatch returns a latch that keeps b stopped across restarts, recording
// its trips in the state file at path. The file's directory must exist and
// must survive restarts (not a tmpfs). If the file exists, b is forced open
// at once and a warning is logged through the breaker's Config.Logger (by
// default slog.Default()).
//
// Create the latch right after the breaker, before any call goes through it.
// NewLatch fails only for a nil breaker, an empty path or a directory that
// does not exist; an unreadable state file is not an error of NewLatch but a
// tripped latch whose [Latch.Err] says what is wrong with the file.
//
// NewLatch is NewLatchWith with the default options: operators are told to
// call Latch.Reset(), or to delete the file and restart.
func NewLatch(b *Breaker, path string) (*Latch, error) {
	return NewLatchWith(b, path, LatchOptions{})
}

// NewLatchWith is [NewLatch] with options, for a program that tells its
// operators how to resume in its own terms. It also refuses a ResetHint
// longer than MaxResetHint.
func NewLatchWith(b *Breaker, path string, opts LatchOptions) (*Latch, error) {
	if b == nil {
		return nil, errctx.Wrap(errors.New("the breaker is nil"), "creating a breaker latch",
			errctx.WithClass(errctx.Permanent),
			errctx.Remedy("pass the *Breaker returned by breaker.New"))
	}
	attempted := "creating the latch of breaker " + b.Name()
	if path == "" {
		return nil, errctx.Wrap(errors.New("the state file path is empty"), attempted,
			errctx.WithClass(errctx.Permanent),
			errctx.Fields("breaker", b.Name()),
			errctx.Remedy("give the path of the latch state file, in a directory that survives restarts"))
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, errctx.Wrap(err, attempted, errctx.WithClass(errctx.Permanent),
			errctx.Fields("breaker", b.Name(), "path", path),
			errctx.Remedy("give an absolute path for the latch state file"))
	}
	if len(opts.ResetHint) > MaxResetHint {
		return nil, errctx.Wrap(fmt.Errorf("LatchOptions.ResetHint is %d bytes long, more than %d", len(opts.ResetHint), MaxResetHint), attempted,
			errctx.WithClass(errctx.Permanent),
			errctx.Fields("breaker", b.Name()),
			errctx.Remedy("give a short hint, e.g. \"run mailer with -reset\"; the latch quotes it in every record and rejection"))
	}
	dir := filepath.Dir(abs)
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		if err == nil {
			err = fmt.Errorf("%s is not a directory", dir)
		}
		return nil, errctx.Wrap(err, attempted, errctx.WithClass(errctx.Permanent),
			errctx.Fields("breaker", b.Name(), "path", abs),
			errctx.Remedy("create the directory "+dir+" (on storage that survives restarts), or put the state file in an existing one"))
	}

	l := &Latch{b: b, path: abs, hint: opts.ResetHint}
	if l.hint == "" {
		l.hint = "call Latch.Reset()"
	}
	l.host, _ = os.Hostname()
	// The age of a temporary file is measured against the file system's
	// clock, the wall clock, whatever the breaker's Clock says.
	removeStaleTemps(abs, time.Now())
	l.unsub = b.Subscribe(l.observe)
	b.latch.Store(l)

	rec, err := readLatchFile(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		l.mu.Lock()
		l.tripped = true
		l.err = l.failure(context.Background(), "breaker latched by an unreadable state file", err,
			"reading the latch state file of breaker "+b.Name(),
			"the breaker stays forced open because an unreadable state file may hide a real trip; look at "+abs+
				" and the logs of the previous run, fix the cause, then "+l.hint+", or delete the file and restart")
		l.hold("latched: its state file " + abs + " is unreadable; inspect it, then " + l.hint + ", or delete the file and restart")
		l.unlock()
	default:
		l.mu.Lock()
		defer l.unlock()
		l.tripped = true
		l.record = rec
		l.hold(l.holdReason(rec))
		l.log(context.Background(), slog.LevelWarn, "breaker latched by an earlier failure",
			slog.String("breaker", b.Name()),
			slog.String("path", abs),
			slog.Time("tripped_at", rec.TrippedAt),
			slog.String("reason", rec.Reason),
			slog.String("attempted", "starting breaker "+b.Name()),
			slog.String("error", rec.LastError),
			slog.String("remedy", l.remedy()))
	}
	return l, nil
}

// Path returns the absolute path of the state file.
func (l *Latch) Path() string { return l.path }

// Tripped reports whether the latch holds its breaker: it tripped in this
// process, or the process started with a state file present (readable or
// not), and it has not been reset since.
func (l *Latch) Tripped() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.tripped
}

// Record returns the record of the trip that holds the latch, and false when
// the latch is not tripped or its state file could not be read.
func (l *Latch) Record() (LatchRecord, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.record, !l.record.TrippedAt.IsZero()
}

// Err returns what is wrong with the state file, or nil: it could not be
// read at start (the latch then counts as tripped), or the last trip could
// not be recorded or the last reset could not remove it.
func (l *Latch) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// Trip records a trip now and forces the breaker open, as if it had opened
// by itself; it returns once the state file is written, so that it can be
// called on the way out of a crash:
//
//	defer func() {
//		if p := recover(); p != nil {
//			latch.Trip("panic while polling", fmt.Errorf("%v", p))
//			panic(p)
//		}
//	}()
//
// A latch keeps one record per stop, the first: from the moment it trips
// until it is reset, later trips leave the record and the file as they are,
// with one exception. The breaker's own opening reaches the latch on the
// publishing goroutine, before or after the Trip that the same failure
// leads to, and Trip knows better why the code stopped; so a Trip replaces
// the record the latch made of an opening of its breaker in this process,
// unless a Trip was recorded since the latch tripped. In order of arrival:
//
//   - opening, Trip: Trip's record (and rejections quote Trip's reason);
//   - Trip, opening: Trip's record;
//   - opening, Trip, Trip (or Trip, Trip): the first Trip's record;
//   - in a process that started latched, Trip: the record found at start.
//
// Trip returns nil when it keeps the earlier record; a trip always leaves a
// state file, so Trip writes that record again if the file was deleted
// meanwhile. Its log record is written on the calling goroutine (so that
// it is out before a crashing process exits), once the state file is
// written and the latch released: a log handler that blocks holds up the
// caller of Trip, never the latch or its breaker. The error, also logged
// and kept for [Latch.Err], says the state file could not be written; the
// breaker is then held open in this process only.
func (l *Latch) Trip(reason string, cause error) error {
	l.mu.Lock()
	defer l.unlock()
	return l.trip(context.Background(), reason, cause, l.b.clock.Now(), true)
}

// Reset deletes the state file and resets the breaker, so calls go through
// again. If the file cannot be deleted the breaker stays held and the error
// says why.
func (l *Latch) Reset() error {
	l.mu.Lock()
	defer l.unlock()
	if err := l.clear(); err != nil {
		return err
	}
	l.b.Reset()
	l.resetGen = l.b.Snapshot().Generation
	return nil
}

// Close stops following the breaker: later openings are no longer held
// nor recorded, and once Close has returned no transition of the breaker
// makes the latch touch its state file (one still being delivered is
// ignored); an explicit Trip or Reset still does. The state file and the
// breaker's state are left as they are.
func (l *Latch) Close() {
	l.detach()
	l.mu.Lock()
	l.closed = true
	l.unlock()
}

// detach stops the breaker from holding its openings through l and from
// delivering its transitions to l.
func (l *Latch) detach() {
	l.b.latch.CompareAndSwap(l, nil)
	l.unsub()
}

// observe follows the breaker's transitions: an opening (held by the
// breaker itself as it happened, see Breaker.transition) is recorded, a
// Reset of the breaker resets the latch.
func (l *Latch) observe(t Transition) {
	l.mu.Lock()
	defer l.unlock()
	switch {
	case l.closed:
	case (t.To == Open || t.latched) && t.Generation >= l.resetGen:
		_ = l.trip(t.Context(), t.Reason, t.LastError, t.At, false)
	case t.To == Closed && t.From != HalfOpen: // only Reset closes from another state
		l.resetGen = max(l.resetGen, t.Generation)
		// A trip after that Reset holds the breaker again: the file is
		// then the new trip's and stays.
		if l.b.State() != ForcedOpen {
			_ = l.clear()
		}
	}
}

// trip writes the state file and holds the breaker; explicit says the trip
// comes from Trip rather than from an opening of the breaker. Callers hold
// l.mu.
func (l *Latch) trip(ctx context.Context, reason string, cause error, at time.Time, explicit bool) error {
	held := l.tripped && l.err == nil && l.b.State() == ForcedOpen
	replaces := held && explicit && l.opened
	if held && !replaces {
		// Recorded and held: the first trip is the one to look at, but a
		// trip always leaves a state file, even one deleted meanwhile.
		return l.keepFile(ctx)
	}
	rec := l.recordOf(reason, cause, at)
	earlier := l.record

	l.tripped, l.record, l.opened, l.err = true, rec, !explicit, nil
	if err := writeLatchFile(l.path, rec); err != nil {
		l.err = l.failure(ctx, "breaker latched, but its state file could not be written", err,
			"recording the trip of breaker "+rec.Breaker+" in its latch state file",
			"the breaker is held open in this process only and a restart would let calls through; keep the process from restarting until "+
				filepath.Dir(l.path)+" is writable again (space, permissions, mount) and the cause is fixed")
	}
	if replaces {
		l.b.ForceOpen(l.holdReason(rec)) // so that rejections quote the new reason
	} else {
		l.hold(l.holdReason(rec))
	}
	if l.err != nil {
		return l.err
	}
	attempted := "calling " + rec.Breaker
	if a := errctx.AttemptedOf(cause); len(a) > 0 {
		attempted = a[0]
	}
	attrs := []slog.Attr{
		slog.String("breaker", rec.Breaker),
		slog.String("path", l.path),
		slog.String("reason", rec.Reason),
	}
	if replaces {
		attrs = append(attrs, slog.String("replaces", earlier.Reason))
	}
	attrs = append(attrs, slog.String("attempted", attempted))
	if cause != nil {
		attrs = append(attrs, slog.Any("error", loggable(cause)))
	}
	attrs = append(attrs, slog.String("remedy", l.remedy()))
	l.log(ctx, slog.LevelWarn, "breaker latched", attrs...)
	return nil
}

// recordOf is the record of a trip at at.
func (l *Latch) recordOf(reason string, cause error, at time.Time) LatchRecord {
	rec := LatchRecord{
		Breaker:   l.b.Name(),
		TrippedAt: at.UTC(),
		Reason:    truncate(reason),
		Host:      l.host,
		PID:       os.Getpid(),
		Reset:     "find the cause in the logs, then " + l.hint + ", or delete this file and restart the process",
	}
	if cause != nil {
		rec.LastError = truncate(cause.Error())
	}
	return rec
}

// keepFile writes the record of the trip that holds the latch again when
// its state file has gone (deleted by hand while the process runs), so
// that the next start is latched too. Callers hold l.mu.
func (l *Latch) keepFile(ctx context.Context) error {
	if _, err := os.Lstat(l.path); !errors.Is(err, fs.ErrNotExist) || l.record.TrippedAt.IsZero() {
		return nil
	}
	if err := writeLatchFile(l.path, l.record); err != nil {
		l.err = l.failure(ctx, "breaker latched, but its deleted state file could not be written again", err,
			"recording the trip of breaker "+l.record.Breaker+" in its latch state file",
			"the breaker is held open in this process only and a restart would let calls through; keep the process from restarting until "+
				filepath.Dir(l.path)+" is writable again and the cause is fixed")
		return l.err
	}
	return nil
}

// holdOpening is the reason a latched breaker gives for the generation it
// enters instead of opening: the latch holds it at the very transition, so
// that neither the open period nor a slow sink lets a probe through before
// the state file is written. It reads only what never changes after
// NewLatch, since the breaker's lock is held.
func (l *Latch) holdOpening(reason string, cause error, at time.Time) string {
	return l.holdReason(l.recordOf(reason, cause, at))
}

// clear deletes the state file and forgets the trip. Callers hold l.mu.
func (l *Latch) clear() error {
	if !l.tripped {
		return nil
	}
	if err := removeLatchFile(l.path); err != nil {
		l.err = l.failure(context.Background(), "breaker latch could not be reset", err,
			"resetting the latch of breaker "+l.b.Name(),
			"delete "+l.path+" by hand (check the permissions of "+filepath.Dir(l.path)+"), then "+l.hint+" again, or restart")
		return l.err
	}
	l.tripped, l.record, l.opened, l.err = false, LatchRecord{}, false, nil
	l.log(context.Background(), slog.LevelInfo, "breaker latch reset",
		slog.String("breaker", l.b.Name()),
		slog.String("path", l.path))
	return nil
}

// hold forces the breaker open with reason, unless the latch already holds
// it. Callers hold l.mu.
func (l *Latch) hold(reason string) {
	if l.b.State() != ForcedOpen {
		l.b.ForceOpen(reason)
	}
}

// holdReason is the reason given to ForceOpen, quoted in every rejection.
func (l *Latch) holdReason(rec LatchRecord) string {
	s := "latched at " + rec.TrippedAt.Format(time.RFC3339) + " after " + rec.Reason
	if rec.LastError != "" {
		s += " (last error: " + rec.LastError + ")"
	}
	return s + "; to resume, " + l.remedy()
}

// remedy says how to resume.
func (l *Latch) remedy() string {
	return "find the cause in the logs, then " + l.hint + ", or delete " + l.path + " and restart"
}

// failure makes the errctx error for a state file operation that failed, and
// logs it. Callers hold l.mu.
func (l *Latch) failure(ctx context.Context, msg string, cause error, attempted, remedy string) error {
	err := errctx.Wrap(cause, attempted,
		errctx.WithClass(errctx.Permanent),
		errctx.Fields("breaker", l.b.Name(), "path", l.path),
		errctx.Remedy(remedy))
	l.log(ctx, slog.LevelError, msg,
		slog.String("breaker", l.b.Name()),
		slog.String("path", l.path),
		slog.String("attempted", attempted),
		slog.Any("error", err),
		slog.String("remedy", remedy))
	return err
}

// logger is the breaker's logger: Config.Logger, else slog.Default().
func (l *Latch) logger() *slog.Logger { return l.b.logger() }

// truncate bounds a text written to the state file.
func truncate(s string) string {
	if len(s) <= maxLatchText {
		return s
	}
	return strings.ToValidUTF8(s[:maxLatchText], "") + "…"
}

// readLatchFile reads and checks the state file at path. A missing file
// gives an error that wraps fs.ErrNotExist.
func readLatchFile(path string) (LatchRecord, error) {
	var rec LatchRecord
	info, err := os.Stat(path)
	if err != nil {
		return rec, err
	}
	// Opening a FIFO or a device could block or read forever.
	if !info.Mode().IsRegular() {
		return rec, fmt.Errorf("%s is not a regular file (%s)", path, info.Mode().Type())
	}
	f, err := os.Open(path)
	if err != nil {
		return rec, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxLatchFileSize+1))
	if err != nil {
		return rec, err
	}
	if len(data) > MaxLatchFileSize {
		return rec, fmt.Errorf("%s is larger than %d bytes", path, MaxLatchFileSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&rec); err != nil {
		return rec, fmt.Errorf("%s is not a latch record: %w", path, err)
	}
	if dec.More() {
		return rec, fmt.Errorf("%s has data after its latch record", path)
	}
	if rec.Breaker == "" || rec.TrippedAt.IsZero() {
		return rec, fmt.Errorf("%s lacks the breaker name or the trip time", path)
	}
	return rec, nil
}

// tempPattern is the name pattern of the temporary files next to the state
// file at path, for os.CreateTemp.
func tempPattern(path string) string { return "." + filepath.Base(path) + ".*.tmp" }

// writeLatchFile replaces the state file at path with rec, atomically: a
// reader sees the old file or the new one, never a part of one, and after a
// crash the file is either absent or complete.
func writeLatchFile(path string, rec LatchRecord) (err error) {
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, tempPattern(path))
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(append(data, '\n')); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(dir)
}

// removeLatchFile deletes the state file at path, durably; a missing file is
// not an error.
func removeLatchFile(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return syncDir(filepath.Dir(path))
}

// syncDir makes a rename or removal in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// removeStaleTemps deletes the temporary files that writers of the state
// file at path left behind when they died between creating and renaming
// them. Younger files may belong to a writer still at work.
func removeStaleTemps(path string, now time.Time) {
	prefix, suffix := "."+filepath.Base(path)+".", ".tmp"
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		return
	}
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasPrefix(name, prefix) || !strings.HasSuffix(name, suffix) {
			continue
		}
		if info, err := e.Info(); err == nil && now.Sub(info.ModTime()) >= staleTempAge {
			os.Remove(filepath.Join(filepath.Dir(path), name))
		}
	}
}
