package errctx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClassViews(t *testing.T) {
	for _, tc := range []struct {
		c                        Class
		name                     string
		failure, retry, retryIdm bool
	}{
		{Unknown, "unknown", true, false, false},
		{Transient, "transient", true, true, true},
		{Permanent, "permanent", true, false, false},
		{Indeterminate, "indeterminate", true, false, true},
		{NotAFailure, "not_a_failure", false, false, false},
		{Class(200), "class(200)", true, false, false},
	} {
		assert.Equal(t, tc.name, tc.c.String())
		assert.Equal(t, tc.failure, tc.c.IsFailure(), tc.name)
		assert.Equal(t, tc.retry, tc.c.Retryable(false), tc.name)
		assert.Equal(t, tc.retryIdm, tc.c.Retryable(true), tc.name)
	}
}

// refused dials a loopback port that was just closed: a real refusal.
func refused(t *testing.T) error {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	conn, err := net.Dial("tcp", addr)
	if conn != nil {
		conn.Close()
	}
	require.Error(t, err)
	require.ErrorIs(t, err, syscall.ECONNREFUSED)
	return err
}

// readTimeout reads from a loopback connection whose peer never writes.
func readTimeout(t *testing.T) error {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	conn, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(time.Millisecond)))
	_, err = conn.Read(make([]byte, 1))
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	require.True(t, ne.Timeout())
	return err
}

// httpTimeout calls a loopback server that answers only after the caller's
// deadline: the request was sent, the outcome is unknown.
func httpTimeout(t *testing.T) error {
	t.Helper()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	defer srv.Close()
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/charge", nil)
	require.NoError(t, err)
	resp, err := srv.Client().Do(req)
	if resp != nil {
		resp.Body.Close()
	}
	require.ErrorIs(t, err, context.DeadlineExceeded)
	return err
}

func TestClassOfDefaults(t *testing.T) {
	dnsErr := &net.DNSError{Err: "no such host", Name: "payments.invalid", IsNotFound: true}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	for _, tc := range []struct {
		name string
		err  error
		want Class
	}{
		{"nil", nil, NotAFailure},
		{"connection refused", refused(t), Transient},
		{"bare ECONNREFUSED", syscall.ECONNREFUSED, Transient},
		{"DNS failure", dnsErr, Transient},
		{"DNS timeout is still before sending", &net.DNSError{Err: "timeout", IsTimeout: true}, Transient},
		{"dial of any kind", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("network is unreachable")}, Transient},
		{"dial that timed out", &net.OpError{Op: "dial", Net: "tcp", Err: os.ErrDeadlineExceeded}, Transient},
		{"read timeout", readTimeout(t), Indeterminate},
		{"HTTP call past its deadline", httpTimeout(t), Indeterminate},
		{"context deadline", context.DeadlineExceeded, Indeterminate},
		{"os deadline", os.ErrDeadlineExceeded, Indeterminate},
		{"connection reset mid-request", reset, Indeterminate},
		{"broken pipe", syscall.EPIPE, Indeterminate},
		{"context canceled", context.Canceled, NotAFailure},
		{"canceled while dialing", &net.OpError{Op: "dial", Net: "tcp", Err: context.Canceled}, NotAFailure},
		{"anything else", errors.New("card number invalid"), Unknown},
		{"io.EOF: the connection ended early", io.EOF, Indeterminate},
		{"io.ErrUnexpectedEOF", io.ErrUnexpectedEOF, Indeterminate},
		{"wrapped by fmt", fmt.Errorf("charging: %w", refused(t)), Transient},
		{"wrapped by errctx", Wrap(context.DeadlineExceeded, "charging"), Indeterminate},
		{"New without class", New("validating amount"), Unknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, ClassOf(tc.err))
		})
	}
}

func TestClassOfExplicit(t *testing.T) {
	declined := New("charging card", WithClass(NotAFailure))
	assert.Equal(t, NotAFailure, ClassOf(declined))

	// An explicit class overrides the table, wherever it is in the chain.
	inner := Wrap(context.DeadlineExceeded, "POST /charge", WithClass(Permanent))
	assert.Equal(t, Permanent, ClassOf(Wrap(inner, "charging")))
	assert.Equal(t, Permanent, ClassOf(fmt.Errorf("job: %w", inner)))
	assert.Equal(t, Permanent, ClassOf(&net.OpError{Op: "dial", Err: inner}))

	// The outermost explicit class wins over inner ones.
	outer := Wrap(inner, "charging", WithClass(Transient))
	assert.Equal(t, Transient, ClassOf(outer))
	assert.Equal(t, Indeterminate, ClassOf(Wrap(outer, "billing run", WithClass(Indeterminate))))

	// Later options on one layer replace earlier ones.
	assert.Equal(t, Permanent, ClassOf(New("x", WithClass(Transient), WithClass(Permanent))))
}

func TestClassOfJoin(t *testing.T) {
	transient := New("a", WithClass(Transient))
	permanent := New("b", WithClass(Permanent))
	unsure := Wrap(context.DeadlineExceeded, "c")
	for _, tc := range []struct {
		name string
		err  error
		want Class
	}{
		{"most severe wins", errors.Join(transient, permanent), Permanent},
		{"indeterminate over transient", errors.Join(transient, unsure), Indeterminate},
		{"unknown over indeterminate", errors.Join(unsure, errors.New("?")), Unknown},
		{"a cancelled sibling does not hide a failure", errors.Join(context.Canceled, refused(t)), Transient},
		{"all cancelled", errors.Join(context.Canceled, Wrap(context.Canceled, "x")), NotAFailure},
		{"same error twice", errors.Join(transient, transient), Transient},
		{"explicit outer layer", Wrap(errors.Join(transient, permanent), "batch", WithClass(Transient)), Transient},
		{"table outside a join of unclassified errors", &net.OpError{Op: "dial", Err: errors.Join(errors.New("x"))}, Transient},
		{"explicit inside beats table outside", &net.OpError{Op: "dial", Err: errors.Join(permanent)}, Permanent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, ClassOf(tc.err))
		})
	}
}
