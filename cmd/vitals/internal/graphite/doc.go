// Package graphite reads series from graphite-web's render API
// (/render?format=json), for vitals check graphite.
//
//	c := graphite.Client{URL: "http://127.0.0.1:8080"}
//	series, err := c.Render(ctx, "stats.counters.shop.purchases.count", from, until)
//
// A missing value is a null in the answer and an invalid Point here, never
// a zero. Errors are errctx errors that say what was attempted and how to
// fix it.
package graphite
