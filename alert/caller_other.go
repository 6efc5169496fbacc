//go:build !amd64 || purego

package alert

import "runtime"

// callerPC returns the PC its caller will return to: the call site of the
// function that calls callerPC, which must not be inlined.
//
//go:noinline
func callerPC() uintptr {
	var pc [1]uintptr
	// 0 is runtime.Callers, 1 is callerPC, 2 is Notify or Error, 3 their caller.
	runtime.Callers(3, pc[:])
	return pc[0]
}
