package main

import (
	"os"
	"testing"
)

// missing skips the test for want of a real program, saying how to
// enable it, or fails it when the variable require is 1 (as in CI).
func missing(t *testing.T, require, msg string) {
	t.Helper()
	msg += "; " + require + "=1 makes its absence a failure"
	if os.Getenv(require) == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}
