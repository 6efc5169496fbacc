package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newScraped serves a scrapes over a loopback server and returns a
// function that scrapes it once.
func newScraped(t *testing.T) (*scrapes, func()) {
	s := newScrapes(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("x 1\n")) }))
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, func() {
		resp, err := srv.Client().Get(srv.URL)
		require.NoError(t, err)
		_ = resp.Body.Close()
	}
}

// Without a scraper, or after a single scrape (no interval known), the end
// of a run does not wait.
func TestLastScrapeWithoutAScraperDoesNotWait(t *testing.T) {
	s, scrape := newScraped(t)
	start := time.Now()
	s.awaitNext(time.Hour)
	scrape()
	s.awaitNext(time.Hour)
	assert.Less(t, time.Since(start), 10*time.Second, "returned at once, not after the limit")
	assert.Equal(t, 1, s.count())
}

// With a scraper, the end of a run waits for a scrape begun after it, and
// returns as soon as that scrape has been served.
func TestLastScrapeWaitsForTheNextScrape(t *testing.T) {
	s, scrape := newScraped(t)
	scrape()
	time.Sleep(time.Millisecond) // an interval between the two scrapes
	scrape()
	s.mu.Lock()
	s.started[0] = s.started[1].Add(-time.Hour) // as if scraped hourly: only the scrape ends the wait
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.awaitNext(time.Hour); close(done) }()
	select {
	case <-done:
		t.Fatal("returned before any further scrape")
	case <-time.After(50 * time.Millisecond):
	}
	// Scrape until it returns: the goroutine may begin waiting late, after
	// a scrape, on a loaded machine.
	deadline := time.After(10 * time.Second)
	for waiting := true; waiting; {
		scrape()
		select {
		case <-done:
			waiting = false
		case <-time.After(10 * time.Millisecond):
		case <-deadline:
			t.Fatal("still waiting after 10 s of scrapes")
		}
	}
	assert.GreaterOrEqual(t, s.count(), 3)
}

// A scraper that stops is waited for at most twice its last interval.
func TestLastScrapeIsBoundedByTheInterval(t *testing.T) {
	s, scrape := newScraped(t)
	scrape()
	scrape()
	s.mu.Lock()
	s.started[0] = s.started[1].Add(-20 * time.Millisecond)
	s.mu.Unlock()
	start := time.Now()
	s.awaitNext(time.Hour)
	waited := time.Since(start)
	assert.GreaterOrEqual(t, waited, 40*time.Millisecond, "twice the interval")
	assert.Less(t, waited, 10*time.Second)
}
