package middleware

// BreakerScope says which outbound calls share a breaker, as
// grpcmw.BreakerScope does for gRPC calls.
type BreakerScope uint8

const (
	// PerHost gives each host (host:port as in the request URL) one
	// breaker for all its paths. It is the default.
	PerHost BreakerScope = iota
	// NoBreaker sends every call.
	NoBreaker
)

// String returns "per_host" or "none".
func (s BreakerScope) String() string {
	switch s {
	case PerHost:
		return "per_host"
	case NoBreaker:
		return "none"
	}
	return "invalid"
}
