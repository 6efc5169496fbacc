package middleware

import (
	"net/http"
	"net/netip"

	"github.com/vitals-go/vitals/internal/configerr"
	"github.com/vitals-go/vitals/middleware/internal/proxies"
	"github.com/vitals-go/vitals/reqid"
)

// DefaultRequestIDHeader is the header read and echoed when
// RequestIDConfig.Header is empty.
const DefaultRequestIDHeader = "X-Request-ID"

// Trust says whose inbound request IDs are accepted. Whatever the policy, an
// inbound ID is used only when [reqid.Valid] accepts it; otherwise a new one
// is made with [reqid.New].
type Trust uint8

const (
	// TrustAny accepts a valid inbound ID from any client. It is the default:
	// services calling each other (see [Transport]) keep one ID end to end.
	TrustAny Trust = iota
	// TrustProxies accepts a valid inbound ID only when the connection comes
	// from an address in RequestIDConfig.TrustedProxies.
	TrustProxies
	// TrustNone ignores inbound IDs: every request gets a new one.
	TrustNone
)

// String returns "any", "proxies" or "none".
func (t Trust) String() string {
	switch t {
	case TrustAny:
		return "any"
	case TrustProxies:
		return "proxies"
	case TrustNone:
		return "none"
	}
	return "invalid"
}

// RequestIDConfig configures the request-ID piece ([RequestID], and
// ServerConfig.RequestID of [New]). The zero value reads and echoes X-Request-ID and
// accepts a valid inbound ID from anyone.
type RequestIDConfig struct {
	// Header is the request and response header carrying the ID.
	// Default: X-Request-ID. A name that is not a valid header name (a
	// space, a colon, a line break) is refused by the constructors.
	Header string
	// Trust says whose inbound IDs are accepted. Default: TrustAny.
	Trust Trust
	// TrustedProxies are the peer addresses whose inbound IDs are accepted
	// under TrustProxies (the connection's address, r.RemoteAddr, not a
	// forwarded-for header). Required with TrustProxies.
	TrustedProxies []netip.Prefix
}

// requestIDPolicy is a validated RequestIDConfig.
type requestIDPolicy struct {
	header  string // canonical form, for direct map access
	trust   Trust
	proxies proxies.Set
}

func newRequestIDPolicy(cfg RequestIDConfig) (*requestIDPolicy, error) {
	header, err := headerName("RequestIDConfig.Header", cfg.Header, DefaultRequestIDHeader)
	if err != nil {
		return nil, err
	}
	p := &requestIDPolicy{header: header, trust: cfg.Trust}
	switch cfg.Trust {
	case TrustAny, TrustNone:
	case TrustProxies:
		var err error
		if p.proxies, err = proxies.New("middleware", "RequestIDConfig.TrustedProxies", cfg.TrustedProxies); err != nil {
			return nil, err
		}
	default:
		return nil, configError("RequestIDConfig.Trust", "is not TrustAny, TrustProxies or TrustNone",
			"use one of the Trust constants")
	}
	return p, nil
}

// resolve returns the request's ID: the inbound one when valid and trusted,
// else a new one. rejected is the inbound value when it was present, trusted
// and invalid, so the caller can describe it (never log it raw).
func (p *requestIDPolicy) resolve(r *http.Request) (id, rejected string) {
	if p.trusted(r) {
		if v := r.Header[p.header]; len(v) > 0 {
			if reqid.Valid(v[0]) {
				return v[0], ""
			}
			rejected = v[0]
		}
	}
	return reqid.New(), rejected
}

func (p *requestIDPolicy) trusted(r *http.Request) bool {
	switch p.trust {
	case TrustAny:
		return true
	case TrustProxies:
		ap, err := netip.ParseAddrPort(r.RemoteAddr)
		return err == nil && p.proxies.Contains(ap.Addr())
	}
	return false
}

// configError is the error every constructor returns for an invalid field.
func configError(field, problem, remedy string) error {
	return configerr.New("middleware", field, problem, remedy)
}
