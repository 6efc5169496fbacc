// Package demotest runs a self-driving example (see package demo) inside
// its test: on loopback addresses, with its logs, its stdout and what a
// statsd listener received kept for the checks. It is used only by the
// examples' tests.
package demotest

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/internal/logtest"
)

// Timeout bounds a run, and each wait for one of its log records.
const Timeout = 30 * time.Second

// RunFunc is an example's run function.
type RunFunc func(ctx context.Context, args []string, stdout, stderr io.Writer) error

// Run is one run of an example in this process.
type Run struct {
	Logs   *logtest.Buffer    // its stderr: JSON log lines
	Stdout *logtest.Buffer    // its summary
	Cancel context.CancelFunc // interrupts it, as SIGTERM would

	done    chan error
	packets chan string
}

// Start runs run with args after -listen 127.0.0.1:0, -statsd on a UDP
// listener of the test's and -log-level info. The run is bounded by
// 2*Timeout, or ends with Cancel.
func Start(t *testing.T, run RunFunc, args ...string) *Run {
	t.Helper()
	udp, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = udp.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 2*Timeout)
	t.Cleanup(cancel)
	r := &Run{Logs: &logtest.Buffer{Timeout: Timeout}, Stdout: &logtest.Buffer{}, Cancel: cancel,
		done: make(chan error, 1), packets: make(chan string, 4096)}
	go func() {
		buf := make([]byte, 65536)
		for {
			n, _, err := udp.ReadFrom(buf)
			if err != nil {
				return
			}
			select {
			case r.packets <- string(buf[:n]):
			default:
			}
		}
	}()
	args = append([]string{"-listen", "127.0.0.1:0", "-statsd", udp.LocalAddr().String(), "-log-level", "info"}, args...)
	go func() {
		err := run(ctx, args, r.Stdout, r.Logs)
		if err != nil { // on record too, so that a wait for a record that will never come says why
			line, _ := json.Marshal(map[string]string{"level": "ERROR", "msg": "demotest: the run returned an error", "error": err.Error()})
			_, _ = r.Logs.Write(append(line, '\n'))
		}
		r.done <- err
	}()
	return r
}

// WaitFor returns the first record, logged or to come, that m matches,
// waiting up to Timeout for it.
func (r *Run) WaitFor(t *testing.T, m logtest.Match) logtest.Record {
	t.Helper()
	return r.Logs.Wait(t, m, 1)[0]
}

// Wait waits up to 2*Timeout for the run to end without an error and
// returns all its records.
func (r *Run) Wait(t *testing.T) []logtest.Record {
	t.Helper()
	select {
	case err := <-r.done:
		require.NoError(t, err)
	case <-time.After(2 * Timeout):
		t.Fatalf("the program did not end within %s", 2*Timeout)
	}
	return r.Logs.Records(t)
}

// WaitForStats waits up to 10 s until the statsd listener has received
// every name.
func (r *Run) WaitForStats(t *testing.T, names ...string) {
	t.Helper()
	timeout := time.NewTimer(10 * time.Second)
	defer timeout.Stop()
	var got strings.Builder
	for {
		var missing []string
		for _, n := range names {
			if !strings.Contains(got.String(), n) {
				missing = append(missing, n)
			}
		}
		if len(missing) == 0 {
			return
		}
		select {
		case p := <-r.packets:
			got.WriteString(p)
			got.WriteByte('\n')
		case <-timeout.C:
			t.Fatalf("statsd received none of %q within 10 s", missing)
		}
	}
}

// Breakers gets a breaker registry's status from url.
func Breakers(t *testing.T, url string) (int, breaker.Status) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	var status breaker.Status
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&status))
	return resp.StatusCode, status
}

// GroupBy groups records by the string value of key, each group in log
// order; records without a string value for key are left out.
func GroupBy(records []logtest.Record, key string) map[string][]logtest.Record {
	out := map[string][]logtest.Record{}
	for _, r := range records {
		if v := r.Str(key); v != "" {
			out[v] = append(out[v], r)
		}
	}
	return out
}

// RefusesFlags checks that run refuses each of the command lines.
func RefusesFlags(t *testing.T, run RunFunc, cmdlines ...[]string) {
	t.Helper()
	for _, args := range cmdlines {
		err := run(context.Background(), args, io.Discard, io.Discard)
		assert.Error(t, err, "%v", args)
	}
}

// Result is what a run of an example that ends by itself left.
type Result struct {
	Err     error            // what run returned
	Stdout  string           // its summary
	Records []logtest.Record // its log
}

// RunToEnd runs run with args, bounded by Timeout, and decodes its log,
// failing the test on a line that is not JSON.
func RunToEnd(t *testing.T, run RunFunc, args ...string) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	var stdout, stderr logtest.Buffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, &stdout, &stderr) }()
	var res Result
	select {
	case res.Err = <-done:
	case <-time.After(Timeout):
		t.Fatalf("the program did not end within %s", Timeout)
	}
	res.Stdout = stdout.String()
	res.Records = stderr.Records(t)
	return res
}
