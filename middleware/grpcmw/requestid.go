package grpcmw

import (
	"context"
	"net"
	"net/netip"
	"strings"

	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"

	"github.com/vitals-go/vitals/internal/proxies"
	"github.com/vitals-go/vitals/middleware"
	"github.com/vitals-go/vitals/reqid"
)

// DefaultRequestIDKey is the metadata key read, echoed and sent when
// ServerConfig.RequestIDKey or ClientConfig.RequestIDKey is empty. It is
// what middleware.DefaultRequestIDHeader becomes on the wire in HTTP/2.
const DefaultRequestIDKey = "x-request-id"

// idPolicy decides the request ID of an inbound call.
type idPolicy struct {
	key     string // lower case, as metadata keys are
	trust   middleware.Trust
	proxies proxies.Set
}

func newIDPolicy(key string, trust middleware.Trust, trusted []netip.Prefix) (*idPolicy, error) {
	p := &idPolicy{key: DefaultRequestIDKey, trust: trust}
	if key != "" {
		p.key = strings.ToLower(key)
	}
	if err := checkKey("ServerConfig.RequestIDKey", p.key); err != nil {
		return nil, err
	}
	switch trust {
	case middleware.TrustAny, middleware.TrustNone:
	case middleware.TrustProxies:
		var err error
		if p.proxies, err = proxies.New("grpcmw", "ServerConfig.TrustedProxies", trusted); err != nil {
			return nil, err
		}
	default:
		return nil, configError("ServerConfig.Trust", "is not TrustAny, TrustProxies or TrustNone",
			"use one of the middleware.Trust constants")
	}
	return p, nil
}

// checkKey refuses a metadata key that gRPC would refuse to send, or a
// binary one (whose values are base64 on the wire).
func checkKey(field, key string) error {
	if !validKey(key) {
		return configError(field, "is not a valid metadata key",
			"use lower-case letters, digits, '-', '_' and '.', such as x-request-id")
	}
	if strings.HasSuffix(key, "-bin") || strings.HasPrefix(key, "grpc-") {
		return configError(field, "is a binary or reserved metadata key",
			"use a plain text key such as x-request-id")
	}
	return nil
}

// resolve returns the call's ID: the inbound one when valid and trusted,
// else a new one. rejected is the inbound value when it was present, trusted
// and invalid, so the caller can describe it (never log it raw).
func (p *idPolicy) resolve(ctx context.Context) (id, rejected string) {
	if p.trusted(ctx) {
		if v := metadata.ValueFromIncomingContext(ctx, p.key); len(v) > 0 {
			if reqid.Valid(v[0]) {
				return v[0], ""
			}
			rejected = v[0]
		}
	}
	return reqid.New(), rejected
}

func (p *idPolicy) trusted(ctx context.Context) bool {
	switch p.trust {
	case middleware.TrustAny:
		return true
	case middleware.TrustProxies:
		pr, ok := peer.FromContext(ctx)
		if !ok || pr.Addr == nil {
			return false
		}
		var addr netip.Addr
		switch a := pr.Addr.(type) {
		case *net.TCPAddr:
			addr, _ = netip.AddrFromSlice(a.IP)
		default:
			ap, err := netip.ParseAddrPort(a.String())
			if err != nil {
				return false
			}
			addr = ap.Addr()
		}
		return p.proxies.Contains(addr)
	}
	return false
}

// outgoing returns ctx with the request ID of ctx in its outgoing metadata
// under key. A valid value the caller already
// set is left alone; an invalid one, which gRPC could refuse to send, is
// replaced by the context's ID or dropped, so that a bad ID never makes the
// call fail. Other metadata gRPC would refuse to send is not changed: why
// says what is wrong with it, and the call must not be made.
func outgoing(ctx context.Context, key string) (_ context.Context, why string) {
	id, ok := reqid.From(ctx)
	ok = ok && reqid.Valid(id)
	md, _ := metadata.FromOutgoingContext(ctx) // nil, without allocating, when there is none
	if why := metadataRefusal(md, key); why != "" {
		return ctx, why
	}
	set := md[key]
	switch {
	case len(set) == 1 && reqid.Valid(set[0]):
		return ctx, ""
	case len(set) == 0 && ok:
		return metadata.AppendToOutgoingContext(ctx, key, id), ""
	case len(set) == 0:
		return ctx, ""
	}
	// md is a copy: replace the caller's invalid or repeated values.
	if ok {
		md[key] = []string{id}
	} else if reqid.Valid(set[0]) {
		md[key] = set[:1]
	} else {
		delete(md, key)
	}
	return metadata.NewOutgoingContext(ctx, md), ""
}
