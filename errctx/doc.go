// Package errctx makes errors that say what was attempted, what went wrong,
// how to remedy it, and whether trying again can help.
//
// Wrap every failure that matters with the operation being attempted and its
// identifiers; add a remedy, fields and a class where you know them:
//
//	func (s *Service) Charge(ctx context.Context, customer int, cents int64) error {
//		err := s.gateway.Charge(ctx, customer, cents)
//		return errctx.Wrap(err, "charging customer "+strconv.Itoa(customer),
//			errctx.Remedy("check the payments gateway status page"),
//			errctx.Fields("cents", cents),
//			errctx.Secret("card", s.card))
//	}
//
// Error() reads like a sentence chain,
//
//	charging customer 42: POST payments/charge: connection refused
//
// %+v prints every layer with its file:line, remedy and fields, and logging the
// error with log/slog (logger.Error("charge failed", "error", err)) renders a
// group with the keys message, attempted, remedy, class, retry_after, fields
// and where. A Secret field is masked as [REDACTED] in all of them.
//
// errors.Is, errors.As and errors.Join work through *Error with their
// standard semantics; there is no message-based equality. The accessors
// AttemptedOf, RemediesOf, FieldsOf, ClassOf and RetryAfterOf walk the whole
// chain, including the branches of joined errors.
//
// # Classes
//
// A Class says what a failure means for whoever decides whether to try again
// and whether to count it against a dependency:
//
//	class          meaning                                       breaker   retry
//	Transient      the request never reached the other side      failure   always
//	Permanent      it will fail the same way again               failure   never
//	Indeterminate  outcome unknown: it may have succeeded        failure   only if idempotent
//	Unknown        not classified and not in the table below     failure   never
//	NotAFailure    the caller cancelled, or a negative business  success   never
//	               outcome (a declined card, a 404 from a lookup)
//
// The breaker column is Class.IsFailure, the retry column Class.Retryable.
// Unknown is never retried: retry only what you understand.
//
// An error that carries no class gets one from the errors it wraps:
//
//	error in the chain                                    class
//	context.Canceled, or an error that errors.Is it        NotAFailure
//	  (net's "operation was canceled" from a cancelled
//	  dial or DNS lookup)
//	*net.DNSError, syscall.ECONNREFUSED,                   Transient
//	  *net.OpError with Op "dial"
//	a Timeout() bool method that reports true (net.Error   Indeterminate
//	  timeouts, os.ErrDeadlineExceeded, http.Client.Timeout),
//	  context.DeadlineExceeded, io.EOF, io.ErrUnexpectedEOF,
//	  syscall.ECONNRESET, ECONNABORTED, EPIPE
//	anything else                                          Unknown
//
// Every error of the chain is compared as errors.Is compares it: equal to
// the entry, or its Is method says so. When a chain matches several rows,
// the first row wins: a cancelled dial is the caller's doing, and a dial
// that timed out never sent the request, so it is Transient. io.EOF and
// io.ErrUnexpectedEOF are what a connection closed after the request was
// sent gives (no answer, or an answer cut short), hence Indeterminate.
// http.Client.Timeout is Indeterminate even when it fires while dialing:
// net/http reports it as a message that no longer says whether the request
// was sent. To have slow dials retried as Transient, bound them with
// net.Dialer.Timeout in the client's Transport, which reports a dial error.
//
// An explicit class (WithClass) anywhere in the chain overrides the table,
// and the outermost explicit class wins. The branches of a joined error are classified one by one and the most
// severe class wins (Permanent, Unknown, Indeterminate, Transient,
// NotAFailure). ClassOf(nil) is NotAFailure.
//
// # Cost
//
// Wrap(err, "attempted") makes one allocation and records only the program
// counter of its call site, resolved to file:line when the error is printed
// or logged. On amd64 the program counter is read from the frame pointer in
// a few instructions; elsewhere, or with the purego build tag,
// runtime.Callers reads it, which costs about 100 ns more. Remedy,
// WithClass and RetryAfter add no allocation. Fields given as Attrs add one
// (the fields are stored once), so Wrap with a remedy and two fields makes
// two:
//
//	errctx.Wrap(err, "charging", errctx.Remedy(remedy),
//		errctx.Attrs(slog.String("order", order), slog.Int64("cents", cents)))
//
// Fields, which takes its arguments as interfaces as slog's Logger.Info
// does, adds one more for each value that is not a constant (Go boxes it),
// an slog.Attr included: four for the same two variables. A Secret is a
// field of one allocation; each fields option after the first on a layer
// (Fields, Attrs or Secret) adds one more, to merge them. WithStack captures
// a full stack on demand, for one allocation more.
//
// # Bad input
//
// An empty attempted text is left out of the message, an odd number of
// field arguments keeps the stray value under "!BADKEY" as slog does, the
// zero Option does nothing. Walks over a chain stop at cycles made through
// custom Unwrap methods and after 16,384 errors; very long chains are
// abbreviated in the message, %+v and logs, keeping both ends.
package errctx
