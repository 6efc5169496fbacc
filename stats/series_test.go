package stats

import (
	"fmt"
	"math"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// captureSender keeps the lines of every packet, leaving out the emitter's
// own counters.
type captureSender struct {
	mu    sync.Mutex
	lines []string
}

func (c *captureSender) Send(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for line := range strings.SplitSeq(string(p), "\n") {
		if !strings.Contains(line, "vitals.stats.") {
			c.lines = append(c.lines, line)
		}
	}
	return len(p), nil
}

func (c *captureSender) Close() error { return nil }

func (c *captureSender) got() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.lines...)
}

// fillSeries makes series of name with a tag i=0, 1, ... until the table
// is full, and returns the tags of one that found no room.
func fillSeries(t *testing.T, s *Statsd, name string) []Tag {
	t.Helper()
	var over []Tag
	made := 0
	for i := 0; made < seriesMax; i++ {
		require.Less(t, i, 64*seriesMax, "the series table never filled up")
		tags := []Tag{T("i", strconv.Itoa(i))}
		if s.seriesOf(name, tags) == nil {
			over = tags
			continue
		}
		made++
	}
	if over == nil {
		over = []Tag{T("i", "over")}
	}
	require.Nil(t, s.seriesOf(name, over))
	return over
}

// emitAll calls every kind of stat once for name and tags.
func emitAll(s *Statsd, name string, tags []Tag) {
	s.Count(name, 3, tags...)
	s.Timing(name, 1234567*time.Nanosecond, tags...)
	s.Timing(name, time.Millisecond/2, tags...)
	s.Gauge(name, 12.5, tags...)
	s.Gauge(name, -3.5, tags...)
	s.GaugeDelta(name, 2, tags...)
	s.GaugeDelta(name, -0.25, tags...)
	s.Set(name, "bob:1", tags...)
}

// A series beyond the table's bound is formatted by the caller, line by
// line, into exactly the lines a cached series' records give, and without
// allocating.
func TestSeriesBeyondTheBoundAreSentLineByLine(t *testing.T) {
	for _, format := range []TagFormat{TagsGraphite, TagsDogStatsD, TagsNone} {
		t.Run(format.String(), func(t *testing.T) {
			fresh, full := &captureSender{}, &captureSender{}
			a, err := NewStatsd(Config{Sender: fresh, Prefix: "App", TagFormat: format, FlushInterval: time.Hour})
			require.NoError(t, err)
			b, err := NewStatsd(Config{Sender: full, Prefix: "App", TagFormat: format, FlushInterval: time.Hour})
			require.NoError(t, err)

			over := fillSeries(t, b, "HTTP.Requests")
			tags := append([]Tag{T("route", "/users")}, over...)
			require.NotNil(t, a.seriesOf("HTTP.Requests", tags), "cached in a")
			require.Nil(t, b.seriesOf("HTTP.Requests", tags), "no room in b")
			emitAll(a, "HTTP.Requests", tags)
			emitAll(b, "HTTP.Requests", tags)
			require.NoError(t, a.Close())
			require.NoError(t, b.Close())

			var want []string
			for _, v := range []string{"1.234567|ms", "0.5|ms", "12.5|g", "0|g", "-3.5|g", "+2|g", "-0.25|g", "bob_1|s", "3|c"} {
				switch format {
				case TagsGraphite:
					want = append(want, "app.http.requests;i="+over[0].Value+";route=.users:"+v)
				case TagsDogStatsD:
					if v != "0|g" { // DogStatsD reads no sign as a change: no reset
						want = append(want, "app.http.requests:"+v+"|#i:"+over[0].Value+",route:/users")
					}
				case TagsNone:
					want = append(want, "app.http.requests:"+v)
				}
			}
			assert.Equal(t, want, fresh.got(), "records, formatted by the sending goroutine")
			// The same lines; the count comes first, not at the flush: a
			// series beyond the bound is not aggregated either.
			assert.Equal(t, append(want[len(want)-1:], want[:len(want)-1]...), full.got(), "lines, formatted by the caller")
		})
	}
}

func TestSeriesBeyondTheBoundDoNotAllocate(t *testing.T) {
	s, err := NewStatsd(Config{Sender: nop{}, FlushInterval: time.Hour, QueueSize: 1 << 20})
	require.NoError(t, err)
	defer s.Close()
	fillSeries(t, s, "full")
	tagSets := make([][]Tag, 3000) // a new series at each call
	for i := range tagSets {
		tagSets[i] = []Tag{T("route", "v"+strconv.Itoa(i)), T("n", "1")}
	}
	i := 0
	next := func() []Tag { i++; return tagSets[i%len(tagSets)] }
	for name, fn := range map[string]func(){
		"Count":      func() { s.Count("full", 1, next()...) },
		"Timing":     func() { s.Timing("full", time.Millisecond, next()...) },
		"Gauge":      func() { s.Gauge("full", -1, next()...) },
		"GaugeDelta": func() { s.GaugeDelta("full", 1, next()...) },
		"Set":        func() { s.Set("full", "m", next()...) },
	} {
		fn() // the name's first use may allocate its cache entry
		assert.Zero(t, testing.AllocsPerRun(500, fn), name)
	}
}

func TestSeriesOfIsOneSeriesForOneNameAndTags(t *testing.T) {
	s, err := NewStatsd(Config{Sender: nop{}})
	require.NoError(t, err)
	defer s.Close()
	const goroutines, names = 4, 200
	got := make([][names]*series, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range names {
				// Strings built anew: the same text at other addresses.
				got[g][i] = s.seriesOf("n"+strconv.Itoa(i), []Tag{T("k", strconv.Itoa(i%7))})
			}
		})
	}
	wg.Wait()
	for i := range names {
		require.NotNil(t, got[0][i])
		for g := 1; g < goroutines; g++ {
			assert.Same(t, got[0][i], got[g][i], "series %d", i)
		}
		assert.Same(t, got[0][i], s.series.At(got[0][i].index), "a record's index finds its series")
	}
	assert.NotSame(t, s.seriesOf("x", nil), s.seriesOf("x", []Tag{T("a", "b")}))
	assert.NotSame(t, s.seriesOf("x", []Tag{T("a", "b")}), s.seriesOf("x", []Tag{T("a", "c")}))
	assert.Same(t, s.seriesOf("x", []Tag{T("a", "b")}), s.seriesOf("x", []Tag{T("a", "b")}))
}

func TestRecordLinesLongerThanAPacketAreDropped(t *testing.T) {
	c := &captureSender{}
	s, err := NewStatsd(Config{Sender: c, MaxPacketSize: 64, FlushInterval: time.Hour})
	require.NoError(t, err)
	s.Gauge(strings.Repeat("n", 40), -math.MaxFloat64) // two lines of 40+ bytes: one unit, too long
	s.Timing("short", time.Millisecond)
	require.NoError(t, s.Close())
	assert.Equal(t, []string{"short:1|ms"}, c.got())
	assert.Equal(t, uint64(1), s.Dropped())
	assert.Equal(t, uint64(1), s.Sent())
}

// shardName is an ordinary name of a family whose members share their
// first, middle and last eight bytes.
func shardName(i int) string { return fmt.Sprintf("shard.%04d.queue.depth.bytes.total", i) }

// The table holds its documented 4096 series even when their names differ
// only in a few bytes, and refuses the next one.
func TestSeriesTableHoldsItsSizeWithSimilarNames(t *testing.T) {
	s, err := NewStatsd(Config{Sender: nop{}})
	require.NoError(t, err)
	defer s.Close()
	for i := range seriesMax {
		require.NotNil(t, s.seriesOf(shardName(i), nil), "series %d", i)
	}
	for i := range seriesMax {
		e := s.seriesOf(strings.Clone(shardName(i)), nil) // found by text, not by address
		require.NotNil(t, e)
		assert.Equal(t, shardName(i), e.name)
	}
	assert.Nil(t, s.seriesOf(shardName(seriesMax), nil), "beyond the bound")
	assert.Nil(t, s.seriesOf("other", []Tag{T("k", "v")}), "beyond the bound")
}

// One line per series per flush: similar names do not spill into lines of
// their own.
func TestCountOfSimilarNamesIsOneLinePerSeries(t *testing.T) {
	sink := &captureSender{}
	s, err := NewStatsd(Config{Sender: sink, FlushInterval: time.Hour})
	require.NoError(t, err)
	for range 50 {
		for i := range 100 {
			s.Count(shardName(i), 1)
		}
	}
	require.NoError(t, s.Close())
	want := make([]string, 100)
	for i := range want {
		want[i] = shardName(i) + ":50|c"
	}
	assert.ElementsMatch(t, want, sink.got())
}

// Goroutines racing to make the last series the table has room for all get
// it: none is turned away because another's reservation took the last
// place first (that one would be sent line by line, apart from its
// series).
func TestRacingForTheLastPlaceAllGetTheSeries(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(8))
	for round := range 20 {
		s, err := NewStatsd(Config{Sender: nop{}, FlushInterval: time.Hour})
		require.NoError(t, err)
		for i := 0; s.series.Len() < seriesMax-1; i++ {
			s.seriesOf("fill", []Tag{T("i", strconv.Itoa(i))})
		}
		const racers = 8
		got := make([]*series, racers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for g := range racers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				got[g] = s.seriesOf("last", []Tag{T("round", strconv.Itoa(round))})
			}()
		}
		close(start)
		wg.Wait()
		for g := range racers {
			require.NotNil(t, got[g], "round %d: racer %d was turned away", round, g)
			require.Same(t, got[0], got[g], "round %d", round)
		}
		require.NoError(t, s.Close())
	}
}
