package downstream

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/internal/logtest"
	"github.com/vitals-go/vitals/stats/statstest"
)

func TestNewBreakerFillsTheClientDefaults(t *testing.T) {
	rec := statstest.New()
	var logs logtest.Buffer
	b, err := NewBreaker(nil, "api.internal:8080", "api.internal:8080", rec, slog.New(slog.NewJSONHandler(&logs, nil)), "TransportOptions.Breaker")
	require.NoError(t, err)
	assert.Equal(t, "api.internal:8080", b.Name())
	assert.Equal(t, breaker.Closed, b.State())

	assert.Contains(t, rec.Series(), "breaker.api_internal_8080.state", "its stats go to the client's emitter")
	b.ForceOpen("test")
	logs.Wait(t, logtest.All(logtest.Msg("breaker forced open"), logtest.Field("breaker", "api.internal:8080")), 1)
}

func TestNewBreakerKeepsTheGivenName(t *testing.T) {
	b, err := NewBreaker(func(string) breaker.Config { return breaker.Config{Name: "payments"} }, "api.internal:8080", "api.internal:8080", statstest.New(), nil, "TransportOptions.Breaker")
	require.NoError(t, err)
	assert.Equal(t, "payments", b.Name())
}

func TestNewBreakerRefusesAnInvalidConfig(t *testing.T) {
	b, err := NewBreaker(func(string) breaker.Config { return breaker.Config{Timeout: -time.Second} }, "svc:50051", "svc:50051", statstest.New(), nil, "ClientConfig.BreakerConfig")
	require.Error(t, err)
	assert.Nil(t, b)
	assert.Equal(t, "build the breaker of svc:50051", errctx.AttemptedOf(err)[0])
	assert.Contains(t, errctx.RemediesOf(err), "fix the breaker.Config returned by ClientConfig.BreakerConfig")
}

func TestNewBreakerAsksConfigOfWithTheKeyAndNamesItName(t *testing.T) {
	var asked string
	b, err := NewBreaker(func(key string) breaker.Config { asked = key; return breaker.Config{} }, "api.internal:8080", "billing/api.internal:8080", nil, nil, "TransportOptions.Breaker")
	require.NoError(t, err)
	assert.Equal(t, "api.internal:8080", asked)
	assert.Equal(t, "billing/api.internal:8080", b.Name())
}

func TestCheckName(t *testing.T) {
	for _, ok := range []string{"", "payments", "payments-eu_2", strings.Repeat("a", MaxName)} {
		assert.NoError(t, CheckName("middleware", "TransportOptions.Name", ok), ok)
	}
	for _, bad := range []string{"Payments", "pay.ments", "a b", "caf\u00e9", "\xff", strings.Repeat("a", MaxName+1)} {
		err := CheckName("middleware", "TransportOptions.Name", bad)
		require.Error(t, err, bad)
		assert.Contains(t, errctx.FieldsOf(err), slog.String("field", "TransportOptions.Name"))
		assert.NotEmpty(t, errctx.RemediesOf(err))
	}
}
