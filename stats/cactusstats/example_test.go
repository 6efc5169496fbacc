package cactusstats_test

import (
	"fmt"

	"github.com/cactus/go-statsd-client/v5/statsd"

	"github.com/vitals-go/vitals/stats/cactusstats"
	"github.com/vitals-go/vitals/stats/statstest"
)

// legacyLogin is code written against cactus' client.
func legacyLogin(client statsd.Statter) {
	_ = client.Inc("logins", 1, 1.0, statsd.Tag{"via", "sso"})
}

func ExampleNew() {
	rec := statstest.New() // or a *stats.Statsd, or an otelstats.Emitter
	legacyLogin(cactusstats.New(rec, "auth"))
	fmt.Println(rec.Series())
	// Output: [auth.logins;via=sso]
}
