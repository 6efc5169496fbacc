//go:build linux

package errctx

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The errors of this file are produced for real on loopback, as a service
// meets them, not constructed: the class table must hold for what net,
// net/http and the resolver really return.

// stalledAddr returns a loopback address that never answers a connection:
// its listener never accepts and its accept queue is full, so the kernel
// drops new SYNs and a dial hangs until its caller gives up. Nothing is ever
// sent to it.
func stalledAddr(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	require.NoError(t, err)
	t.Cleanup(func() { syscall.Close(fd) })
	require.NoError(t, syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}))
	require.NoError(t, syscall.Listen(fd, 0))
	sa, err := syscall.Getsockname(fd)
	require.NoError(t, err)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(sa.(*syscall.SockaddrInet4).Port))
	for range 8 {
		conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			require.True(t, isTimeout(err), "filling the accept queue: %v", err)
			return addr
		}
		t.Cleanup(func() { conn.Close() })
	}
	require.FailNow(t, "the accept queue of a backlog-0 listener never filled")
	return ""
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// canceledWhile runs call with a context that is cancelled once started
// says the call is under way (or, without started, right away).
func canceledWhile(call func(ctx context.Context) error, started <-chan struct{}) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- call(ctx) }()
	if started != nil {
		select {
		case <-started:
		case err := <-done:
			return err
		}
	}
	cancel()
	return <-done
}

// dialCanceled dials a stalled address and cancels the dial while it hangs.
func dialCanceled(t *testing.T) error {
	addr := stalledAddr(t)
	err := canceledWhile(func(ctx context.Context) error {
		conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		if conn != nil {
			conn.Close()
		}
		return err
	}, nil)
	require.ErrorIs(t, err, context.Canceled)
	return err
}

// dialTimeout dials a stalled address with a net.Dialer timeout.
func dialTimeout(t *testing.T) error {
	addr := stalledAddr(t)
	conn, err := (&net.Dialer{Timeout: 20 * time.Millisecond}).Dial("tcp", addr)
	if conn != nil {
		conn.Close()
	}
	require.True(t, isTimeout(err), "%v", err)
	return err
}

// dnsServer answers the DNS queries it receives on a loopback UDP port.
func dnsServer(t *testing.T, answer func(query []byte) []byte) *net.Resolver {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			pc.WriteTo(answer(buf[:n]), from)
		}
	}()
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "udp", pc.LocalAddr().String())
	}}
}

// nxdomain turns a query into a "no such name" answer.
func nxdomain(query []byte) []byte {
	out := append([]byte(nil), query...)
	out[2] |= 0x80                  // a response
	out[3] = out[3]&0x70 | 0x80 | 3 // recursion available, NXDOMAIN
	return out
}

func dnsNotFound(t *testing.T) error {
	r := dnsServer(t, nxdomain)
	_, err := r.LookupHost(context.Background(), "payments.invalid.")
	var de *net.DNSError
	require.ErrorAs(t, err, &de)
	require.True(t, de.IsNotFound, "%v", err)
	return err
}

// dnsCanceled cancels a lookup while it dials a name server that never
// answers. (A cancellation during the read of a UDP answer is noticed only
// at the resolver's own timeout, seconds later.)
func dnsCanceled(t *testing.T) error {
	addr := stalledAddr(t)
	dialing := make(chan struct{})
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		select {
		case dialing <- struct{}{}:
		default:
		}
		return (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	}}
	err := canceledWhile(func(ctx context.Context) error {
		_, err := r.LookupHost(ctx, "payments.invalid.")
		return err
	}, dialing)
	require.ErrorIs(t, err, context.Canceled)
	return err
}

// rawServer accepts connections on loopback, reads one HTTP request from
// each and hands the connection to serve, then closes it.
func rawServer(t *testing.T, serve func(*net.TCPConn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				if _, err := http.ReadRequest(bufio.NewReader(conn)); err == nil {
					serve(conn.(*net.TCPConn))
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

// post sends a POST with client and reads the whole response.
func post(ctx context.Context, client *http.Client, target string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target+"/charge", nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.ReadAll(resp.Body)
	return err
}

// freshClient never reuses a connection, so net/http never retries by itself.
func freshClient(timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, Transport: &http.Transport{DisableKeepAlives: true}}
}

// closedBeforeAnswer: the server read the request and closed without a word.
func closedBeforeAnswer(t *testing.T) error {
	target := rawServer(t, func(*net.TCPConn) {})
	err := post(context.Background(), freshClient(0), target)
	require.ErrorIs(t, err, io.EOF)
	return err
}

// cutMidBody: the server promised 100 bytes of body and sent 10.
func cutMidBody(t *testing.T) error {
	target := rawServer(t, func(c *net.TCPConn) {
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
	})
	err := post(context.Background(), freshClient(0), target)
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	return err
}

// resetMidRequest: the server read the request and reset the connection.
func resetMidRequest(t *testing.T) error {
	target := rawServer(t, func(c *net.TCPConn) { c.SetLinger(0) })
	err := post(context.Background(), freshClient(0), target)
	require.ErrorIs(t, err, syscall.ECONNRESET)
	return err
}

// clientTimeoutDialing: http.Client.Timeout fires while dialing an address
// that never answers; nothing was sent.
func clientTimeoutDialing(t *testing.T) error {
	err := post(context.Background(), freshClient(20*time.Millisecond), "http://"+stalledAddr(t))
	require.True(t, isTimeout(err), "%v", err)
	return err
}

// transportDialTimeout: the client's Transport bounds its dials with
// net.Dialer.Timeout, which fires while dialing an address that never answers.
func transportDialTimeout(t *testing.T) error {
	dialer := &net.Dialer{Timeout: 20 * time.Millisecond}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true, DialContext: dialer.DialContext}}
	err := post(context.Background(), client, "http://"+stalledAddr(t))
	require.True(t, isTimeout(err), "%v", err)
	return err
}

// httpCanceledDialing: the caller cancels an HTTP call while it dials.
func httpCanceledDialing(t *testing.T) error {
	target := "http://" + stalledAddr(t)
	started := make(chan struct{})
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			close(started)
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		}}}
	err := canceledWhile(func(ctx context.Context) error { return post(ctx, client, target) }, started)
	require.ErrorIs(t, err, context.Canceled)
	return err
}

// httpCanceledAwaiting: the caller cancels an HTTP call the server received.
func httpCanceledAwaiting(t *testing.T) error {
	received := make(chan struct{})
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	target := rawServer(t, func(*net.TCPConn) {
		close(received)
		<-release
	})
	err := canceledWhile(func(ctx context.Context) error { return post(ctx, freshClient(0), target) }, received)
	require.ErrorIs(t, err, context.Canceled)
	return err
}

// wrappings are the ways a real error reaches a classifier: bare, or behind
// the layers that services and libraries put around it.
var wrappings = []struct {
	name string
	wrap func(error) error
}{
	{"bare", func(err error) error { return err }},
	{"fmt %w", func(err error) error { return fmt.Errorf("charging: %w", err) }},
	{"fmt twice", func(err error) error { return fmt.Errorf("job: %w", fmt.Errorf("charging: %w", err)) }},
	{"errctx.Wrap", func(err error) error { return Wrap(err, "charging") }},
	{"errctx over fmt", func(err error) error { return Wrap(fmt.Errorf("POST: %w", err), "charging") }},
	{"fmt over errctx", func(err error) error { return fmt.Errorf("job: %w", Wrap(err, "charging")) }},
	{"url.Error", func(err error) error { return &url.Error{Op: "Post", URL: "http://x/charge", Err: err} }},
	{"os.SyscallError", func(err error) error { return os.NewSyscallError("call", err) }},
	{"errors.Join of one", func(err error) error { return errors.Join(err) }},
	{"errors.Join twice", func(err error) error { return errors.Join(err, Wrap(err, "again")) }},
	{"fmt with two %w", func(err error) error { return fmt.Errorf("%w; %w", err, Wrap(err, "again")) }},
	{"errctx over join", func(err error) error { return Wrap(errors.Join(fmt.Errorf("a: %w", err)), "batch") }},
	{"deep", func(err error) error {
		for i := range 40 {
			err = Wrap(fmt.Errorf("step %d: %w", i, err), "layer")
		}
		return err
	}},
}

// TestClassOfRealErrors checks every row of the defaults table against
// errors produced for real, under every wrapping.
func TestClassOfRealErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func(*testing.T) error
		want Class
	}{
		{"connection refused", refused, Transient},
		{"DNS: no such host", dnsNotFound, Transient},
		{"dial timed out (net.Dialer.Timeout)", dialTimeout, Transient},
		{"HTTP dial timed out (Transport's net.Dialer.Timeout)", transportDialTimeout, Transient},
		{"read timed out", readTimeout, Indeterminate},
		{"HTTP call past its context deadline", httpTimeout, Indeterminate},
		{"http.Client.Timeout while dialing", clientTimeoutDialing, Indeterminate},
		{"connection reset after the request", resetMidRequest, Indeterminate},
		{"closed after the request, before the answer (EOF)", closedBeforeAnswer, Indeterminate},
		{"response body cut short (unexpected EOF)", cutMidBody, Indeterminate},
		{"dial cancelled by the caller", dialCanceled, NotAFailure},
		{"DNS lookup cancelled by the caller", dnsCanceled, NotAFailure},
		{"HTTP call cancelled while dialing", httpCanceledDialing, NotAFailure},
		{"HTTP call cancelled awaiting the answer", httpCanceledAwaiting, NotAFailure},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.make(t)
			for _, w := range wrappings {
				assert.Equal(t, tc.want.String(), ClassOf(w.wrap(err)).String(), "%s: %v", w.name, err)
			}
		})
	}
}
