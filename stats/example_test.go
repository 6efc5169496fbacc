package stats_test

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"

	"github.com/vitals-go/vitals/stats"
)

// statsdServer stands in for a statsd daemon: it returns its address and a
// function that returns the lines received once want lines arrived.
func statsdServer(want int) (addr string, receive func() []string) {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		panic(err)
	}
	return conn.LocalAddr().String(), func() []string {
		defer conn.Close()
		var lines []string
		buf := make([]byte, 1<<16)
		for len(lines) < want {
			_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			n, err := conn.Read(buf)
			if err != nil {
				return append(lines, err.Error())
			}
			lines = append(lines, strings.Split(string(buf[:n]), "\n")...)
		}
		return lines
	}
}

// Counting a request: a handle made once, incremented on every request, is
// summed in the process and sent once per flush interval.
func ExampleStatsd_NewCounter() {
	addr, receive := statsdServer(1)

	s, err := stats.NewStatsd(stats.Config{Addr: addr, Prefix: "shop"})
	if err != nil {
		panic(err)
	}
	requests := s.NewCounter("http.requests", stats.T("route", "/cart"))
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Inc()
		fmt.Fprintln(w, "ok")
	})
	for range 3 {
		handler.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/cart", nil))
	}
	s.Close() // sends what is pending
	fmt.Println(receive())
	// Output:
	// [shop.http.requests;route=.cart:3|c]
}

// Timing a call: the duration is sent in milliseconds, with decimals.
func ExampleStatsd_Timing() {
	addr, receive := statsdServer(1)

	s, err := stats.NewStatsd(stats.Config{Addr: addr, Prefix: "shop"})
	if err != nil {
		panic(err)
	}
	charge := func() error { time.Sleep(2 * time.Millisecond); return nil } // the call being timed

	start := time.Now()
	err = charge()
	s.Timing("payments.charge", time.Since(start), stats.T("ok", strconv.FormatBool(err == nil)))

	s.Close()
	line := receive()[0]
	name, ms, _ := strings.Cut(strings.TrimSuffix(line, "|ms"), ":")
	took, _ := strconv.ParseFloat(ms, 64)
	fmt.Println(name, took >= 2)
	// Output:
	// shop.payments.charge;ok=true true
}

// Tag formats: Graphite (the default), DogStatsD, or none.
func ExampleTagFormat() {
	addr, receive := statsdServer(1)
	s, err := stats.NewStatsd(stats.Config{Addr: addr, TagFormat: stats.TagsDogStatsD})
	if err != nil {
		panic(err)
	}
	s.Gauge("queue.depth", 12, stats.T("queue", "mail"), stats.T("az", "b"))
	s.Close()
	fmt.Println(receive())
	// Output:
	// [queue.depth:12|g|#az:b,queue:mail]
}

// Invalid configuration is the only error, and it names the field.
func ExampleNewStatsd_invalid() {
	_, err := stats.NewStatsd(stats.Config{MaxPacketSize: 100000})
	fmt.Println(err)
	// Output:
	// configuring the statsd emitter: field MaxPacketSize is 100000
}

func ExampleSanitize() {
	fmt.Println(stats.Sanitize("HTTP.Server..Requests /users"))
	fmt.Println(stats.Name("db", "10.0.0.7:5432", "queries"))
	// Output:
	// http.server.requests__users
	// db.10_0_0_7_5432.queries
}

// Library code emits through Default, a no-op until the program sets one.
func ExampleDefault() {
	stats.Default().Count("jobs.started", 1) // goes nowhere: nothing set yet

	addr, receive := statsdServer(1)
	s, err := stats.NewStatsd(stats.Config{Addr: addr})
	if err != nil {
		panic(err)
	}
	stats.SetDefault(s)
	defer stats.SetDefault(nil)

	stats.Default().Count("jobs.started", 1)
	s.Close()
	fmt.Println(receive())
	// Output:
	// [jobs.started:1|c]
}
