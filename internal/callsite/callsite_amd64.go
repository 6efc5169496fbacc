//go:build !purego

// Package callsite reads the call site of a function cheaply: errctx records
// where an error was made, and alert derives fingerprints from where an
// alert was raised, both on paths that must cost nanoseconds.
package callsite

// PC returns the PC its caller will return to: the call site of the
// function that calls PC. That function must not be inlined. It reads one
// frame pointer, a few nanoseconds where runtime.Callers costs ~100.
//
//go:noescape
func PC() uintptr
