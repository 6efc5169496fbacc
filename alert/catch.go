package alert

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/internal/panics"
	"github.com/vitals-go/vitals/internal/record"
	"github.com/vitals-go/vitals/reqid"
)

// MaxStack bounds the frames of the stack a panic's alert carries.
const MaxStack = 32

// maxOperation bounds the method, route or function a panic's summary names.
const maxOperation = 256

// AfterPanic says what Recover does once it has raised a panic's alert.
// Values other than Return act as Repanic: a mistaken value never swallows
// a panic.
type AfterPanic uint8

const (
	// Repanic, the zero value, panics again with the same value once the
	// alert is raised, so that the program fails as it would have without
	// Recover: a panic that nothing further up recovers still ends the
	// process. The alert is then a Page, and only its log record is sure
	// to be written: the process may end before a sink delivers it.
	Repanic AfterPanic = iota
	// Return lets the function that deferred Recover return normally, with
	// the zero values of its results, or the values it set before it
	// panicked if they are named. The alert is a Ticket: the panic was
	// contained, but the code at the top of the stack needs fixing.
	Return
)

// Recover, deferred, raises an alert when the function that deferred it
// panics, then panics again (Repanic) or returns (Return), as then says:
//
//	go func() {
//		defer n.Recover(ctx, alert.Return)
//		work(ctx)
//	}()
//
// The alert's summary, "panic in <function>", names the function that
// panicked; its Err says "panic: <value>" (the value as bounded, escaped
// text) and wraps the value when it is an error; its fields carry the
// value's type as "panic", the frame that panicked as "panic_site"
// ("function file:line") and "stack", at most MaxStack frames from there
// outwards: a slog.LogValuer that renders them when first resolved (as
// slog and the sinks do; a Sink of your own calls Value.Resolve), so that
// a repeat the throttle holds back costs no rendering. Its fingerprint is
// made from the type of the value and the panic site, never from the
// value's text, so every occurrence of one bug is one throttled alert. ctx
// gives the request ID, trace and span of the alert.
//
// Recover must be deferred itself, not called from a deferred function:
// only then does it see the panic. runtime.Goexit is not a panic: Recover
// lets it proceed without an alert. With Repanic the value is panicked
// again unchanged, so errors.Is, a type switch or a recover further up see
// what they would have seen without Recover.
func (n *Notifier) Recover(ctx context.Context, then AfterPanic) {
	p := recover()
	if p == nil {
		return
	}
	severity := Page
	if then == Return {
		severity = Ticket
	}
	n.panicked(ctx, p, newStack(panics.PCs(MaxStack)), "", severity)
	if then != Return {
		panic(p)
	}
}

// RecoverError, deferred, raises an alert when the function that deferred
// it panics, as Recover with Return does, and sets *err to an errctx error
// saying so: class Indeterminate (the work stopped half way: it may have
// had effects), wrapping the panic value when it is an error. A job's
// runner uses it to fail one job without ending the others:
//
//	func (r *runner) do(ctx context.Context, j job) (err error) {
//		defer r.alerts.RecoverError(ctx, &err)
//		return j.run(ctx)
//	}
//
// A nil err is allowed: the panic is then only alerted on.
func (n *Notifier) RecoverError(ctx context.Context, err *error) {
	p := recover()
	if p == nil {
		return
	}
	e := n.panicked(ctx, p, newStack(panics.PCs(MaxStack)), "", Ticket)
	if err != nil {
		*err = e
	}
}

// PanicInfo describes a panic that something else recovered, for
// Notifier.Panicked. Its fields are those of middleware.PanicInfo and
// grpcmw.PanicInfo, which alert does not import: alert stays usable, and
// small, in programs without HTTP or gRPC servers.
type PanicInfo struct {
	// Value is the value passed to panic.
	Value any
	// Stack holds "function file:line" frames from the one that panicked
	// outwards; the alert keeps at most MaxStack of them.
	Stack []string
	// RequestID is the request's ID, used when ctx carries none and it is
	// a valid one (reqid.Valid): an ID with control characters or too long
	// is not carried.
	RequestID string
	// Method is the HTTP method, or the gRPC full method
	// ("/package.Service/Method").
	Method string
	// Route is the HTTP route pattern ("GET /orders/{id}"), if one matched.
	Route string
}

// Panicked raises the alert of a panic that a server recovered and
// answered: a Ticket, since the server kept serving, with the summary
// "panic in <route or method>", the Err and fields of Recover plus
// "method" and "route", and the fingerprint of Recover (the value's type
// and the first frame of Stack, or the method and route when Stack is
// empty). It has the signature of neither middleware's nor grpcmw's
// OnPanic hook, which it plugs into with one line each:
//
//	middleware.AccessLogConfig{OnPanic: func(ctx context.Context, p middleware.PanicInfo) {
//		n.Panicked(ctx, alert.PanicInfo{Value: p.Value, Stack: p.Stack, RequestID: p.RequestID, Method: p.Method, Route: p.Route})
//	}}
//	grpcmw.ServerConfig{OnPanic: func(ctx context.Context, p grpcmw.PanicInfo) {
//		n.Panicked(ctx, alert.PanicInfo{Value: p.Value, Stack: p.Stack, RequestID: p.RequestID, Method: p.Method})
//	}}
func (n *Notifier) Panicked(ctx context.Context, p PanicInfo) {
	defer n.guardCaller()
	if ctx == nil {
		ctx = context.Background()
	}
	if _, ok := reqid.From(ctx); !ok && reqid.Valid(p.RequestID) {
		ctx = reqid.With(ctx, p.RequestID)
	}
	op := strings.TrimSpace(p.Method + " " + p.Route)
	if strings.HasPrefix(p.Route, p.Method+" ") {
		op = p.Route // a route pattern that names its method already
	}
	n.panicked(ctx, p.Value, &stack{frames: slices.Clone(p.Stack[:min(len(p.Stack), MaxStack)])}, op, Ticket,
		slog.String("method", record.Safe(p.Method, maxOperation)),
		slog.String("route", record.Safe(p.Route, maxOperation)))
}

// panicked raises the alert of the panic value v with its stack st, and
// returns the error that describes it. op names what was running; empty
// means the function at the top of the stack.
func (n *Notifier) panicked(ctx context.Context, v any, st *stack, op string, severity Severity, fields ...slog.Attr) error {
	defer n.guardCaller()
	site := record.Safe(st.site(), 4*maxOperation) // Panicked's caller may pass anything
	if op == "" {
		op, _, _ = strings.Cut(site, " ")
	}
	op = record.Safe(op, maxOperation)
	if op == "" {
		op = "unknown function"
	}
	kind := fmt.Sprintf("%T", v)
	err := errctx.Wrap(panicError{v}, "run "+op,
		errctx.WithClass(errctx.Indeterminate),
		errctx.Remedy("fix the code at the top of stack: "+site))
	key := hashString(hashString(hashByte(fnvOffset, 'p'), kind), site)
	if site == "" {
		key = hashString(key, op)
	}
	a := Alert{
		Summary:     "panic in " + op, // stable: Alertmanager keys alerts by it (alertname)
		Severity:    severity,
		Fingerprint: fingerprintText(key),
		Err:         err,
		Fields: append(fields,
			slog.String("panic", kind),
			slog.String("panic_site", site),
			slog.Any("stack", st)),
	}
	n.notify(ctx, &a, 0)
	return err
}

// stack is a panic's stack, as frames or as the program counters they are
// rendered from when a record or a sink first reads them: rendering costs
// most of a panic's alert, and a repeat the throttle holds back is never
// read.
type stack struct {
	pcs    []uintptr
	once   sync.Once
	frames []string
}

func newStack(pcs []uintptr) *stack { return &stack{pcs: pcs} }

// site is the frame that panicked, or "".
func (s *stack) site() string {
	if s.pcs == nil {
		if len(s.frames) == 0 {
			return ""
		}
		return s.frames[0]
	}
	if top := panics.Frames(s.pcs, 1); len(top) > 0 {
		return top[0]
	}
	return ""
}

// LogValue renders the frames, once: slog and the sinks resolve the field
// through it.
func (s *stack) LogValue() slog.Value {
	s.once.Do(func() {
		if s.pcs != nil {
			s.frames = panics.Frames(s.pcs, MaxStack)
		}
	})
	return slog.AnyValue(s.frames)
}

// panicError is a panic value as an error: its text is "panic: <value>",
// bounded and escaped, and it unwraps to the value when that is an error,
// so that errors.Is and errors.As see through it.
type panicError struct{ value any }

func (e panicError) Error() string {
	return "panic: " + record.Safe(fmt.Sprint(e.value), panics.MaxMessage)
}

func (e panicError) Unwrap() error {
	err, _ := e.value.(error)
	return err
}
