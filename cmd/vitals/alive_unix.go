//go:build unix

package main

import (
	"errors"
	"syscall"
)

// alive reports whether a process with pid exists: signal 0 checks without
// sending anything, and EPERM means it exists under another user.
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
