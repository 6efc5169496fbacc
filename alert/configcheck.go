package alert

import (
	"time"

	"github.com/vitals-go/vitals/internal/configerr"
)

// rule is one construction check of a config field. The constructors of
// the Notifier and of every sink list theirs and hand them to checkConfig, so
// that each refuses an invalid config the same way: an errctx error,
// Permanent, naming the first bad field and its remedy.
type rule struct {
	bad                    bool
	field, problem, remedy string
}

// checkConfig returns the error of the first bad rule, its field named as a
// field of typ ("SMTPConfig.Addr"), or nil when every rule holds.
func checkConfig(typ string, rules ...rule) error {
	for _, r := range rules {
		if r.bad {
			return configerr.New("alert", typ+"."+r.field, r.problem, r.remedy)
		}
	}
	return nil
}

// notNegative is the rule of a duration or a bound whose zero value means
// its default.
func notNegative[T int | time.Duration](field string, v T) rule {
	what := "a positive bound"
	if _, ok := any(v).(time.Duration); ok {
		what = "a positive duration"
	}
	return rule{v < 0, field, "is negative", "leave it zero for the default or set " + what}
}
