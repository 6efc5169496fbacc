package main

import (
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/vitals-go/vitals/internal/record"
)

// headTail keeps the first and the last bytes written to it, up to its
// bound each, and counts the rest: a script that floods its output costs
// bounded memory, and the alert shows how it started and how it ended.
type headTail struct {
	bound      int
	head, tail []byte // tail is a ring once full
	next       int    // where the ring's oldest byte is
	total      int64
}

func newHeadTail(bound int) *headTail {
	return &headTail{bound: bound, head: make([]byte, 0, bound)}
}

// Write keeps p's bytes; it never fails.
func (h *headTail) Write(p []byte) (int, error) {
	n := len(p)
	h.total += int64(n)
	if room := h.bound - len(h.head); room > 0 {
		k := min(room, len(p))
		h.head = append(h.head, p[:k]...)
		p = p[k:]
	}
	if len(p) >= h.bound {
		h.tail, h.next = append(h.tail[:0], p[len(p)-h.bound:]...), 0
		return n, nil
	}
	for _, b := range p {
		if len(h.tail) < h.bound {
			h.tail = append(h.tail, b)
			continue
		}
		h.tail[h.next] = b
		h.next = (h.next + 1) % h.bound
	}
	return n, nil
}

// String is the output kept, escaped: head, a line saying how many bytes
// were left out, tail.
func (h *headTail) String() string {
	tail := append(append([]byte(nil), h.tail[h.next:]...), h.tail[:h.next]...)
	if skipped := h.total - int64(len(h.head)) - int64(len(tail)); skipped > 0 {
		return escapeOutput(h.head) + fmt.Sprintf("\n[... %d bytes left out ...]\n", skipped) + escapeOutput(tail)
	}
	return escapeOutput(append(h.head, tail...))
}

// escapeOutput is a command's output fit for an alert and a terminal: line
// breaks and tabs stay, every other control, C1 and bidi character and
// every invalid byte is escaped as Go would quote it.
func escapeOutput(b []byte) string {
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		switch {
		case r == '\n' || r == '\t':
			out = append(out, byte(r))
		case r == utf8.RuneError && size == 1:
			out = fmt.Appendf(out, `\x%02x`, b[0])
		case record.Printable(string(b[:size])):
			out = append(out, b[:size]...)
		default:
			q := strconv.QuoteRuneToASCII(r)
			out = append(out, q[1:len(q)-1]...)
		}
		b = b[size:]
	}
	return string(out)
}
