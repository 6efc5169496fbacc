package errctx

import (
	"context"
	"io"
	"net"
	"syscall"
	"time"
)

// ClassOf returns the class of err. The outermost explicit class (WithClass)
// in the chain wins; without one, the defaults table of the package
// documentation applies to the errors in the chain. ClassOf(nil) is
// NotAFailure: there was no failure.
//
// The branches of a multi-error (errors.Join) are classified one by one and
// the most severe class wins, in the order Permanent, Unknown,
// Indeterminate, Transient, NotAFailure: a join is retried only if every
// branch may be, and counts as a success only if no branch failed.
func ClassOf(err error) Class {
	if err == nil {
		return NotAFailure
	}
	var g guard
	c, _, _ := classify(err, &g)
	return c
}

// classify returns the class of err and whether it was given explicitly;
// counted is false when a cycle leads back to err, which then adds nothing.
func classify(err error, g *guard) (c Class, explicit, counted bool) {
	var d defaults
	for first := true; err != nil; first = false {
		if st := g.enter(err); st != visit {
			if first && st == cycle {
				return Unknown, false, false
			}
			break
		}
		if e, ok := err.(*Error); !ok {
			d.note(err) // no row of the table is an *Error
		} else if e != nil && e.flags&hasClass != 0 {
			return e.class, true, true
		}
		one, many := children(err)
		if many == nil {
			err = one
			continue
		}
		joined, seen, m := Class(0), false, g.mark()
		for _, b := range many {
			if b == nil {
				continue
			}
			bc, bx, ok := classify(b, g)
			g.restore(m)
			if !ok {
				continue
			}
			if !seen || severity(bc) > severity(joined) {
				joined = bc
			}
			explicit, seen = explicit || bx, true
		}
		if !seen {
			break
		}
		if dc, ok := d.class(); ok && !explicit {
			return dc, false, true
		}
		return joined, explicit, true
	}
	c, _ = d.class()
	return c, false, true
}

// severity orders classes for combining the branches of a multi-error.
func severity(c Class) int {
	switch c {
	case NotAFailure:
		return 0
	case Transient:
		return 1
	case Indeterminate:
		return 2
	case Permanent:
		return 4
	}
	return 3 // Unknown and values outside the constants
}

// defaults collects what the errors of one chain say about its class.
type defaults struct {
	canceled  bool // the caller gave up
	unreached bool // the request never left: refused, DNS, dial
	unsure    bool // timed out, or the connection was lost mid-request
}

func (d *defaults) note(err error) {
	switch x := err.(type) {
	case *net.DNSError:
		d.unreached = true
	case *net.OpError:
		d.unreached = d.unreached || x.Op == "dial"
	case syscall.Errno:
		switch x {
		case syscall.ECONNREFUSED:
			d.unreached = true
		case syscall.ECONNRESET, syscall.ECONNABORTED, syscall.EPIPE:
			d.unsure = true
		}
	}
	// As errors.Is does at each layer: equal to the entry, or an Is method
	// that says so, as net's "operation was canceled" does for
	// context.Canceled.
	switch err {
	case context.Canceled:
		d.canceled = true
	case context.DeadlineExceeded, io.EOF, io.ErrUnexpectedEOF:
		d.unsure = true
	}
	if x, ok := err.(interface{ Is(error) bool }); ok {
		switch {
		case x.Is(context.Canceled):
			d.canceled = true
		case x.Is(context.DeadlineExceeded), x.Is(io.EOF), x.Is(io.ErrUnexpectedEOF):
			d.unsure = true
		}
	}
	if t, ok := err.(interface{ Timeout() bool }); ok && t.Timeout() {
		d.unsure = true
	}
}

// class applies the defaults table; false means no entry matched.
func (d *defaults) class() (Class, bool) {
	switch {
	case d.canceled:
		return NotAFailure, true
	case d.unreached:
		return Transient, true
	case d.unsure:
		return Indeterminate, true
	}
	return Unknown, false
}

// RetryAfterOf returns the Retry-After duration recorded by the outermost
// layer that has one. In a multi-error the longest of its branches counts.
func RetryAfterOf(err error) (time.Duration, bool) {
	var g guard
	return retryAfter(err, &g)
}

func retryAfter(err error, g *guard) (time.Duration, bool) {
	for err != nil && g.enter(err) == visit {
		if e, ok := err.(*Error); ok && e != nil && e.flags&hasRetryAfter != 0 {
			return e.retryAfter, true
		}
		one, many := children(err)
		if many == nil {
			err = one
			continue
		}
		longest, found, m := time.Duration(0), false, g.mark()
		for _, b := range many {
			d, ok := retryAfter(b, g)
			g.restore(m)
			if ok && (!found || d > longest) {
				longest, found = d, true
			}
		}
		return longest, found
	}
	return 0, false
}
