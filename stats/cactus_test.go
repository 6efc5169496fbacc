package stats_test

import (
	"strings"
	"testing"
	"time"

	cactus "github.com/cactus/go-statsd-client/v5/statsd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/stats"
	"github.com/vitals-go/vitals/stats/cactusstats"
)

// TestCactusSendersUnderConfigSender plugs each of cactus' senders into
// Config.Sender against a real UDP listener. The Sender runs on the
// emitter's flushing goroutine, never the caller's, so whichever is chosen,
// a call costs the caller the same; what differs is when lines arrive (the
// buffered sender holds them up to its own interval) and what happens when
// the address moves (only the resolving sender looks it up again).
func TestCactusSendersUnderConfigSender(t *testing.T) {
	senders := map[string]func(addr string) (cactus.Sender, error){
		"simple":    cactus.NewSimpleSender,
		"resolving": func(addr string) (cactus.Sender, error) { return cactus.NewResolvingSimpleSender(addr, time.Second) },
		"buffered": func(addr string) (cactus.Sender, error) {
			return cactus.NewBufferedSender(addr, 10*time.Millisecond, 1432)
		},
	}
	for name, newSender := range senders {
		t.Run(name, func(t *testing.T) {
			l := listen(t)
			snd, err := newSender(l.addr())
			require.NoError(t, err)
			s, err := stats.NewStatsd(stats.Config{Sender: snd, Prefix: "app", FlushInterval: 10 * time.Millisecond})
			require.NoError(t, err)
			defer s.Close()
			s.Count("logins", 2, stats.T("via", "sso"))
			s.Gauge("pool", 3)
			lines := l.waitLines(t, 2)
			assert.Contains(t, lines, "app.logins;via=sso:2|c")
			assert.Contains(t, lines, "app.pool:3|g")
			assert.Zero(t, s.SendErrors())
		})
	}
}

// TestCactusStatterSendsThroughVitals: code written against cactus'
// Statter, given the adapter, sends vitals' lines through the non-blocking
// emitter.
func TestCactusStatterSendsThroughVitals(t *testing.T) {
	l := listen(t)
	s, err := stats.NewStatsd(stats.Config{Addr: l.addr(), Prefix: "app", FlushInterval: 10 * time.Millisecond})
	require.NoError(t, err)
	defer s.Close()

	var client cactus.Statter = cactusstats.New(s, "legacy")
	require.NoError(t, client.Inc("logins", 2, 1.0, cactus.Tag{"via", "sso"}))
	require.NoError(t, client.Dec("seats", 1, 1.0))
	require.NoError(t, client.Gauge("pool", 7, 1.0))
	require.NoError(t, client.GaugeDelta("queue", -2, 1.0))
	require.NoError(t, client.Timing("db", 12, 1.0))
	require.NoError(t, client.TimingDuration("http", 1500*time.Microsecond, 0.5))
	require.NoError(t, client.SetInt("users", 42, 1.0))
	sub := client.NewSubStatter("jobs")
	require.NoError(t, sub.Inc("done", 1, 1.0))
	assert.Error(t, client.Raw("raw", "1|c", 1.0), "a raw value has no meaning for an Emitter")
	require.NoError(t, client.Close())

	want := []string{
		"app.legacy.logins;via=sso:2|c",
		"app.legacy.seats:-1|c",
		"app.legacy.pool:7|g",
		"app.legacy.queue:-2|g",
		"app.legacy.db:12|ms",
		"app.legacy.http:1.5|ms",
		"app.legacy.users:42|s",
		"app.legacy.jobs.done:1|c",
	}
	lines := l.waitLines(t, len(want))
	for _, w := range want {
		assert.Contains(t, lines, w, "in %s", strings.Join(lines, "\n"))
	}
}
