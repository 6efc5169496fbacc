//go:build unix

package alert_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/alert"
)

// A program that exits 0 has delivered, even when it leaves a child in the
// background holding its standard error open (mail handing the message to
// a sendmail that runs on): Send returns nil once the program is done,
// not a Permanent "cannot be run" error that counts the delivered alert as
// failed.
func TestCommandThatExitsZeroLeavingAChildHoldingStderrSucceeds(t *testing.T) {
	dir := t.TempDir()
	mail := script(t, dir, "mail", `echo $$ > "$OUT/pgid"
sleep 30 &
exit 0
`)
	t.Cleanup(func() {
		b, err := os.ReadFile(filepath.Join(dir, "pgid"))
		if pgid, _ := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pgid > 0 {
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
		}
	})
	c := newCommand(t, alert.CommandConfig{Path: mail, Env: []string{"OUT=" + dir}})
	start := time.Now()
	require.NoError(t, c.Send(context.Background(), amEvent("fp", false)))
	require.Less(t, time.Since(start), 10*time.Second, "Send waited for the child")
}
