// Command statsload measures how many stats per second a vitals statsd
// emitter delivers to a statsd-style UDP listener on loopback, and checks
// that every stat is either delivered or counted as dropped. It emits
// timings, which are sent one line per call (counts by name are summed in
// the process, so they would not load the wire).
//
// For each target rate it runs paced producers for a while, closes the
// emitter, waits for the listener to go quiet, and prints:
//
//	rate/s  calls  sent  delivered  delivered%  dropped  unaccounted  send_errors  exact
//
// where sent (Statsd.Sent) + dropped (Statsd.Dropped) = calls, checked in
// the exact column, and unaccounted = calls - delivered - dropped is what
// the kernel dropped after a successful write (0 when the listener keeps
// up). A rate of "max" runs the producers flat out, far above what one
// sending goroutine can write, to show that drops are counted exactly.
//
//	go run ./cmd/statsload                       # 1M, 3M, 5M/s and max, 3s each
//	go run ./cmd/statsload -rates 3e6 -for 10s   # one rate, longer
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vitals-go/vitals/stats"
)

func main() {
	rates := flag.String("rates", "1e6,3e6,5e6,max", "comma-separated target rates in stats/s, or max")
	dur := flag.Duration("for", 3*time.Second, "how long each rate runs")
	producers := flag.Int("producers", 1, "producing goroutines")
	packet := flag.Int("packet", stats.DefaultMaxPacketSize, "stats.Config.MaxPacketSize")
	queue := flag.Int("queue", 1<<17, "stats.Config.QueueSize")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile to this file")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}

	fmt.Printf("GOMAXPROCS=%d producers=%d MaxPacketSize=%d QueueSize=%d, %v per rate\n",
		runtime.GOMAXPROCS(0), *producers, *packet, *queue, *dur)
	const row = "%8s %11s %10s %10s %10s %11s %10s %12s %12s %6s\n"
	fmt.Printf(row, "target/s", "achieved/s", "calls", "sent", "delivered", "delivered%", "dropped", "unaccounted", "send_errors", "exact")
	for r := range strings.SplitSeq(*rates, ",") {
		target := 0.0 // flat out
		if r != "max" {
			var err error
			if target, err = strconv.ParseFloat(r, 64); err != nil || target <= 0 {
				log.Fatalf("bad rate %q", r)
			}
		}
		res := run(target, *dur, *producers, stats.Config{MaxPacketSize: *packet, QueueSize: *queue})
		exact := "yes"
		if res.sent+res.dropped != res.calls {
			exact = "NO"
		}
		fmt.Printf(row, r, fmt.Sprintf("%.0f", res.achieved), itoa(res.calls), itoa(res.sent), itoa(res.delivered),
			fmt.Sprintf("%.3f", 100*float64(res.delivered)/float64(res.calls)), itoa(res.dropped),
			strconv.FormatInt(int64(res.calls)-int64(res.delivered)-int64(res.dropped), 10), itoa(res.sendErrors), exact)
	}
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }

type result struct {
	achieved                                    float64
	calls, sent, delivered, dropped, sendErrors uint64
}

// run emits at target stats/s (0: as fast as possible) for d.
func run(target float64, d time.Duration, producers int, cfg stats.Config) result {
	l := listen()
	defer l.conn.Close()
	cfg.Addr = l.conn.LocalAddr().String()
	s, err := stats.NewStatsd(cfg)
	if err != nil {
		log.Fatal(err)
	}
	names := []string{"load.http.request", "load.db.query", "load.cache.get", "load.queue.wait"}
	var calls atomic.Uint64
	var wg sync.WaitGroup
	start := time.Now()
	for p := range producers {
		wg.Go(func() {
			const batch = 500
			perProducer := target / float64(producers)
			n := 0
			for time.Since(start) < d {
				for i := range batch {
					s.Timing(names[(i+p)&3], time.Duration(i)*time.Microsecond)
				}
				n += batch
				if target > 0 {
					// Pace: sleep until this producer's schedule catches up.
					if ahead := time.Duration(float64(n)/perProducer*1e9) - time.Since(start); ahead > 0 {
						time.Sleep(ahead)
					}
				}
			}
			calls.Add(uint64(n))
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := s.Close(); err != nil {
		log.Print(err)
	}
	l.waitQuiet(200 * time.Millisecond)
	return result{
		achieved:   float64(calls.Load()) / elapsed.Seconds(),
		calls:      calls.Load(),
		sent:       s.Sent(),
		delivered:  l.lines.Load(),
		dropped:    s.Dropped(),
		sendErrors: s.SendErrors(),
	}
}

// listener counts the stat lines it receives, leaving out the emitter's
// own vitals.stats.* counters.
type listener struct {
	conn  *net.UDPConn
	lines atomic.Uint64
	last  atomic.Int64 // unix nanoseconds of the last packet
}

func listen() *listener {
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		log.Fatal(err)
	}
	if err := c.SetReadBuffer(4 << 20); err != nil {
		log.Fatal(err)
	}
	l := &listener{conn: c}
	l.last.Store(time.Now().UnixNano())
	go func() {
		buf := make([]byte, 1<<16)
		self := []byte("vitals.stats.")
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			p := buf[:n]
			lines := uint64(bytes.Count(p, []byte{'\n'}) + 1)
			lines -= uint64(bytes.Count(p, self))
			l.lines.Add(lines)
			l.last.Store(time.Now().UnixNano())
		}
	}()
	return l
}

// waitQuiet returns once no packet arrived for quiet.
func (l *listener) waitQuiet(quiet time.Duration) {
	for {
		since := time.Since(time.Unix(0, l.last.Load()))
		if since >= quiet {
			return
		}
		time.Sleep(quiet - since)
	}
}
