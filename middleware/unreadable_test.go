package middleware_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/middleware"
)

// unreadableError is an error whose Error method panics.
type unreadableError struct{}

func (unreadableError) Error() string { panic("Error() broke") }

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// The base RoundTripper is the caller's code: an error of its whose Error
// method panics must not make the Transport panic into the caller while
// classifying and logging it. The call fails with an error that says so.
func TestTransportBaseErrorThatPanicsWhenReadIsAnError(t *testing.T) {
	sink := &logSink{}
	tr := newTransport(t, roundTripperFunc(func(*http.Request) (*http.Response, error) { return nil, unreadableError{} }),
		middleware.ClientConfig{Logger: sink.logger()})
	req, err := http.NewRequest(http.MethodGet, "http://example.invalid/x", nil)
	require.NoError(t, err)
	require.NotPanics(t, func() { _, err = tr.RoundTrip(req) })
	require.Error(t, err)
	assert.Contains(t, err.Error(), "panics when read")
	assert.Equal(t, errctx.Indeterminate, errctx.ClassOf(err))
	rec := sink.wait(t, "outbound request", 1)[0]
	assert.Equal(t, "ERROR", rec["level"])
}
