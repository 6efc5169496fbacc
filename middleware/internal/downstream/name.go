package downstream

import (
	"strconv"
	"unicode/utf8"

	"github.com/vitals-go/vitals/internal/configerr"
	"github.com/vitals-go/vitals/internal/record"
)

// MaxName bounds the length of a client's name for its downstream.
const MaxName = 64

// CheckName refuses a name that a client (package pkg, option field) gives
// its downstream, or itself, when some sink would show it differently from
// the others, quoting it and the first offending character. The name is
// used as it is in stats tags, breaker series, records and errors, so it
// must be 1 to 64 of a-z, 0-9, '-' and '_': a Graphite path would lower
// upper-case letters and turn any other character, '.' included, into '_'.
// The empty name (no name) is accepted.
func CheckName(pkg, field, name string) error {
	const remedy = `name it with 1 to 64 of a-z, 0-9, '-' and '_', such as "payments" or "payments-eu": the name is used as it is in stats tags, breaker series (breaker.<name>.*), log records and errors`
	quoted := strconv.QuoteToASCII(record.Truncate(name, MaxName+3))
	if len(name) > MaxName {
		return configerr.New(pkg, field, quoted+" is longer than "+strconv.Itoa(MaxName)+" bytes", remedy)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			what := "invalid UTF-8 " + strconv.QuoteToASCII(name[i:i+1])
			if r, size := utf8.DecodeRuneInString(name[i:]); r != utf8.RuneError || size > 1 {
				what = strconv.QuoteRuneToASCII(r)
			}
			return configerr.New(pkg, field, quoted+" has "+what+" at byte "+strconv.Itoa(i)+
				"; only a-z, 0-9, '-' and '_' are allowed", remedy)
		}
	}
	return nil
}
