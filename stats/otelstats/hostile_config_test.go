package otelstats_test

import (
	"math"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/stats"
	"github.com/vitals-go/vitals/stats/otelstats"
)

// Config.MaxSeries promises any positive bound works, an Emitter holding
// 8192 series whatever it is: a bound past what an int32 holds must not
// wrap around to 0 or below and drop every stat.
func TestHugeMaxSeriesIsHeldToTheEmittersBound(t *testing.T) {
	for _, max := range []int{1 << 31, 1 << 32, 1<<32 + 5, math.MaxInt} {
		t.Run(strconv.Itoa(max), func(t *testing.T) {
			e, scrape := servedToPrometheus(t, otelstats.Config{MaxSeries: max})
			for i := range 3 {
				e.Count("c", 1, stats.T("i", strconv.Itoa(i)))
			}
			code, body := scrape()
			require.Equal(t, http.StatusOK, code)
			assert.Contains(t, body, `c_total{i="2",`)
			assert.Zero(t, e.Dropped())
		})
	}
}
