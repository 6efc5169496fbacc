package otelstats

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

const metricsDoc = "../../docs/metrics.md"

// otelRow is a row of docs/metrics.md's OTel table.
type otelRow struct{ instrument, unit, prometheus string }

// metricsTables returns the statsd table of docs/metrics.md (name: type)
// and its OTel table (name: row).
func metricsTables(t *testing.T) (map[string]string, map[string]otelRow) {
	t.Helper()
	text, err := os.ReadFile(metricsDoc)
	require.NoError(t, err)
	statsdPart, otelPart, ok := strings.Cut(string(text), "\n## OpenTelemetry")
	require.True(t, ok, "%s has no OpenTelemetry section", metricsDoc)
	statsd := map[string]string{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([^`]+)` \\| (counter|gauge|timer|set) \\|").FindAllStringSubmatch(statsdPart, -1) {
		statsd[m[1]] = m[2]
	}
	otel := map[string]otelRow{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([^`]+)` \\| ([^|]+) \\| ([^|]+) \\| ([^|]+) \\|$").FindAllStringSubmatch(otelPart, -1) {
		require.NotContains(t, otel, m[1], "%s lists %s twice in its OTel table", metricsDoc, m[1])
		otel[m[1]] = otelRow{instrument: m[2], unit: strings.Trim(m[3], "`"), prometheus: m[4]}
	}
	require.NotEmpty(t, statsd)
	require.NotEmpty(t, otel)
	return statsd, otel
}

// instrumentsOf are the OTel instruments otelstats makes for a statsd type.
var instrumentsOf = map[string][]string{
	"counter": {"Int64Counter", "Int64ObservableCounter"},
	"gauge":   {"Float64Gauge", "Float64ObservableGauge"},
	"timer":   {"Float64Histogram"},
}

// Every metric of the statsd table has an OTel row, and no other; each
// row's instrument fits the statsd type, and its Prometheus name is the one
// the exporter derives (dots to _, _seconds for "s", _total for counters).
func TestDocsGiveEveryMetricsOTelNameKindAndUnit(t *testing.T) {
	statsd, otel := metricsTables(t)
	names := func(m map[string]otelRow) []string {
		var out []string
		for n := range m {
			out = append(out, n)
		}
		return out
	}
	var statsdNames []string
	for n := range statsd {
		statsdNames = append(statsdNames, n)
	}
	assert.ElementsMatch(t, statsdNames, names(otel), "the OTel table lists the statsd table's metrics")
	for name, typ := range statsd {
		row, ok := otel[name]
		if !ok || strings.HasPrefix(name, "vitals.stats.") { // otelstats reports its own losses
			continue
		}
		assert.Contains(t, instrumentsOf[typ], row.instrument, "%s: a %s", name, typ)
		assert.True(t, strings.HasPrefix(row.prometheus, "`"+prometheusName(name, row)),
			"%s: Prometheus name %s, want %s", name, row.prometheus, prometheusName(name, row))
	}
}

// prometheusName is the name the OTel Prometheus exporter gives a metric.
func prometheusName(name string, row otelRow) string {
	n := strings.ReplaceAll(name, ".", "_")
	switch {
	case row.unit == "s":
		n += "_seconds"
	case strings.Contains(row.instrument, "Counter") && !strings.Contains(row.instrument, "UpDown"):
		n += "_total"
	}
	return n
}

// checkDocumented checks each collected metric against its row of the OTel
// table: the instrument's data and unit are the ones documented.
func checkDocumented(t *testing.T, got map[string]metricdata.Metrics) {
	t.Helper()
	_, otel := metricsTables(t)
	for name, m := range got {
		row, ok := documentedRow(otel, name)
		if !assert.True(t, ok, "%s is not in the OTel table of %s", name, metricsDoc) {
			continue
		}
		wantUnit := row.unit
		if wantUnit == "—" {
			wantUnit = ""
		}
		assert.Equal(t, wantUnit, m.Unit, "%s: unit", name)
		switch data := m.Data.(type) {
		case metricdata.Sum[int64]:
			assert.True(t, data.IsMonotonic, "%s: a counter", name)
			assert.Contains(t, []string{"Int64Counter", "Int64ObservableCounter"}, strings.Split(row.instrument, ",")[0], name)
		case metricdata.Gauge[float64]:
			assert.Contains(t, []string{"Float64Gauge", "Float64ObservableGauge"}, row.instrument, name)
		case metricdata.Histogram[float64]:
			assert.Equal(t, "Float64Histogram", row.instrument, name)
		default:
			assert.Failf(t, "undocumented data", "%s: %T", name, m.Data)
		}
	}
}

// documentedRow finds name's row, a <placeholder> segment of the table
// standing for any one segment.
func documentedRow(otel map[string]otelRow, name string) (otelRow, bool) {
	segs := strings.Split(name, ".")
rows:
	for doc, row := range otel {
		d := strings.Split(doc, ".")
		if len(d) != len(segs) {
			continue
		}
		for i := range d {
			if !strings.HasPrefix(d[i], "<") && d[i] != segs[i] {
				continue rows
			}
		}
		return row, true
	}
	return otelRow{}, false
}
