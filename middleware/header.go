package middleware

import (
	"net/http"
	"strconv"

	"golang.org/x/net/http/httpguts"

	"github.com/vitals-go/vitals/internal/record"
)

// maxQuotedName bounds how much of a refused header name an error quotes.
const maxQuotedName = 64

// headerName returns the canonical form of the header name configured in
// field (def when it is empty), or an errctx error naming field when it is
// not a token as RFC 9110 defines one: a name with a space, a colon or a
// line break would make net/http refuse every request carrying it, or
// could never arrive on one.
func headerName(field, name, def string) (string, error) {
	if name == "" {
		name = def
	}
	if !httpguts.ValidHeaderFieldName(name) {
		return "", configError(field, strconv.QuoteToASCII(record.Truncate(name, maxQuotedName))+" is not a valid header name",
			"use letters, digits and !#$%&'*+-.^_`|~ only, such as X-Request-ID")
	}
	return http.CanonicalHeaderKey(name), nil
}
