package middleware_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/stats/statstest"
)

// brokenBody yields n bytes, then fails as a caller's body can (a file
// that went away, an upstream stream cut).
type brokenBody struct{ n int }

func (b *brokenBody) Read(p []byte) (int, error) {
	if b.n > 0 {
		b.n--
		p[0] = 'x'
		return 1, nil
	}
	return 0, errors.New("the caller's body broke")
}

// A request whose body fails while net/http sends it (its read error, or a
// body shorter or longer than its ContentLength) is the caller's mistake,
// like a request net/http refuses outright: Permanent, logged at WARN as
// unsent, never counted by the host's breaker, so that one caller's bad
// body cannot fence a healthy host off for everyone. The next good call
// goes through a breaker that opens at the first failure.
func TestTransportCallersBrokenBodyIsNotTheHostsFailure(t *testing.T) {
	srv, _ := countingServer(t)
	post := func(body io.Reader, length int64) *http.Request {
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/x", body)
		require.NoError(t, err)
		req.ContentLength = length
		return req
	}
	for name, req := range map[string]*http.Request{
		"read error":              post(io.NopCloser(&brokenBody{}), -1),
		"read error after bytes":  post(io.NopCloser(&brokenBody{n: 3}), 10),
		"shorter than its length": post(strings.NewReader("abc"), 10),
		"longer than its length":  post(io.NopCloser(strings.NewReader("abcdefghijkl")), 3),
	} {
		t.Run(name, func(t *testing.T) {
			tr, sink := touchyTransport(t, statstest.New())
			_, err := tr.RoundTrip(req)
			require.Error(t, err)
			assert.NotErrorIs(t, err, breaker.ErrOpen)
			assert.Equal(t, errctx.Permanent, errctx.ClassOf(err))
			assert.Contains(t, err.Error(), "body")
			rec := sink.wait(t, "outbound request", 1)[0]
			assert.Equal(t, "WARN", rec["level"])

			good, err := http.NewRequest(http.MethodGet, srv.URL+"/x", nil)
			require.NoError(t, err)
			resp, err := tr.RoundTrip(good)
			require.NoError(t, err, "the host's breaker opened over the caller's body")
			_ = resp.Body.Close()
			assert.Equal(t, http.StatusOK, resp.StatusCode)
		})
	}
}
