package errctx

import (
	"log/slog"
	"runtime"
	"strconv"
	"strings"
)

// layers calls fn for every *Error in err's tree, outermost first (depth
// first, the branches of a multi-error in order), each once.
func layers(err error, fn func(*Error)) {
	walk(err, func(n node) bool {
		if e, ok := n.err.(*Error); ok && e != nil && n.step == visit {
			fn(e)
		}
		return true
	})
}

// AttemptedOf returns what every layer of err says was attempted, outermost
// first, leaving out empty texts. The branches of a multi-error follow each
// other in order.
func AttemptedOf(err error) []string {
	return textsOf(err, func(e *Error) string { return e.attempted })
}

// RemediesOf returns the remedies of every layer of err, outermost first.
func RemediesOf(err error) []string {
	return textsOf(err, func(e *Error) string { return e.remedy })
}

// textsOf returns the non-empty text of every layer of err, outermost first;
// nil when there is none.
func textsOf(err error, text func(*Error) string) []string {
	var out []string
	layers(err, func(e *Error) {
		if s := text(e); s != "" {
			out = append(out, s)
		}
	})
	return out
}

// FieldsOf returns the fields of every layer of err, outermost first, one per
// key: when layers disagree about a key, the outermost layer wins. Secret
// fields have the value Masked. An inline group (a group, or a LogValuer
// resolving to one, under the empty key, which slog writes as its members)
// counts as its members, so that no key is repeated and none is lost.
func FieldsOf(err error) []slog.Attr {
	var fs fieldSet
	layers(err, func(e *Error) { fs.add(e.attrs) })
	return fs.attrs
}

// fieldSet collects fields, one per key, the first one winning.
type fieldSet struct {
	attrs []slog.Attr
	keys  map[string]struct{} // used once attrs is too long to scan
}

func (fs *fieldSet) add(attrs []slog.Attr) {
	for _, a := range attrs {
		if a.Key == "" {
			if v := a.Value.Resolve(); v.Kind() == slog.KindGroup {
				fs.add(v.Group())
				continue
			}
		}
		if fs.has(a.Key) {
			continue
		}
		fs.attrs = append(fs.attrs, a)
		if fs.keys != nil {
			fs.keys[a.Key] = struct{}{}
		} else if len(fs.attrs) > 16 {
			fs.keys = make(map[string]struct{}, 2*len(fs.attrs))
			for _, o := range fs.attrs {
				fs.keys[o.Key] = struct{}{}
			}
		}
	}
}

func (fs *fieldSet) has(key string) bool {
	if fs.keys != nil {
		_, ok := fs.keys[key]
		return ok
	}
	for _, a := range fs.attrs {
		if a.Key == key {
			return true
		}
	}
	return false
}

// Where returns the file and line where this layer was made, as
// "dir/file.go:42" (the file's directory and name), or "" if unknown.
func (e *Error) Where() string {
	_, file, line := e.site()
	if file == "" {
		return ""
	}
	return shortFile(file) + ":" + strconv.Itoa(line)
}

// site resolves the call site of New or Wrap recorded in e: the function
// (the innermost one, when the call was inlined into another), file and line.
// runtime.FuncForPC does it without allocating, unlike runtime.CallersFrames.
func (e *Error) site() (function, file string, line int) {
	// e.pc is a return address; pc-1 is inside the call instruction.
	f := runtime.FuncForPC(e.pc - 1)
	if e.pc == 0 || f == nil {
		return "", "", 0
	}
	file, line = f.FileLine(e.pc - 1)
	return f.Name(), file, line
}

// shortFile keeps the last directory and the file name of a path.
func shortFile(path string) string {
	i := strings.LastIndexByte(path, '/')
	if i <= 0 {
		return path
	}
	if j := strings.LastIndexByte(path[:i], '/'); j >= 0 {
		return path[j+1:]
	}
	return path
}

// shortFunc drops the import path from a function name:
// "github.com/acme/billing.(*Service).Charge" becomes "billing.(*Service).Charge".
func shortFunc(name string) string {
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		return name[i+1:]
	}
	return name
}
