//go:build !amd64 || purego

package errctx

import "runtime"

// callerPC returns the PC its caller will return to: the call site of the
// function that calls callerPC. That function must not be inlined.
//
//go:noinline
func callerPC() uintptr {
	var pc [1]uintptr
	// 0 is runtime.Callers, 1 is callerPC, 2 is New or Wrap, 3 their caller.
	runtime.Callers(3, pc[:])
	return pc[0]
}
