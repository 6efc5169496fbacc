//go:build !purego

package alert

// callerPC returns the PC its caller will return to: the call site of the
// function that calls callerPC, which must not be inlined. It is errctx's
// frame-pointer read, a few nanoseconds where runtime.Callers costs ~100.
//
//go:noescape
func callerPC() uintptr
