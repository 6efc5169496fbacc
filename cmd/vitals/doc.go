// Command vitals is the operator's side of the vitals toolkit: it sends
// alerts from scripts through the sinks a service uses, reads what a
// running service says about its circuit breakers, and shows and resets the
// latch a stopped program left behind, from a terminal or a script.
//
// Install it with
//
//	go install github.com/vitals-go/vitals/cmd/vitals@latest
//
// Usage:
//
//	vitals alert [flags] SUMMARY [KEY=VALUE...]   send one alert, or resolve it (--resolve)
//	vitals breakers [flags] URL      the breakers of a Registry's status endpoint, as a table
//	vitals latch status PATH         who latched a breaker, when, why, how to resume
//	vitals latch reset [--force] PATH
//	vitals help [COMMAND]            the help of a command (also: vitals COMMAND -h)
//
// Environment:
//
//	VITALS_BREAKERS_URL  the URL vitals breakers reads when none is given
//	VITALS_TIMEOUT       how long a request may take (a Go duration, default 10s)
//
// Exit statuses, the same for every command:
//
//	0  all is well: no critical breaker open, the latch is not tripped or was reset
//	1  needs a person: a critical breaker is open (the endpoint answers 503),
//	   the latch is tripped, or a reset was refused
//	2  usage error: unknown command or flag, missing or extra argument, a bad
//	   VITALS_* value
//	3  what was asked could not be read or written: the endpoint is unreachable
//	   or does not serve a Registry's status, the latch file is corrupt, not a
//	   regular file or in a directory that does not exist, the reset could not
//	   delete it
//
// Every message names what was attempted and how to fix it. Text from the
// service (breaker names, reasons, errors, latch records) is shown with
// control, C1 and bidi characters escaped, so a hostile name cannot rewrite
// the terminal.
package main
