// Package retryafter reads an HTTP Retry-After header, for every client of
// vitals that turns a 429 or 503 into an errctx error with a Retry-After.
package retryafter

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"time"
)

// Parse reads a Retry-After value, seconds or an HTTP date, as the time to
// wait from now; a date in the past is no wait. It reports false for an
// empty or unreadable value. Seconds past what a Duration holds are the
// longest Duration.
func Parse(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseUint(v, 10, 64); err == nil || errors.Is(err, strconv.ErrRange) {
		// delay-seconds has no bound (RFC 9110): a wait longer than a
		// Duration holds is the longest one, for the caller to cap, not
		// no wait at all.
		if s > math.MaxInt64/uint64(time.Second) {
			return math.MaxInt64, true
		}
		return time.Duration(s) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}
