// Package cactusstats makes any [stats.Emitter] satisfy
// github.com/cactus/go-statsd-client/v5/statsd.Statter, so that code
// written against cactus' client sends through vitals unchanged: through
// the statsd emitter's non-blocking queue, or to OTel through
// stats/otelstats.
//
// The smallest complete use:
//
//	s, err := stats.NewStatsd(stats.Config{Addr: "127.0.0.1:8125"})
//	if err != nil {
//		return err
//	}
//	var client statsd.Statter = cactusstats.New(s, "")
//	client.Inc("logins", 1, 1.0)
package cactusstats
