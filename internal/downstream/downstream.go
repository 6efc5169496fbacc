// Package downstream builds the circuit breaker that a middleware client
// (the HTTP Transport, the gRPC client interceptor) keeps for one
// downstream: a host, a target or a method of a target.
//
// The smallest complete use:
//
//	b, err := downstream.NewBreaker(opts.Breaker, host, host, emitter, logger, "TransportOptions.Breaker")
package downstream

import (
	"log/slog"

	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/stats"
)

// NewBreaker returns the breaker of the downstream known as key (a host,
// a target), configured by configOf(key), configOf being the client's
// option (such as TransportOptions.Breaker, named by option), with the
// client's defaults where the config leaves them out: the name (name,
// which tells apart two clients of one downstream), the client's emitter
// and logger. A nil configOf gives the breaker package's defaults. An
// invalid config is an errctx error saying which breaker and which option
// to fix.
func NewBreaker(configOf func(key string) breaker.Config, key, name string, e stats.Emitter, l *slog.Logger, option string) (*breaker.Breaker, error) {
	var cfg breaker.Config
	if configOf != nil {
		cfg = configOf(key)
	}
	if cfg.Name == "" {
		cfg.Name = name
	}
	if cfg.Stats == nil {
		cfg.Stats = e
	}
	if cfg.Logger == nil {
		cfg.Logger = l
	}
	b, err := breaker.New(cfg)
	if err != nil {
		return nil, errctx.Wrap(err, "build the breaker of "+name,
			errctx.Remedy("fix the breaker.Config returned by "+option))
	}
	return b, nil
}
