package middleware_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/middleware"
)

func TestStreamingFlushReachesTheClientBeforeTheHandlerEnds(t *testing.T) {
	release := make(chan struct{})
	srv, sink := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data: one\n\n")
		w.(http.Flusher).Flush()
		<-release
		_, _ = io.WriteString(w, "data: two\n\n")
		require.NoError(t, http.NewResponseController(w).Flush())
	}), middleware.ServerConfig{})

	resp, err := http.Get(srv.URL + "/events")
	require.NoError(t, err)
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	line, err := br.ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "data: one\n", line, "the first event arrived while the handler still runs")
	close(release)
	rest, err := io.ReadAll(br)
	require.NoError(t, err)
	assert.Equal(t, "\ndata: two\n\n", string(rest))

	rec := sink.wait(t, "request", 1)[0]
	assert.EqualValues(t, 22, rec["bytes"])
	assert.EqualValues(t, 200, rec["status"])
}

func TestClientGoneIsRecordedDistinctly(t *testing.T) {
	started := make(chan struct{})
	srv, sink := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-r.Context().Done()
	}), middleware.ServerConfig{})

	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/slow", nil)
	require.NoError(t, err)
	go func() {
		<-started
		cancel()
	}()
	_, err = http.DefaultClient.Do(req)
	require.Error(t, err)

	rec := sink.wait(t, "request", 1)[0]
	assert.EqualValues(t, middleware.StatusClientClosedRequest, rec["status"])
	assert.Equal(t, true, rec["client_gone"])
	assert.Equal(t, "INFO", rec["level"], "the client decided to go: neither side failed")
}

func TestHijackIsKeptAndRecorded(t *testing.T) {
	srv, sink := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, bw, err := w.(http.Hijacker).Hijack()
		require.NoError(t, err)
		defer conn.Close()
		_, _ = bw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nraw")
		_ = bw.Flush()
	}), middleware.ServerConfig{})
	resp, body := get(t, srv.URL)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "raw", body)
	rec := sink.wait(t, "request", 1)[0]
	assert.Equal(t, true, rec["hijacked"])
	assert.EqualValues(t, 0, rec["status"], "answered on the raw connection, out of sight: not a 200 of ours")
	assert.NotContains(t, rec, "client_gone")
}

func TestReaderFromAndResponseControllerReachTheServerWriter(t *testing.T) {
	payload := strings.Repeat("z", 100_000)
	srv, sink := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, ok := w.(io.ReaderFrom)
		assert.True(t, ok)
		rc := http.NewResponseController(w)
		assert.NoError(t, rc.SetWriteDeadline(time.Now().Add(time.Minute)), "Unwrap reaches net/http's writer")
		assert.NoError(t, rc.EnableFullDuplex())
		n, err := io.Copy(w, strings.NewReader(payload))
		assert.NoError(t, err)
		assert.EqualValues(t, len(payload), n)
	}), middleware.ServerConfig{})
	_, body := get(t, srv.URL)
	assert.Equal(t, payload, body)
	rec := sink.wait(t, "request", 1)[0]
	assert.EqualValues(t, len(payload), rec["bytes"])
}

func TestInformationalStatusIsNotTheFinalStatus(t *testing.T) {
	srv, sink := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		w.WriteHeader(http.StatusCreated)
	}), middleware.ServerConfig{})
	resp, _ := get(t, srv.URL)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.EqualValues(t, 201, sink.wait(t, "request", 1)[0]["status"])
}
