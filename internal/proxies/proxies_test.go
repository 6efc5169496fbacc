package proxies

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/errctx"
)

func TestContains(t *testing.T) {
	s, err := New("middleware", "RequestIDConfig.TrustedProxies", []netip.Prefix{
		netip.MustParsePrefix("10.1.2.3/8"), // not masked: New masks it
		netip.MustParsePrefix("fd00::/8"),
	})
	require.NoError(t, err)
	assert.True(t, s.Contains(netip.MustParseAddr("10.200.0.1")))
	assert.True(t, s.Contains(netip.MustParseAddr("::ffff:10.0.0.7")), "an IPv4-mapped address is its IPv4 one")
	assert.True(t, s.Contains(netip.MustParseAddr("fd12::1")))
	assert.False(t, s.Contains(netip.MustParseAddr("192.168.0.1")))
	assert.False(t, s.Contains(netip.Addr{}), "no address is trusted")
}

func TestNewRefusesEmptyAndInvalid(t *testing.T) {
	_, err := New("grpcmw", "ServerConfig.TrustedProxies", nil)
	require.Error(t, err)
	assert.Equal(t, []string{"configure grpcmw: ServerConfig.TrustedProxies is empty while Trust is TrustProxies"}, errctx.AttemptedOf(err))

	_, err = New("grpcmw", "ServerConfig.TrustedProxies", []netip.Prefix{{}})
	require.Error(t, err)
	assert.Equal(t, []string{"configure grpcmw: ServerConfig.TrustedProxies holds an invalid prefix"}, errctx.AttemptedOf(err))
	assert.Equal(t, errctx.Permanent, errctx.ClassOf(err))
}

func TestIPv4MappedPrefixIsItsIPv4One(t *testing.T) {
	s, err := New("middleware", "RequestIDConfig.TrustedProxies", []netip.Prefix{
		netip.MustParsePrefix("::ffff:127.0.0.1/128"),
		netip.MustParsePrefix("::ffff:10.0.0.0/104"),
	})
	require.NoError(t, err)
	assert.True(t, s.Contains(netip.MustParseAddr("127.0.0.1")))
	assert.True(t, s.Contains(netip.MustParseAddr("::ffff:127.0.0.1")))
	assert.True(t, s.Contains(netip.MustParseAddr("10.9.8.7")))
	assert.False(t, s.Contains(netip.MustParseAddr("127.0.0.2")))
	assert.False(t, s.Contains(netip.MustParseAddr("11.0.0.1")))

	_, err = New("grpcmw", "ServerConfig.TrustedProxies", []netip.Prefix{netip.MustParsePrefix("::ffff:0.0.0.0/80")})
	require.Error(t, err, "a mapped prefix shorter than /96 spans IPv6 peers too")
	assert.Equal(t, []string{"configure grpcmw: ServerConfig.TrustedProxies holds an IPv4-mapped prefix shorter than /96"}, errctx.AttemptedOf(err))
}
