package middleware

import "net/http"

// Routed returns router (an http.ServeMux, or any router that sets
// Request.Pattern) wrapped so that the pieces outside it name the route it
// matched (in the span, the access record, the records the handler logs
// and the stats) even when a middleware between them and the router
// replaced the request with r.WithContext: the router sets Pattern on the
// request it receives, which the pieces never see. Put it directly around
// the router:
//
//	h, err := middleware.New(auth(middleware.Routed(mux)), middleware.Config{})
//
// It finds the pieces through the response writer it is given, unwrapping
// writers that have an Unwrap method (as http.ResponseController does), so
// an inner middleware that wraps the writer must keep Unwrap. Without the
// pieces outside, it only calls router.
func Routed(router http.Handler) http.Handler { return routed{router} }

type routed struct{ router http.Handler }

// ServeHTTP points every piece's writer at r, the request the router will
// set Pattern on, before the router runs.
func (h routed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for u := w; u != nil; {
		if rw, ok := u.(*responseWriter); ok {
			rw.routed = r
		}
		uw, ok := u.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			break
		}
		u = uw.Unwrap()
	}
	h.router.ServeHTTP(w, r)
}
