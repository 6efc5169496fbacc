//go:build !amd64 || purego

// Package callsite reads the call site of a function cheaply: errctx records
// where an error was made, and alert derives fingerprints from where an
// alert was raised, both on paths that must cost nanoseconds.
package callsite

import "runtime"

// PC returns the PC its caller will return to: the call site of the
// function that calls PC. That function must not be inlined.
//
//go:noinline
func PC() uintptr {
	var pc [1]uintptr
	// 0 is runtime.Callers, 1 is PC, 2 the function that called it, 3 that
	// function's caller.
	runtime.Callers(3, pc[:])
	return pc[0]
}
