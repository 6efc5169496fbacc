//go:build !race

package stats_test

// tailShare is the share of calls whose time callTimer does not check:
// 0.1% (1% under the race detector; see race_on_test.go).
const tailShare = 0.001
