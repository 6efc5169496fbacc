package graphite

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/errctx"
)

// Render asks graphite-web for the target as JSON between from and until,
// and returns the series it answers with.
func TestRender(t *testing.T) {
	query := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		query <- r.URL.Path + "?" + r.URL.RawQuery
		w.Write([]byte(`[{"target": "shop.purchases", "datapoints": [[3, 1000], [null, 1060]]}]`))
	}))
	defer srv.Close()
	got, err := Client{URL: srv.URL + "/"}.Render(context.Background(), "sum(shop.*.purchases)", time.Unix(1000, 0), time.Unix(1120, 0))
	require.NoError(t, err)
	assert.Equal(t, []Series{{Target: "shop.purchases", Points: []Point{{Time: time.Unix(1000, 0), Value: 3, Valid: true}, {Time: time.Unix(1060, 0)}}}}, got)
	assert.Equal(t, "/render?format=json&from=1000&target=sum%28shop.%2A.purchases%29&until=1120", <-query)
}

// Every way graphite-web can fail is an errctx error that says what was
// attempted, what came back, and how to fix it.
func TestRenderFailures(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		want    []string
		remedy  string
	}{
		{"not JSON", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>It works!</html>")) },
			[]string{"not the JSON list of series"}, "base URL"},
		{"garbage datapoint", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`[{"target": "a", "datapoints": [["x\u202e", 1]]}]`))
		}, []string{"series 0 datapoint 0", `\u202e`}, "base URL"},
		{"server error", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "Traceback\x1b[2J", 500) },
			[]string{"answered 500 Internal Server Error", `Traceback\x1b[2J`}, "graphite-web's log"},
		{"bad target", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "bad target", 400) },
			[]string{"answered 400"}, "target's syntax"},
		{"wrong path", http.NotFound, []string{"answered 404"}, "base URL"},
		{"too slow", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-block:
			case <-r.Context().Done():
			}
		}, []string{"context deadline exceeded"}, "raise --timeout"},
		{"too large", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("[" + strings.Repeat(" ", MaxAnswer) + "]"))
		}, []string{"larger than"}, "narrow the target"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			if tc.name != "too slow" {
				ctx, cancel = context.WithTimeout(context.Background(), time.Minute)
			}
			defer cancel()
			_, err := Client{URL: srv.URL}.Render(ctx, "a.b", time.Unix(0, 0), time.Unix(60, 0))
			require.Error(t, err)
			assert.Contains(t, err.Error(), `read "a.b" from graphite-web at http://127.0.0.1:`)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.NotContains(t, err.Error(), "\x1b")
			assert.Contains(t, strings.Join(errctx.RemediesOf(err), " "), tc.remedy)
		})
	}

	_, err := Client{URL: "http://127.0.0.1:1"}.Render(context.Background(), "a.b", time.Unix(0, 0), time.Unix(60, 0))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "connection refused")
	assert.Contains(t, strings.Join(errctx.RemediesOf(err), " "), "runs and listens there")

	_, err = Client{URL: "127.0.0.1:8080"}.Render(context.Background(), "a.b", time.Unix(0, 0), time.Unix(60, 0))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not an http:// or https:// URL")
}
