//go:build !unix

package main

// alive cannot tell on this system: a reset is never refused for it.
func alive(pid int) bool { return false }
