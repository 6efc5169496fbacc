//go:build !unix

package alert

import "os/exec"

// killGroupOnCancel leaves exec's default, which kills the process alone:
// process groups are a Unix notion.
func killGroupOnCancel(*exec.Cmd) {}
