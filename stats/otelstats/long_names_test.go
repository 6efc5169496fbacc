package otelstats_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"

	"github.com/vitals-go/vitals/stats/otelstats"
)

// OTel names are at most 255 bytes, so a longer one is cut; two names that
// differ only past the cut (or a Prefix that long) must stay two
// instruments, not become one that adds both stats together.
func TestNamesLongerThanOTelTakesStayApart(t *testing.T) {
	long := strings.Repeat("x", 300)
	for name, cfg := range map[string]otelstats.Config{
		"long names":  {},
		"long Prefix": {Prefix: strings.Repeat("p", 300)},
	} {
		t.Run(name, func(t *testing.T) {
			e, scrape := servedToPrometheus(t, cfg, otelprom.WithoutScopeInfo())
			e.Count(long+".a", 1)
			e.Count(long+".b", 2)
			code, body := scrape()
			require.Equal(t, http.StatusOK, code, "%.2000s", body)
			var values []string
			for _, l := range strings.Split(body, "\n") {
				if strings.HasPrefix(l, "pppp") || strings.HasPrefix(l, "xxxx") {
					values = append(values, l[strings.LastIndexByte(l, ' ')+1:])
				}
			}
			assert.ElementsMatch(t, []string{"1", "2"}, values, "%.3000s", body)
			assert.Zero(t, e.Dropped())
		})
	}
}
