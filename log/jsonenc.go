package log

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"reflect"
	"strconv"
	"sync"
)

// encoder appends the JSON of attributes to buf the way slog's JSON handler
// does, down to its quirks. It mirrors slog's handleState: comma says
// whether a comma goes before the next key, and attr reports whether it
// wrote something, so that groups with nothing in them are left out.
type encoder struct {
	buf   []byte
	comma bool
}

// key appends "key": after a comma when one is due.
func (e *encoder) key(k string) {
	if e.comma {
		e.buf = append(e.buf, ',')
	}
	e.buf = appendJSONString(e.buf, k)
	e.buf = append(e.buf, ':')
	e.comma = true
}

// literalKey is key for a key that needs no escaping, given quoted and
// with its colon.
func (e *encoder) literalKey(quotedColon string) {
	if e.comma {
		e.buf = append(e.buf, ',')
	}
	e.buf = append(e.buf, quotedColon...)
	e.comma = true
}

// openGroup appends "name":{ with no comma due after it.
func (e *encoder) openGroup(name string) {
	e.key(name)
	e.buf = append(e.buf, '{')
	e.comma = false
}

func (e *encoder) closeGroup() {
	e.buf = append(e.buf, '}')
	e.comma = true
}

// attrs appends each attribute and reports whether any of them wrote
// something.
func (e *encoder) attrs(as []slog.Attr) bool {
	wrote := false
	for _, a := range as {
		if e.attr(a) {
			wrote = true
		}
	}
	return wrote
}

// attr appends a, resolved, and reports whether it wrote something. As in
// slog: the zero Attr (after resolution) is left out; a *slog.Source is
// written as a group of its non-empty fields, or left out when all are
// empty; a group's attributes go inside "key":{...}, or inline when the key
// is empty, and nothing is written when none of them writes anything.
func (e *encoder) attr(a slog.Attr) bool {
	v := a.Value
	k := v.Kind()
	switch k {
	case slog.KindString: // the most common, first
		e.key(a.Key)
		e.buf = appendJSONString(e.buf, v.String())
		return true
	case slog.KindLogValuer:
		v = v.Resolve()
		k = v.Kind()
	}
	switch k {
	case slog.KindGroup:
		return e.group(a.Key, v.Group())
	case slog.KindAny:
		x := v.Any()
		if x == nil && a.Key == "" {
			return false
		}
		if src, ok := x.(*slog.Source); ok {
			if src == nil || *src == (slog.Source{}) {
				return false
			}
			return e.group(a.Key, sourceAttrs(src))
		}
	}
	e.key(a.Key)
	e.value(v, k)
	return true
}

// group appends a group attribute. slog reports a group with no attributes
// at all as written although it writes nothing, and after a group whose
// attributes all turned out empty it leaves no comma due, so the next key
// follows without one; both are kept, to write the same bytes.
func (e *encoder) group(key string, as []slog.Attr) bool {
	if len(as) == 0 {
		return true
	}
	pos := len(e.buf)
	if key != "" {
		e.openGroup(key)
	}
	if !e.attrs(as) {
		e.buf = e.buf[:pos]
		return false
	}
	if key != "" {
		e.closeGroup()
	}
	return true
}

// sourceAttrs is slog's Source.group: the fields that are set.
func sourceAttrs(src *slog.Source) []slog.Attr {
	var as []slog.Attr
	if src.Function != "" {
		as = append(as, slog.String("function", src.Function))
	}
	if src.File != "" {
		as = append(as, slog.String("file", src.File))
	}
	if src.Line != 0 {
		as = append(as, slog.Int("line", src.Line))
	}
	return as
}

// value appends v, of kind k, resolved and not a group.
func (e *encoder) value(v slog.Value, k slog.Kind) {
	switch k {
	case slog.KindString:
		e.buf = appendJSONString(e.buf, v.String())
	case slog.KindInt64:
		e.buf = strconv.AppendInt(e.buf, v.Int64(), 10)
	case slog.KindUint64:
		e.buf = strconv.AppendUint(e.buf, v.Uint64(), 10)
	case slog.KindFloat64:
		e.appendFloat(v.Float64())
	case slog.KindBool:
		e.buf = strconv.AppendBool(e.buf, v.Bool())
	case slog.KindDuration:
		e.buf = strconv.AppendInt(e.buf, int64(v.Duration()), 10)
	case slog.KindTime:
		e.appendJSONTime(v.Time())
	default:
		e.appendAny(v.Any())
	}
}

// appendFloat writes f as encoding/json does (slog calls it): the shortest
// decimal that reads back as f, in exponent form below 1e-6 and from 1e21
// on, with the exponent's leading zero dropped. NaN and infinities, which
// JSON cannot hold, go through encoding/json for its error text.
func (e *encoder) appendFloat(f float64) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		e.appendMarshal(f)
		return
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b := strconv.AppendFloat(e.buf, f, format, -1, 64)
	if format == 'e' {
		// e-09 to e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	e.buf = b
}

// appendAny writes a value of kind Any as slog does: an error that is not a
// json.Marshaler as the string of its Error method, anything else as
// encoding/json writes it. A panic is written as a string: "<nil>" for a
// nil pointer (a nil *T whose Error method dereferences it), else
// "!PANIC: " and the panic's value.
func (e *encoder) appendAny(x any) {
	defer func() {
		if r := recover(); r != nil {
			if rv := reflect.ValueOf(x); rv.Kind() == reflect.Pointer && rv.IsNil() {
				e.buf = appendJSONString(e.buf, "<nil>")
				return
			}
			e.buf = appendJSONString(e.buf, fmt.Sprintf("!PANIC: %v", r))
		}
	}()
	_, isMarshaler := x.(json.Marshaler)
	if err, ok := x.(error); ok && !isMarshaler {
		e.buf = appendJSONString(e.buf, err.Error())
		return
	}
	e.appendMarshal(x)
}

// marshaler is a json.Encoder with its buffer, pooled: slog encodes with
// one that does not escape HTML, and drops its trailing newline.
type marshaler struct {
	buf bytes.Buffer
	enc *json.Encoder
}

var marshalers = sync.Pool{New: func() any {
	m := new(marshaler)
	m.enc = json.NewEncoder(&m.buf)
	m.enc.SetEscapeHTML(false)
	return m
}}

// appendMarshal writes x as encoding/json does, or, when it cannot, the
// error as a string, as slog does.
func (e *encoder) appendMarshal(x any) {
	m := marshalers.Get().(*marshaler)
	defer m.free()
	if err := m.enc.Encode(x); err != nil {
		e.appendError(err)
		return
	}
	out := m.buf.Bytes()
	e.buf = append(e.buf, out[:len(out)-1]...)
}

func (m *marshaler) free() {
	if m.buf.Cap() > maxPooledBuffer {
		return
	}
	m.buf.Reset()
	marshalers.Put(m)
}

// appendError writes err as slog does where a value cannot be encoded.
func (e *encoder) appendError(err error) {
	e.buf = appendJSONString(e.buf, fmt.Sprintf("!ERROR:%v", err))
}

// appendLevel writes l.String() quoted, without building the string for
// levels between the named ones ("INFO+2").
func (e *encoder) appendLevel(l slog.Level) {
	base, offset := "ERROR", l-slog.LevelError
	switch {
	case l < slog.LevelInfo:
		base, offset = "DEBUG", l-slog.LevelDebug
	case l < slog.LevelWarn:
		base, offset = "INFO", l-slog.LevelInfo
	case l < slog.LevelError:
		base, offset = "WARN", l-slog.LevelWarn
	}
	b := append(e.buf, '"')
	b = append(b, base...)
	if offset > 0 {
		b = append(b, '+')
	}
	if offset != 0 {
		b = strconv.AppendInt(b, int64(offset), 10)
	}
	e.buf = append(b, '"')
}
