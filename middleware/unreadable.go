package middleware

import (
	"errors"
	"fmt"

	"github.com/vitals-go/vitals/errctx"
)

// readable returns err, or, when reading it panics (its Error, or an
// Unwrap or Is method errors.Is calls), an errctx error saying so: the
// base RoundTripper is the caller's code, and the Transport reads its
// error to class, count and log it, which must not panic into the caller.
func readable(err error) (out error) {
	defer func() {
		if p := recover(); p != nil {
			out = errctx.New("the base RoundTripper returned an error that panics when read: "+fmt.Sprint(p),
				errctx.WithClass(errctx.Indeterminate),
				errctx.Remedy("fix the Error or Unwrap method of the base RoundTripper's errors"))
		}
	}()
	_ = err.Error()
	_ = errors.Is(err, errReadable)
	return err
}

// errReadable is matched against nothing; errors.Is with it walks an
// error's whole chain, calling each Unwrap and Is.
var errReadable = errors.New("readable")
