// Package configerr makes the error that a constructor of the middleware
// packages returns for an invalid field of its configuration: an errctx
// error, Permanent, naming the field and the remedy.
//
// The smallest complete use:
//
//	if cfg.MaxRoutes < 0 {
//		return nil, configerr.New("middleware", "StatsConfig.MaxRoutes", "is negative", "set a positive bound")
//	}
package configerr

import "github.com/vitals-go/vitals/errctx"

// New returns the error for field of pkg's configuration: attempted
// "configure <pkg>: <field> <problem>", class Permanent, the remedy, and the
// field as the "field" field.
func New(pkg, field, problem, remedy string) error {
	return errctx.New("configure "+pkg+": "+field+" "+problem,
		errctx.WithClass(errctx.Permanent), errctx.Remedy(remedy), errctx.Fields("field", field))
}
