package middleware_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/middleware"
)

func panickingHandler(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", "999")
	var m map[string]int
	m["boom"]++ // assignment to entry in nil map
}

func TestPanicBecomes500WithOneRecordAndTheServerKeepsServing(t *testing.T) {
	var hooked atomic.Pointer[middleware.PanicInfo]
	mux := http.NewServeMux()
	mux.HandleFunc("GET /panic/{n}", panickingHandler)
	mux.HandleFunc("GET /ok", func(w http.ResponseWriter, r *http.Request) {})
	srv, sink := newServer(t, mux, middleware.Config{AccessLog: middleware.AccessLogConfig{
		OnPanic: func(ctx context.Context, p middleware.PanicInfo) { hooked.Store(&p) },
	}})

	resp, body := get(t, srv.URL+"/panic/1")
	require.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	id := resp.Header.Get("X-Request-ID")
	assert.Equal(t, "internal server error; request_id="+id+"\n", body, "the body carries only the request ID")
	assert.Equal(t, "text/plain; charset=utf-8", resp.Header.Get("Content-Type"))
	assert.NotContains(t, body, "nil map")

	rec := sink.wait(t, "request panicked", 1)[0]
	assert.Equal(t, "ERROR", rec["level"])
	assert.EqualValues(t, 500, rec["status"])
	assert.Equal(t, id, rec["request_id"])
	assert.Equal(t, "GET /panic/{n}", rec["route"])
	assert.Equal(t, "serve GET /panic/{n}", rec["attempted"])
	assert.Contains(t, rec["error"], "panic: assignment to entry in nil map")
	assert.NotEmpty(t, rec["remedy"])
	stack, ok := rec["stack"].([]any)
	require.True(t, ok, "stack is a list of frames")
	require.NotEmpty(t, stack)
	assert.LessOrEqual(t, len(stack), 32)
	assert.Contains(t, stack[0], "middleware_test.panickingHandler", "the stack starts where the panic happened")

	got := hooked.Load()
	require.NotNil(t, got, "OnPanic was called")
	assert.Equal(t, id, got.RequestID)
	assert.Equal(t, "/panic/1", got.Path)

	resp, _ = get(t, srv.URL+"/ok")
	assert.Equal(t, http.StatusOK, resp.StatusCode, "the server keeps serving")
	sink.wait(t, "request", 1)
	assert.Len(t, sink.Records(t), 2, "one record for the panic, one for the next request")
}

func TestPanicAfterTheResponseStartedAbortsTheConnection(t *testing.T) {
	srv, sink := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "partial")
		http.NewResponseController(w).Flush()
		panic("late")
	}), middleware.Config{})

	resp, err := http.Get(srv.URL)
	require.NoError(t, err)
	_, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Error(t, err, "the client sees a broken response, not a complete one")

	rec := sink.wait(t, "request panicked", 1)[0]
	assert.EqualValues(t, 200, rec["status"], "the status the client got")
	assert.EqualValues(t, 7, rec["bytes"])
	assert.Equal(t, "panic: late", rec["error"])
}

func TestOnPanicHookPanicIsContained(t *testing.T) {
	srv, sink := newServer(t, http.HandlerFunc(panickingHandler), middleware.Config{AccessLog: middleware.AccessLogConfig{
		OnPanic: func(context.Context, middleware.PanicInfo) { panic("hook broke") },
	}})
	resp, _ := get(t, srv.URL)
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	rec := sink.wait(t, "OnPanic hook panicked", 1)[0]
	assert.Equal(t, "panic: hook broke", rec["error"])
}

func TestRawPanicBodyNeverCarriesTheStack(t *testing.T) {
	srv, _ := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic(errors.New("secret internals at /src/app/db.go:42"))
	}), middleware.Config{})
	_, body := get(t, srv.URL)
	sc := bufio.NewScanner(strings.NewReader(body))
	lines := 0
	for sc.Scan() {
		lines++
	}
	assert.Equal(t, 1, lines)
	assert.NotContains(t, body, "secret")
	assert.NotContains(t, body, ".go")
}
