package alert_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/alert"
	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/reqid"
)

// amPost is one alert as the sink posted it.
type amPost struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	StartsAt    time.Time         `json:"startsAt"`
	EndsAt      time.Time         `json:"endsAt"`
}

// amServer is an HTTP server on loopback standing in for Alertmanager's
// API: it records every POST /api/v2/alerts and answers with answer.
type amServer struct {
	*httptest.Server
	mu     sync.Mutex
	posts  [][]amPost
	got    chan struct{}
	answer func(w http.ResponseWriter)
}

func newAMServer(t *testing.T, answer func(w http.ResponseWriter)) *amServer {
	s := &amServer{got: make(chan struct{}, 1<<10), answer: answer}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/api/v2/alerts" {
			http.NotFound(w, r)
			return
		}
		var batch []amPost
		if err := json.NewDecoder(r.Body).Decode(&batch); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.posts = append(s.posts, batch)
		s.mu.Unlock()
		select {
		case s.got <- struct{}{}:
		default:
		}
		if s.answer != nil {
			s.answer(w)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// wait waits up to 5 s for n posts and returns them.
func (s *amServer) wait(t *testing.T, n int) [][]amPost {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		s.mu.Lock()
		posts := append([][]amPost(nil), s.posts...)
		s.mu.Unlock()
		if len(posts) >= n {
			return posts
		}
		select {
		case <-s.got:
		case <-deadline:
			require.FailNowf(t, "timeout", "%d posts, want %d", len(posts), n)
		}
	}
}

func newAM(t *testing.T, cfg alert.AlertmanagerConfig) *alert.Alertmanager {
	t.Helper()
	am, err := alert.NewAlertmanager(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = am.Close() })
	return am
}

// amEvent is a firing event as the Notifier would make it.
func amEvent(fingerprint string, ongoing bool) alert.Event {
	now := time.Now()
	return alert.Event{
		Alert: alert.Alert{
			Summary: "payments breaker open", Severity: alert.Page, Fingerprint: fingerprint,
			Remedy: "check the payments gateway", Err: errctx.New("charging customer 42"),
			Fields: []slog.Attr{slog.String("dependency", "payments"), slog.Int("customer", 42)},
		},
		Ongoing:    ongoing,
		Process:    reqid.Identity{Service: "billing", Host: "h1", PID: 7},
		RequestID:  "req-1",
		TraceID:    "4bf92f3577b34da6a3ce929d0e0e4736",
		Occurrence: 10, Suppressed: 3,
		FirstSeen: now.Add(-time.Minute), LastSeen: now,
	}
}

func TestAlertmanagerPostsLabelsAndAnnotations(t *testing.T) {
	srv := newAMServer(t, nil)
	am := newAM(t, alert.AlertmanagerConfig{URL: srv.URL, LabelFields: []string{"dependency"}, Hold: time.Hour})
	ev := amEvent("fp-1", false)
	require.NoError(t, am.Send(context.Background(), ev))

	posts := srv.wait(t, 1)
	require.Len(t, posts[0], 1)
	got := posts[0][0]
	assert.Equal(t, map[string]string{"alertname": "payments breaker open", "service": "billing",
		"severity": "page", "fingerprint": "fp-1", "dependency": "payments"}, got.Labels)
	assert.Equal(t, map[string]string{"summary": "payments breaker open", "remedy": "check the payments gateway",
		"error": "charging customer 42", "request_id": "req-1", "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
		"occurrence": "10", "suppressed": "3", "customer": "42",
		"first_seen": ev.FirstSeen.UTC().Format(time.RFC3339)}, got.Annotations)
	assert.WithinDuration(t, ev.FirstSeen, got.StartsAt, time.Millisecond)
	assert.WithinDuration(t, ev.LastSeen.Add(time.Hour), got.EndsAt, time.Millisecond, "one-shot: LastSeen + Hold")
	assert.Equal(t, "alertmanager", am.Name())
}

func TestAlertmanagerAlertNameFromConfig(t *testing.T) {
	srv := newAMServer(t, nil)
	am := newAM(t, alert.AlertmanagerConfig{URL: srv.URL, AlertName: "VitalsAlert", Name: "am-eu"})
	require.NoError(t, am.Send(context.Background(), amEvent("fp-1", false)))
	got := srv.wait(t, 1)[0][0]
	assert.Equal(t, "VitalsAlert", got.Labels["alertname"])
	assert.Equal(t, "payments breaker open", got.Annotations["summary"])
	assert.Equal(t, "am-eu", am.Name())
}

// An Ongoing alert is re-sent every Refresh with endsAt pushed ahead, until
// resolved; the resolution carries the labels of the firing alert and
// endsAt now, and ends the refreshes.
func TestAlertmanagerRefreshesOngoingUntilResolved(t *testing.T) {
	srv := newAMServer(t, nil)
	const refresh = 30 * time.Millisecond
	am := newAM(t, alert.AlertmanagerConfig{URL: srv.URL, Refresh: refresh, LabelFields: []string{"dependency"}})
	ev := amEvent("fp-ongoing", true)
	require.NoError(t, am.Send(context.Background(), ev))
	posts := srv.wait(t, 3)
	first, third := posts[0][0], posts[2][0]
	assert.Equal(t, first.Labels, third.Labels)
	assert.True(t, third.EndsAt.After(first.EndsAt), "a refresh pushes endsAt ahead")
	assert.WithinDuration(t, time.Now().Add(4*refresh), third.EndsAt, time.Second)

	resolved := ev
	resolved.Status = alert.Resolved
	resolved.Fields = nil // the labels of the firing alert are still the ones sent
	require.NoError(t, am.Send(context.Background(), resolved))
	before := time.Now()
	deadline := time.After(5 * time.Second)
	var n int
	for {
		all := srv.wait(t, 1)
		last := all[len(all)-1][0]
		if !last.EndsAt.After(before) {
			assert.Equal(t, first.Labels, last.Labels)
			n = len(all)
			break
		}
		select {
		case <-srv.got:
		case <-deadline:
			require.FailNow(t, "no resolution posted")
		}
	}
	// No refresh follows the resolution: wait five periods and count.
	time.Sleep(5 * refresh)
	assert.Len(t, srv.wait(t, n), n)
}

func TestAlertmanagerErrorClasses(t *testing.T) {
	testAnswersAreClassed(t, func(t *testing.T, url string) error {
		withPassword := strings.Replace(url, "http://", "http://alerts:secret-token@", 1)
		return newAM(t, alert.AlertmanagerConfig{URL: withPassword}).Send(context.Background(), amEvent("fp", false))
	})
}

// testAnswersAreClassed checks the errors of an HTTP sink, which send
// makes for a server at url, against the answers a server gives: 429 and
// 503 Transient with their Retry-After, another 4xx Permanent, another
// 5xx Transient, each with a body longer than a sink reads, and none
// naming the secret-token that send may put in the URL.
func testAnswersAreClassed(t *testing.T, send func(t *testing.T, url string) error) {
	cases := []struct {
		name   string
		status int
		header string
		class  errctx.Class
		after  time.Duration
	}{
		{"429 with Retry-After", http.StatusTooManyRequests, "7", errctx.Transient, 7 * time.Second},
		{"503 with Retry-After", http.StatusServiceUnavailable, "3", errctx.Transient, 3 * time.Second},
		{"400", http.StatusBadRequest, "", errctx.Permanent, 0},
		{"500", http.StatusInternalServerError, "", errctx.Transient, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				if c.header != "" {
					w.Header().Set("Retry-After", c.header)
				}
				w.WriteHeader(c.status)
				_, _ = io.WriteString(w, strings.Repeat("x", 1<<20)) // longer than the sink reads
			}))
			defer srv.Close()
			err := send(t, srv.URL)
			require.Error(t, err)
			assert.Equal(t, c.class, errctx.ClassOf(err))
			after, ok := errctx.RetryAfterOf(err)
			assert.Equal(t, c.after != 0, ok)
			assert.Equal(t, c.after, after)
			assert.NotContains(t, err.Error(), "secret-token")
		})
	}
}

func TestAlertmanagerDownIsTransient(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close()) // nothing listens there now
	am := newAM(t, alert.AlertmanagerConfig{URL: "http://" + addr})
	err = am.Send(context.Background(), amEvent("fp", false))
	require.Error(t, err)
	assert.Equal(t, errctx.Transient, errctx.ClassOf(err))
}

func TestAlertmanagerSendHonoursCtx(t *testing.T) {
	release := make(chan struct{})
	srv := newAMServer(t, func(http.ResponseWriter) { <-release })
	defer close(release)
	am := newAM(t, alert.AlertmanagerConfig{URL: srv.URL})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := am.Send(ctx, amEvent("fp", false))
	require.Error(t, err)
	assert.Less(t, time.Since(start), 2*time.Second)
}

func TestNewAlertmanagerRefusesBadConfig(t *testing.T) {
	for field, cfg := range map[string]alert.AlertmanagerConfig{
		"URL":        {URL: "127.0.0.1:9093"},
		"Refresh":    {URL: "http://127.0.0.1:9093", Refresh: -1},
		"Hold":       {URL: "http://127.0.0.1:9093", Hold: -1},
		"Timeout":    {URL: "http://127.0.0.1:9093", Timeout: -1},
		"MaxOngoing": {URL: "http://127.0.0.1:9093", MaxOngoing: -1},
	} {
		_, err := alert.NewAlertmanager(cfg)
		require.Error(t, err, field)
		assert.Contains(t, errctx.FieldsOf(err), slog.String("field", "AlertmanagerConfig."+field))
	}
}

func TestAlertmanagerMaxOngoing(t *testing.T) {
	srv := newAMServer(t, nil)
	am := newAM(t, alert.AlertmanagerConfig{URL: srv.URL, MaxOngoing: 1})
	require.NoError(t, am.Send(context.Background(), amEvent("a", true)))
	require.NoError(t, am.Send(context.Background(), amEvent("a", true)), "the same alert again is no new one")
	err := am.Send(context.Background(), amEvent("b", true))
	require.Error(t, err)
	assert.Equal(t, errctx.Permanent, errctx.ClassOf(err))
	assert.Len(t, srv.wait(t, 3), 3, "the alert is delivered all the same")
}

// An Alertmanager that restarts closes the sink's idle keep-alive
// connection; a POST that raced with the close is sent again on a new
// connection (posting an alert twice is harmless), so the restart costs no
// alert and no Indeterminate error.
func TestAlertmanagerRetriesOnAClosedKeepAliveConnection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	var served sync.WaitGroup
	served.Add(1)
	go func() {
		defer served.Done()
		for conn := 0; ; conn++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			r := bufio.NewReader(c)
			for req := 0; ; req++ {
				rq, err := http.ReadRequest(r)
				if err != nil {
					break
				}
				_, _ = io.Copy(io.Discard, rq.Body)
				if conn == 0 && req == 1 { // the server went away after reading it
					break
				}
				_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
			}
			_ = c.Close()
		}
	}()
	am := newAM(t, alert.AlertmanagerConfig{URL: "http://" + ln.Addr().String()})
	require.NoError(t, am.Send(context.Background(), amEvent("fp", false)))
	assert.NoError(t, am.Send(context.Background(), amEvent("fp", false)))
	require.NoError(t, am.Close())
	_ = ln.Close()
	served.Wait()
}

// Through a Notifier: Fire reaches Alertmanager as an Ongoing alert that is
// refreshed, and Resolve ends it with the same labels.
func TestAlertmanagerWithNotifierFireAndResolve(t *testing.T) {
	srv := newAMServer(t, nil)
	const refresh = 100 * time.Millisecond // a refresh's endsAt is 400 ms ahead
	am := newAM(t, alert.AlertmanagerConfig{URL: srv.URL, Refresh: refresh})
	r := newRig(t, alert.Config{Sinks: []alert.Sink{am}})
	fp := r.n.Fire(context.Background(), alert.Alert{Summary: "purchases without authorization code", Severity: alert.Page})
	posts := srv.wait(t, 3) // the first delivery and two refreshes
	firing := posts[0][0]
	assert.Equal(t, fp, firing.Labels["fingerprint"])
	assert.Equal(t, "page", firing.Labels["severity"])
	assert.True(t, posts[2][0].EndsAt.After(time.Now()), "still firing")

	before := time.Now()
	r.n.Resolve(context.Background(), fp)
	deadline := time.After(5 * time.Second)
	for {
		all := srv.wait(t, 1)
		// The resolution's endsAt is the moment it was sent, after before;
		// no refresh's is that close.
		if last := all[len(all)-1][0]; !last.EndsAt.Before(before) && last.EndsAt.Before(before.Add(refresh)) {
			assert.Equal(t, firing.Labels, last.Labels)
			return
		}
		select {
		case <-srv.got:
		case <-deadline:
			require.FailNow(t, "no resolution posted")
		}
	}
}

// A resolution that fails to post stops the refresh all the same, and is
// posted again with the next refresh until Alertmanager takes it.
func TestAlertmanagerFailedResolutionIsPostedAtTheNextRefresh(t *testing.T) {
	var mu sync.Mutex
	failNext := false
	srv := newAMServer(t, func(w http.ResponseWriter) {
		mu.Lock()
		defer mu.Unlock()
		if failNext {
			failNext = false
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
	const refresh = 50 * time.Millisecond
	am := newAM(t, alert.AlertmanagerConfig{URL: srv.URL, Refresh: refresh})
	ev := amEvent("fp-retry", true)
	require.NoError(t, am.Send(context.Background(), ev))
	srv.wait(t, 1)
	resolved := ev
	resolved.Status = alert.Resolved
	mu.Lock()
	failNext = true
	mu.Unlock()
	before := time.Now()
	require.Error(t, am.Send(context.Background(), resolved))

	// The next posts carry the resolution (endsAt before now), not a refresh.
	deadline := time.After(5 * time.Second)
	for {
		srv.mu.Lock()
		posts := append([][]amPost(nil), srv.posts...)
		srv.mu.Unlock()
		last := posts[len(posts)-1]
		if len(posts) >= 3 {
			require.Len(t, last, 1)
			assert.True(t, last[0].EndsAt.Before(before.Add(refresh)), "a resolution, not a refresh: endsAt %v", last[0].EndsAt)
			n := len(posts)
			time.Sleep(3 * refresh) // nothing more to post: no refresh follows
			srv.mu.Lock()
			assert.Len(t, srv.posts, n)
			srv.mu.Unlock()
			return
		}
		select {
		case <-srv.got:
		case <-deadline:
			require.FailNow(t, "the failed resolution was not posted again")
		}
	}
}
