package log

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// zones has offsets of every shape: zero under other names than UTC, whole
// hours, half hours, offsets with seconds, which RFC 3339 truncates to
// minutes toward zero, and offsets of a day or more, which a FixedZone
// allows.
var zones = []*time.Location{
	time.UTC, time.Local, time.FixedZone("GMT", 0),
	time.FixedZone("IST", 5*3600+30*60), time.FixedZone("NST", -(3*3600 + 30*60)),
	time.FixedZone("LINT", 14*3600), time.FixedZone("BIT", -12*3600),
	time.FixedZone("LMT", -(17*60 + 30)), time.FixedZone("S", -30), time.FixedZone("S+", 59),
	time.FixedZone("AMT", 4*3600+51*60+40),
	time.FixedZone("far", 100*3600+60), time.FixedZone("-far", -(25*3600 + 1)), time.FixedZone("day", -24*3600),
}

// wantTime is what slog writes for t: after an error when its year is out
// of range.
func wantTime(t time.Time) string {
	want := `"` + t.Format(time.RFC3339Nano) + `"`
	if y := t.Year(); y < 0 || y > 9999 {
		want = `"!ERROR:time.Time year outside of range [0,9999]"` + want
	}
	return want
}

func gotTime(t time.Time) string {
	var e encoder
	e.appendJSONTime(t)
	return string(e.buf)
}

// dayStep is the stride of TestAppendJSONTimeEveryDay at day.
func dayStep(day, cycle time.Time) time.Duration {
	if day.Before(cycle) {
		return 24 * time.Hour
	}
	return 97 * time.Hour
}

// TestAppendJSONTimeEveryDay compares appendJSONTime with
// time.Time.AppendFormat on every day of a 400-year cycle and every fourth
// day of years 400 to 9999, at a random time of day with random
// nanoseconds (trailing zeros of every length), in each zone in turn.
func TestAppendJSONTimeEveryDay(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	// The Gregorian calendar repeats every 400 years: every day of the
	// first cycle, then every 97 hours (each weekday and hour of the day
	// in turn) up to year 9999.
	cycle := time.Date(400, 1, 1, 0, 0, 0, 0, time.UTC)
	i := 0
	for day := start; day.Before(end); day = day.Add(dayStep(day, cycle)) {
		nanos := rng.IntN(1e9)
		nanos -= nanos % []int{1, 10, 1000, 1e6, 1e8, 1e9}[i%6]
		tm := day.Add(time.Duration(rng.IntN(86400))*time.Second + time.Duration(nanos)).In(zones[i%len(zones)])
		if y := tm.Year(); y < 0 || y > 9999 {
			continue // a zone moved it out of range: TestAppendJSONTimeRange
		}
		if got, want := gotTime(tm), wantTime(tm); got != want {
			require.Equal(t, want, got, "day %d", i)
		}
		i++
	}
}

// TestAppendJSONTimeRange checks the first and last instants that RFC 3339
// can write, in every zone, and the instants just outside, which slog
// writes after an error.
func TestAppendJSONTimeRange(t *testing.T) {
	for _, z := range zones {
		first := time.Date(0, 1, 1, 0, 0, 0, 0, z)
		last := time.Date(9999, 12, 31, 23, 59, 59, 999999999, z)
		for _, tm := range []time.Time{first, last, first.Add(-time.Nanosecond), last.Add(time.Nanosecond)} {
			require.Equal(t, wantTime(tm), gotTime(tm), "%s in %s", tm, z)
		}
	}
	for _, tm := range []time.Time{time.Unix(1<<62, 0), time.Unix(-1<<62, 0), {}} {
		require.Equal(t, wantTime(tm), gotTime(tm), "%s", tm)
	}
}

func BenchmarkAppendJSONTime(b *testing.B) {
	tm := time.Now()
	e := encoder{buf: make([]byte, 0, 64)}
	for b.Loop() {
		e.buf = e.buf[:0]
		e.appendJSONTime(tm)
	}
}

func BenchmarkTimeAppendFormat(b *testing.B) {
	tm := time.Now()
	buf := make([]byte, 0, 64)
	for b.Loop() {
		buf = tm.AppendFormat(buf[:0], time.RFC3339Nano)
	}
}
