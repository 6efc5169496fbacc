package graphite_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/vitals-go/vitals/cmd/vitals/internal/graphite"
)

// Render reads a target's series; a null is an invalid point, not a zero.
func ExampleClient_Render() {
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `[{"target": "stats.gauges.queue.depth", "datapoints": [[12, 1700000000], [null, 1700000060]]}]`)
	}))
	defer web.Close()

	c := graphite.Client{URL: web.URL}
	until := time.Unix(1700000060, 0)
	series, err := c.Render(context.Background(), "stats.gauges.queue.depth", until.Add(-time.Minute), until)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range series {
		for _, p := range s.Points {
			fmt.Println(s.Target, p.Time.Unix(), p.Value, p.Valid)
		}
	}
	// Output:
	// stats.gauges.queue.depth 1700000000 12 true
	// stats.gauges.queue.depth 1700000060 0 false
}

// Parse refuses what is not a render answer, such as an HTML error page.
func ExampleParse() {
	_, err := graphite.Parse([]byte("<html>502 Bad Gateway</html>"))
	fmt.Println(err)
	// Output:
	// not the JSON list of series of the render API: it does not start with [
}
