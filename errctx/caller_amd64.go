//go:build !purego

package errctx

// callerPC returns the PC its caller will return to: the call site of the
// function that calls callerPC. That function must not be inlined.
//
//go:noescape
func callerPC() uintptr
