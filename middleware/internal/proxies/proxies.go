// Package proxies holds the trusted proxies of a request-ID policy (HTTP
// and gRPC alike): the peer addresses whose inbound request IDs are
// accepted under TrustProxies.
//
// The smallest complete use:
//
//	set, err := proxies.New("middleware", "RequestIDConfig.TrustedProxies", cfg.TrustedProxies)
//	if err != nil {
//		return nil, err
//	}
//	trusted := set.Contains(peerAddr)
package proxies

import (
	"net/netip"

	"github.com/vitals-go/vitals/internal/configerr"
)

// Set is a validated, non-empty list of trusted prefixes.
type Set struct{ prefixes []netip.Prefix }

// New returns the set of prefixes, masked, or the configuration error of
// pkg naming field when the list is empty (TrustProxies would trust no one)
// or holds an invalid prefix. An IPv4-mapped prefix (::ffff:10.0.0.0/104)
// becomes its IPv4 one (10.0.0.0/8), since Contains matches peers by their
// IPv4 form; one shorter than /96, which would mix IPv4 and IPv6 peers, is
// refused.
func New(pkg, field string, prefixes []netip.Prefix) (Set, error) {
	if len(prefixes) == 0 {
		return Set{}, configerr.New(pkg, field, "is empty while Trust is TrustProxies",
			"list the CIDRs of the proxies that set the request ID, or use TrustAny or TrustNone")
	}
	s := Set{prefixes: make([]netip.Prefix, 0, len(prefixes))}
	for _, pfx := range prefixes {
		if !pfx.IsValid() {
			return Set{}, configerr.New(pkg, field, "holds an invalid prefix",
				"build prefixes with netip.MustParsePrefix(\"10.0.0.0/8\")")
		}
		if pfx.Addr().Is4In6() {
			if pfx.Bits() < 96 {
				return Set{}, configerr.New(pkg, field, "holds an IPv4-mapped prefix shorter than /96",
					"write IPv4 proxies as IPv4 prefixes, such as 10.0.0.0/8")
			}
			pfx = netip.PrefixFrom(pfx.Addr().Unmap(), pfx.Bits()-96)
		}
		s.prefixes = append(s.prefixes, pfx.Masked())
	}
	return s, nil
}

// Contains reports whether addr, an IPv4-mapped IPv6 address taken as the
// IPv4 one, is in one of the prefixes.
func (s Set) Contains(addr netip.Addr) bool {
	addr = addr.Unmap()
	for _, pfx := range s.prefixes {
		if pfx.Contains(addr) {
			return true
		}
	}
	return false
}
