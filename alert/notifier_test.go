package alert_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/alert"
	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/internal/logtest"
	"github.com/vitals-go/vitals/reqid"
)

func TestNewRefusesInvalidConfigNamingTheField(t *testing.T) {
	for field, cfg := range map[string]alert.Config{
		"Config.QueueSize":       {QueueSize: -1},
		"Config.Timeout":         {Timeout: -time.Second},
		"Config.Window":          {Window: -time.Second},
		"Config.Burst":           {Burst: -1},
		"Config.MaxFingerprints": {MaxFingerprints: -1},
		"Config.Sinks[1]":        {Sinks: []alert.Sink{newFake("a", nil), newFake("a", nil)}},
		"Config.Sinks[0]":        {Sinks: []alert.Sink{nil}},
	} {
		n, err := alert.New(cfg)
		assert.Nil(t, n, field)
		require.Error(t, err, field)
		assert.Contains(t, err.Error(), field)
		assert.Equal(t, errctx.Permanent, errctx.ClassOf(err), field)
		assert.NotEmpty(t, errctx.RemediesOf(err), field)
	}
}

func TestZeroConfigLogsToTheDefaultLogger(t *testing.T) {
	var logs logtest.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewJSONHandler(&logs, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })

	n, err := alert.New(alert.Config{})
	require.NoError(t, err)
	n.Notify(context.Background(), alert.Alert{Summary: "disk full", Severity: alert.Page, Remedy: "free space"})
	require.NoError(t, n.Close(context.Background()))

	rec := logtest.One(t, logs.Records(t), logtest.Msg("disk full"), "the alert's record")
	assert.Equal(t, "ERROR", rec.Str("level"))
	assert.Equal(t, true, rec["alert"])
	assert.Equal(t, "free space", rec.Str("remedy"))
	assert.Equal(t, float64(1), rec.Num("occurrence"))
	assert.NotEmpty(t, rec.Str("fingerprint"))
}

func TestTicketLogsAtWarn(t *testing.T) {
	r := newRig(t, alert.Config{})
	r.n.Notify(context.Background(), alert.Alert{Summary: "slow queue"})
	assert.Equal(t, "WARN", logtest.One(t, r.logs.Records(t), logtest.Msg("slow queue"), "record").Str("level"))
}

func TestErrorFillsTheEventFromTheErrorAndContext(t *testing.T) {
	sink := newFake("s", nil)
	r := newRig(t, alert.Config{Sinks: []alert.Sink{sink}})
	ctx := reqid.With(context.Background(), "req-1")
	err := errctx.Wrap(errors.New("connection refused"), "charge card",
		errctx.Remedy("check the payments service"), errctx.Fields("order", 42))
	r.n.Error(ctx, err)

	ev := sink.wait(t, 1)[0]
	assert.Equal(t, err.Error(), ev.Summary)
	assert.Equal(t, "check the payments service", ev.Remedy)
	assert.Equal(t, "req-1", ev.RequestID)
	assert.Equal(t, alert.Firing, ev.Status)
	assert.Equal(t, reqid.Process(), ev.Process)
	assert.Equal(t, int64(1), ev.Occurrence)
	assert.Len(t, ev.Fingerprint, 16)
	require.Len(t, ev.Fields, 1)
	assert.Equal(t, "order", ev.Fields[0].Key)
}

// raise calls Error from one call site, so that its fingerprint is the
// same for every err given.
func raise(n *alert.Notifier, err error) { n.Error(context.Background(), err) }

func TestErrorFingerprintIgnoresVolatileTextButNotTheSite(t *testing.T) {
	sink := newFake("s", nil)
	r := newRig(t, alert.Config{Sinks: []alert.Sink{sink}})
	raise(r.n, errctx.Wrap(errors.New("order 1 failed at 10:01"), "charge card"))
	raise(r.n, errctx.Wrap(errors.New("order 2 failed at 10:02"), "charge card"))
	raise(r.n, errctx.Wrap(errors.New("order 3 failed at 10:03"), "refund card"))
	r.n.Error(context.Background(), errctx.Wrap(errors.New("order 4"), "charge card"))

	evs := sink.wait(t, 3)
	assert.Equal(t, "order 1 failed at 10:01", errors.Unwrap(evs[0].Err).Error())
	assert.Equal(t, "charge card: order 4", evs[2].Summary, "another call site is another fingerprint")
	assert.NotEqual(t, evs[0].Fingerprint, evs[1].Fingerprint, "another attempted step is another fingerprint")
	assert.NotEqual(t, evs[0].Fingerprint, evs[2].Fingerprint)
	_, _, _, suppressed := r.counts("s")
	assert.Equal(t, int64(1), suppressed, "the second charge is a repeat")
}

// A resolution's record says it is one: its message is "resolved: " and
// the summary of what fired, at INFO, so that a reader of the log does not
// take it for the alert firing again.
func TestResolvedRecordSaysResolved(t *testing.T) {
	r := newRig(t, alert.Config{})
	fp := r.n.Fire(context.Background(), alert.Alert{Summary: "payments breaker open", Severity: alert.Page})
	r.n.Resolve(context.Background(), fp)
	resolved := r.logs.Wait(t, logtest.Msg("resolved: payments breaker open"), 1)[0]
	assert.Equal(t, "INFO", resolved.Str("level"))
	assert.Equal(t, "resolved", resolved.Str("status"))
	firing := logtest.One(t, r.logs.Records(t), logtest.Msg("payments breaker open"), "the firing record")
	assert.Equal(t, "ERROR", firing.Str("level"))
}
