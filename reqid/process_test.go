package reqid

import (
	"errors"
	"runtime/debug"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestProcessComputedOnce(t *testing.T) {
	// Leave no trace for ExampleProcess, which runs later in this binary.
	t.Cleanup(func() {
		process.once = sync.Once{}
		process.service, process.version = "", ""
	})
	a := Process()
	SetService("changed-too-late", "v9")
	b := Process()
	assert.Equal(t, a, b)
	assert.NotEqual(t, "changed-too-late", b.Service)
	assert.NotEmpty(t, a.Service)
	assert.NotEmpty(t, a.Version)
	assert.NotEmpty(t, a.Host)
	assert.Positive(t, a.PID)
	assert.True(t, Valid(a.ID))
	assert.WithinDuration(t, time.Now(), a.Start, time.Hour)
}

func TestResolve(t *testing.T) {
	t.Run("configured", func(t *testing.T) {
		t.Setenv("OTEL_SERVICE_NAME", "from-env")
		id := resolve("billing", "1.2.3")
		assert.Equal(t, "billing", id.Service)
		assert.Equal(t, "1.2.3", id.Version)
	})
	t.Run("env then build info", func(t *testing.T) {
		stubBuildInfo(t, &debug.BuildInfo{Path: "example.com/cmd/mailer", Main: debug.Module{Version: "v1.4.0"}})
		t.Setenv("OTEL_SERVICE_NAME", "from-env")
		id := resolve("", "")
		assert.Equal(t, "from-env", id.Service)
		assert.Equal(t, "v1.4.0", id.Version)

		t.Setenv("OTEL_SERVICE_NAME", "")
		assert.Equal(t, "mailer", resolve("", "").Service)
	})
	t.Run("vcs revision for a devel build", func(t *testing.T) {
		stubBuildInfo(t, &debug.BuildInfo{
			Path:     "example.com/svc",
			Main:     debug.Module{Version: "(devel)"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "4f1c2e"}},
		})
		assert.Equal(t, "4f1c2e", resolve("", "").Version)
	})
	t.Run("no build info", func(t *testing.T) {
		buildInfo = func() (*debug.BuildInfo, bool) { return nil, false }
		t.Cleanup(func() { buildInfo = debug.ReadBuildInfo })
		t.Setenv("OTEL_SERVICE_NAME", "")
		id := resolve("", "")
		assert.NotEmpty(t, id.Service, "falls back to the executable name")
		assert.Equal(t, "unknown", id.Version)
	})
	t.Run("hostname lookup fails", func(t *testing.T) {
		hostname = func() (string, error) { return "", errors.New("uname: permission denied") }
		t.Cleanup(func() { hostname = osHostname })
		assert.Equal(t, "unknown", resolve("svc", "v1").Host)
	})
	t.Run("unique per process", func(t *testing.T) {
		assert.NotEqual(t, resolve("svc", "v1").ID, resolve("svc", "v1").ID)
	})
}

var osHostname = hostname

func stubBuildInfo(t *testing.T, bi *debug.BuildInfo) {
	buildInfo = func() (*debug.BuildInfo, bool) { return bi, true }
	t.Cleanup(func() { buildInfo = debug.ReadBuildInfo })
}
