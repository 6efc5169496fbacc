package graphite

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkParse parses an hour of 1-second points (whisper's finest
// retention in scripts/graphite), one in ten null.
func BenchmarkParse(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`[{"target": "stats.counters.shop.purchases.count", "datapoints": [`)
	for i := range 3600 {
		if i > 0 {
			sb.WriteString(", ")
		}
		if i%10 == 0 {
			fmt.Fprintf(&sb, "[null, %d]", 1700000000+i)
		} else {
			fmt.Fprintf(&sb, "[%d.5, %d]", i, 1700000000+i)
		}
	}
	sb.WriteString("]}]")
	body := []byte(sb.String())
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(body); err != nil {
			b.Fatal(err)
		}
	}
}
