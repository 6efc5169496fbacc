package logtest_test

import (
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/internal/logtest"
)

func TestRecordsAndMatchers(t *testing.T) {
	var logs logtest.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	logger.Info("request", "status", 200, "route", "GET /")
	logger.Warn("request", "status", 404, "error", slog.GroupValue(slog.String("attempted", "lookup")))
	logger.Info("other")

	recs := logs.Records(t)
	require.Len(t, recs, 3)
	assert.Len(t, logs.Lines(), 3)
	assert.Equal(t, "GET /", recs[0].Str("route"))
	assert.Equal(t, 200.0, recs[0].Num("status"))
	assert.Equal(t, "lookup", recs[1].Group("error")["attempted"])
	assert.Empty(t, recs[2].Str("route"))
	assert.Nil(t, recs[2].Group("error"))

	assert.Len(t, logs.Find(t, logtest.Msg("request")), 2)
	assert.Len(t, logtest.Filter(recs, logtest.Level("WARN")), 1)
	assert.Len(t, logtest.Filter(recs, logtest.Field("status", 404)), 1)
	assert.Len(t, logtest.Filter(recs, logtest.All()), 3)
	assert.Equal(t, 404.0, logtest.One(t, recs, logtest.All(logtest.Msg("request"), logtest.Level("WARN")), "warning").Num("status"))
}

func TestWaitIsWokenByWrites(t *testing.T) {
	var logs logtest.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 50 {
				logger.Info("tick", "worker", i, "n", j)
			}
		})
	}
	got := logs.Wait(t, logtest.All(logtest.Msg("tick"), logtest.Field("n", 49)), 4)
	assert.Len(t, got, 4)
	wg.Wait()
	assert.Len(t, logs.Records(t), 200)
}

func TestWaitSkipsAPartialLine(t *testing.T) {
	logs := logtest.Buffer{Timeout: time.Second}
	_, _ = logs.Write([]byte(`{"msg":"a"}` + "\n" + `{"msg":`))
	done := make(chan []logtest.Record)
	go func() { done <- logs.Wait(t, logtest.Msg("b"), 1) }()
	_, _ = logs.Write([]byte(`"b"}` + "\n"))
	assert.Equal(t, "b", (<-done)[0].Str("msg"))
}

// failures runs f with a testing.TB that records failures instead of
// failing t.
func failures(f func(testing.TB)) []string {
	ft := &fakeT{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(ft)
	}()
	<-done
	return ft.failures
}

type fakeT struct {
	testing.TB
	failures []string
}

func (f *fakeT) Helper()      {}
func (f *fakeT) Name() string { return "fake" }
func (f *fakeT) Errorf(format string, args ...any) {
	f.failures = append(f.failures, fmt.Sprintf(format, args...))
}
func (f *fakeT) Fatalf(format string, args ...any) { f.Errorf(format, args...); f.FailNow() }
func (f *fakeT) FailNow()                          { runtime.Goexit() }

func TestFailures(t *testing.T) {
	assert.NotEmpty(t, failures(func(t testing.TB) { logtest.Decode(t, "{\"msg\":\"a\"}\nnot json\n") }), "a non-JSON line")
	assert.NotEmpty(t, failures(func(t testing.TB) { logtest.Decode(t, "[1]\n") }), "a JSON array")
	assert.NotEmpty(t, failures(func(t testing.TB) { logtest.Decode(t, "null\n") }), "JSON null")

	recs := logtest.Decode(t, "{\"msg\":\"a\"}\n{\"msg\":\"a\"}\n")
	assert.NotEmpty(t, failures(func(t testing.TB) { logtest.One(t, recs, logtest.Msg("a"), "a") }), "two")
	assert.NotEmpty(t, failures(func(t testing.TB) { logtest.One(t, recs, logtest.Msg("b"), "b") }), "none")

	logs := logtest.Buffer{Timeout: 20 * time.Millisecond}
	_, _ = logs.Write([]byte("{\"msg\":\"a\"}\n"))
	f := failures(func(t testing.TB) { logs.Wait(t, logtest.Msg("a"), 2) })
	require.Len(t, f, 1, "the deadline")
	assert.Contains(t, f[0], "1 of 2 matching records within 20ms")
}
