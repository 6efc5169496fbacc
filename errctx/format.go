package errctx

import (
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"runtime"
	"strconv"
	"strings"
)

// maxDetailNodes bounds the errors %+v describes; the middle of a longer
// chain is counted instead of printed.
const maxDetailNodes = 128

// Format implements fmt.Formatter.
//
// %s and %v print Error(); %q prints it quoted. %+v prints the message, the
// class, then every error of the chain, outermost first: for each layer what
// was attempted, where it was made (function, file:line), its remedy, class,
// Retry-After, fields (secrets masked) and, with WithStack, the stack; then
// the cause. The branches of a multi-error are indented.
func (e *Error) Format(s fmt.State, verb rune) {
	switch {
	case verb == 'v' && s.Flag('+'):
		e.writeDetail(s)
	case verb == 'v' && s.Flag('#'):
		fmt.Fprintf(s, "&errctx.Error{%q}", e.Error())
	case verb == 'v' || verb == 's':
		io.WriteString(s, e.Error())
	case verb == 'q':
		io.WriteString(s, strconv.Quote(e.Error()))
	default:
		fmt.Fprintf(s, "%%!%c(*errctx.Error=%s)", verb, e.Error())
	}
}

// writeDetail writes the %+v form.
func (e *Error) writeDetail(w io.Writer) {
	var b strings.Builder
	e.writeMessage(&b)
	b.WriteString("\nclass: ")
	b.WriteString(ClassOf(e).String())
	total := 0
	walk(e, func(node) bool { total++; return true })
	head, tail := total, 0
	if total > maxDetailNodes {
		head, tail = maxDetailNodes/2, maxDetailNodes/2
	}
	i := 0
	walk(e, func(n node) bool {
		switch {
		case i < head || i >= total-tail:
			writeNode(&b, n)
		case i == head:
			b.WriteString("\n--- ... ")
			b.WriteString(strconv.Itoa(total - head - tail))
			b.WriteString(" more errors ...")
		}
		i++
		return true
	})
	b.WriteByte('\n')
	io.WriteString(w, b.String())
}

// writeNode describes one error of the chain, indented by its depth.
func writeNode(b *strings.Builder, n node) {
	ind := strings.Repeat("    ", n.depth)
	line := func(label, text string) {
		b.WriteString("\n")
		b.WriteString(ind)
		b.WriteString("    ")
		b.WriteString(label)
		b.WriteString(text)
	}
	b.WriteString("\n")
	b.WriteString(ind)
	b.WriteString("--- ")
	switch n.step {
	case cycle:
		b.WriteString("(cycle: " + typeName(n.err) + " again)")
		return
	case exhausted:
		b.WriteString("(stopped after " + strconv.Itoa(maxWalk) + " errors)")
		return
	}
	e, ok := n.err.(*Error)
	if !ok || e == nil {
		writeForeign(b, n.err)
		return
	}
	if e.attempted == "" {
		b.WriteString("(no attempted text)")
	} else {
		b.WriteString(e.attempted)
	}
	if fn, file, ln := e.site(); file != "" {
		line("at ", shortFunc(fn)+" ("+shortFile(file)+":"+strconv.Itoa(ln)+")")
	}
	if e.remedy != "" {
		line("remedy: ", e.remedy)
	}
	if e.flags&hasClass != 0 {
		line("class: ", e.class.String())
	}
	if e.flags&hasRetryAfter != 0 {
		line("retry after: ", e.retryAfter.String())
	}
	if len(e.attrs) > 0 {
		line("fields:", "")
		for _, a := range e.attrs {
			b.WriteByte(' ')
			writeAttr(b, "", a)
		}
	}
	if len(e.stack) > 0 {
		line("stack:", "")
		frames := runtime.CallersFrames(e.stack)
		for {
			f, more := frames.Next()
			line("    ", f.Function)
			line("        ", f.File+":"+strconv.Itoa(f.Line))
			if !more {
				break
			}
		}
	}
}

// writeForeign describes an error that is not an *Error: its own text when it
// wraps one error and its message ends with that error's, its message when it
// wraps nothing, and its type in either case.
func writeForeign(b *strings.Builder, err error) {
	one, many := children(err)
	msg := message(err)
	switch {
	case many != nil:
		b.WriteString("joined " + strconv.Itoa(len(many)) + " errors")
	case one != nil:
		if prefix, ok := strings.CutSuffix(msg, message(one)); ok {
			msg = strings.TrimSuffix(prefix, ": ")
		}
		b.WriteString("wrapped: " + msg)
	default:
		b.WriteString("cause: " + msg)
	}
	b.WriteString(" (" + typeName(err) + ")")
}

func typeName(err error) string { return reflect.TypeOf(err).String() }

// writeAttr writes a field as key=value, a group as its members with dotted
// keys (an inline group as its members), and quotes values that would otherwise be ambiguous.
func writeAttr(b *strings.Builder, prefix string, a slog.Attr) {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		if a.Key != "" { // an inline group's members keep the prefix
			prefix += a.Key + "."
		}
		for i, m := range v.Group() {
			if i > 0 {
				b.WriteByte(' ')
			}
			writeAttr(b, prefix, m)
		}
		return
	}
	b.WriteString(prefix + a.Key + "=")
	s := v.String()
	if s == "" || strings.ContainsAny(s, " =\"\n\t") {
		s = strconv.Quote(s)
	}
	b.WriteString(s)
}
