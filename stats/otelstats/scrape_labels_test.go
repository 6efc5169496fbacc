package otelstats_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/stats"
	"github.com/vitals-go/vitals/stats/otelstats"
)

// The exporter's default adds otel_scope_name, otel_scope_version and
// otel_scope_schema_url to every sample, and writes a tag key's dots and
// runs of underscores as one '_': a key spelled otel.scope.name is the
// exporter's own label by then, and a duplicate label costs the whole
// scrape. The doc promises such keys get "exported_" in front.
func TestTagKeysSpellingTheExportersScopeLabelsNeverBreakAScrape(t *testing.T) {
	cases := map[string]string{
		"otel.scope.name":       `exported_otel_scope_name="v"`,
		"otel__scope__name":     `exported_otel_scope_name="v"`,
		"otel.scope.version":    `exported_otel_scope_version="v"`,
		"otel_scope.schema_url": `exported_otel_scope_schema_url="v"`,
		"otel-scope-name":       `exported_otel_scope_name="v"`,
		"quantile.":             `quantile_="v"`, // not the exporter's: kept
	}
	for key, want := range cases {
		t.Run(key, func(t *testing.T) {
			e, scrape := servedToPrometheus(t, otelstats.Config{})
			e.Count("c", 1, stats.T(key, "v"))
			code, body := scrape()
			require.Equal(t, http.StatusOK, code, "%.2000s", body)
			assert.Contains(t, body, want)
			assert.Zero(t, e.Dropped())
		})
	}
}
