//go:build race

package stats_test

// tailShare is the share of calls whose time callTimer does not check. The
// race detector's instrumentation of atomic operations takes internal
// locks, which a caller can meet the emitter's goroutine at, and makes
// calls so slow that a 100 ms test times a few thousand: a tenth of a
// percent of them is a handful of descheduled calls. So 1%.
const tailShare = 0.01
