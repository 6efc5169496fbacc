package alert_test

import (
	"log/slog"
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/alert"
	"github.com/vitals-go/vitals/errctx"
)

// An argument or an environment entry with a NUL can never be given to a
// program: every run would fail. NewCommand refuses it, naming it.
func TestNewCommandRefusesArgsAndEnvAProgramCannotBeGiven(t *testing.T) {
	ok := script(t, t.TempDir(), "ok", "exit 0\n")
	for field, cfg := range map[string]alert.CommandConfig{
		"Args[1]": {Path: ok, Args: []string{"-s", "a\x00b"}},
		"Env[0]":  {Path: ok, Env: []string{"A=1\x00B=2"}},
	} {
		t.Run(field, func(t *testing.T) {
			cmd := exec.Command(cfg.Path, cfg.Args...)
			cmd.Env = append(os.Environ(), cfg.Env...)
			require.Error(t, cmd.Run(), "exec runs it: not a case")

			_, err := alert.NewCommand(cfg)
			require.Error(t, err)
			assert.Contains(t, errctx.FieldsOf(err), slog.String("field", "CommandConfig."+field))
			assert.Equal(t, errctx.Permanent, errctx.ClassOf(err))
		})
	}
}
