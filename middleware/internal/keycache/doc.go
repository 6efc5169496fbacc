// Package keycache maps a small, slowly growing set of keys (routes, hosts,
// gRPC methods and targets, status classes) to values built once, such as
// pre-registered stats handles or per-host breakers, with a bound on the
// number of keys: past it, new keys share the value of one overflow key, so
// a flood of unexpected keys cannot grow memory or stat names without bound.
//
// The smallest complete use:
//
//	routes := keycache.New(1000, "other", func(route string) *stats.Counter {
//		return emitter.NewCounter("http.server.requests", stats.T("route", route))
//	})
//	routes.Get(r.Pattern).Inc() // no lock, no allocation once the route is known
package keycache
