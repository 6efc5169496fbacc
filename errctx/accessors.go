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
	var out []string
	layers(err, func(e *Error) {
		if e.attempted != "" {
			out = append(out, e.attempted)
		}
	})
	return out
}

// RemediesOf returns the remedies of every layer of err, outermost first.
func RemediesOf(err error) []string {
	var out []string
	layers(err, func(e *Error) {
		if e.remedy != "" {
			out = append(out, e.remedy)
		}
	})
	return out
}

// FieldsOf returns the fields of every layer of err, outermost first, one per
// key: when layers disagree about a key, the outermost layer wins. Secret
// fields have the value Masked.
func FieldsOf(err error) []slog.Attr {
	var out []slog.Attr
	var keys map[string]struct{} // used once out is too long to scan
	layers(err, func(e *Error) {
		for _, a := range e.attrs {
			if hasKey(out, keys, a.Key) {
				continue
			}
			out = append(out, a)
			if keys != nil {
				keys[a.Key] = struct{}{}
			} else if len(out) > 16 {
				keys = make(map[string]struct{}, 2*len(out))
				for _, o := range out {
					keys[o.Key] = struct{}{}
				}
			}
		}
	})
	return out
}

func hasKey(attrs []slog.Attr, keys map[string]struct{}, key string) bool {
	if keys != nil {
		_, ok := keys[key]
		return ok
	}
	for _, a := range attrs {
		if a.Key == key {
			return true
		}
	}
	return false
}

// Where returns the file and line where this layer was made, as
// "dir/file.go:42" (the file's directory and name), or "" if unknown.
func (e *Error) Where() string {
	f := e.frame()
	if f.File == "" {
		return ""
	}
	return shortFile(f.File) + ":" + strconv.Itoa(f.Line)
}

// frame resolves the call site of New or Wrap recorded in e.
func (e *Error) frame() runtime.Frame {
	if e.pc == 0 {
		return runtime.Frame{}
	}
	f, _ := runtime.CallersFrames([]uintptr{e.pc}).Next()
	return f
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
