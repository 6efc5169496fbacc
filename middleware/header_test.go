package middleware_test

import (
	"log/slog"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/middleware"
)

// badHeaderNames are names net/http refuses to send or can never receive.
var badHeaderNames = []string{"bad header", "X Bad Header", "X-ID\r\nX-Evil: 1", "X-ID:", "X-ID\n", "é"}

// TestHeaderNamesAreValidatedAtConstruction: a request-ID header name that
// is not a token is refused up front with an errctx error naming the field,
// by the client and the server constructors alike.
func TestHeaderNamesAreValidatedAtConstruction(t *testing.T) {
	ok := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	for _, name := range badHeaderNames {
		_, err := middleware.NewTransport(nil, middleware.TransportOptions{RequestIDHeader: name})
		assertFieldError(t, err, "TransportOptions.RequestIDHeader", name)

		_, err = middleware.New(ok, middleware.Config{RequestID: middleware.RequestIDConfig{Header: name}})
		assertFieldError(t, err, "RequestIDConfig.Header", name)

		_, err = middleware.RequestID(ok, middleware.RequestIDConfig{Header: name})
		assertFieldError(t, err, "RequestIDConfig.Header", name)
	}
	_, err := middleware.NewTransport(nil, middleware.TransportOptions{RequestIDHeader: "x-correlation-id"})
	assert.NoError(t, err, "a lower-case token is valid")
	_, err = middleware.RequestID(ok, middleware.RequestIDConfig{Header: "X-Correlation-ID"})
	assert.NoError(t, err)
}

func assertFieldError(t *testing.T, err error, field, name string) {
	t.Helper()
	require.Error(t, err, "%s %q", field, name)
	assert.Equal(t, errctx.Permanent, errctx.ClassOf(err))
	assert.Contains(t, errctx.FieldsOf(err), slog.String("field", field))
	assert.NotEmpty(t, errctx.RemediesOf(err))
	assert.NotContains(t, err.Error(), "\n", "the name is quoted, never raw")
}
