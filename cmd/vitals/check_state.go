package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vitals-go/vitals/errctx"
)

// checkState is what a check remembers between runs, and between the
// processes that run it (cron starts one per run): whether its alert
// fires, so that the run that finds the invariant holding again resolves
// it, once.
type checkState struct {
	Check  string    `json:"check"`
	Firing bool      `json:"firing"`
	Since  time.Time `json:"since,omitzero"`
}

// stateDir is where check state files go: --state-dir, else
// VITALS_STATE_DIR, else $XDG_STATE_HOME/vitals, else ~/.local/state/vitals.
func (c *cli) stateDir() string {
	if d := c.getenv("VITALS_STATE_DIR"); d != "" {
		return d
	}
	if d := c.getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "vitals")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "state", "vitals")
	}
	return filepath.Join(os.TempDir(), "vitals-state")
}

// stateFile is the base name of the files of check name: its text made
// safe for a file name, and a hash so that names that differ only in the
// characters replaced do not share a file.
func stateFile(name string) string {
	safe := []byte(name)
	for i, b := range safe {
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_' || b == '.') {
			safe[i] = '_'
		}
	}
	if len(safe) > 64 {
		safe = safe[:64]
	}
	h := fnv.New32a()
	h.Write([]byte(name))
	return fmt.Sprintf("check-%s-%08x", strings.TrimLeft(string(safe), "."), h.Sum32())
}

// loadState reads the state at path; a missing file is a check that has
// not fired. A corrupt one is reported and read as not firing: the worst
// that follows is a resolution not sent, which Alertmanager makes up for
// when the alert's endsAt passes.
func loadState(path string) (checkState, error) {
	var st checkState
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err == nil {
		err = json.Unmarshal(b, &st)
	}
	if err != nil {
		return checkState{}, errctx.Wrap(err, "read the check state "+path,
			errctx.Remedy("delete the file; the check then starts as not firing"))
	}
	return st, nil
}

// save writes st to path atomically (a temporary file renamed over it).
func (st checkState) save(path string) error {
	b, _ := json.Marshal(st) // a checkState always encodes
	tmp := path + ".tmp"
	err := os.WriteFile(tmp, append(b, '\n'), 0o600)
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return errctx.Wrap(err, "write the check state "+path,
			errctx.Remedy("make the state directory writable (--state-dir, VITALS_STATE_DIR), or the next run cannot resolve this alert"))
	}
	return nil
}
