// Package panics turns a recovered panic into what a log record can carry:
// a bounded stack starting at the function that panicked, and the panic
// value as bounded text; and runs a user's OnPanic hook without
// letting a panic inside the hook spread.
//
// The smallest complete use, in the deferred function that recovers:
//
//	defer func() {
//		if p := recover(); p != nil {
//			logger.Error("request panicked", "error", panics.Message(p), "stack", panics.Stack(32))
//		}
//	}()
package panics
