package reqid

import (
	"os"
	"path"
	"runtime/debug"
	"sync"
	"time"
)

// Identity describes the running process. It is what a log line or a metric
// needs to tell one instance of a service from another.
type Identity struct {
	Service string    // service name; see [SetService]
	Version string    // service version; see [SetService]
	Host    string    // host name, "unknown" when the lookup fails
	PID     int       // operating-system process ID
	Start   time.Time // when the process started (when this package was initialised)
	ID      string    // random, unique across restarts and hosts; made by [New]
}

// start is the process start time as this package sees it.
var start = time.Now()

var process struct {
	sync.Mutex
	service, version string
	once             sync.Once
	id               Identity
}

// hostname and buildInfo are replaced by tests.
var (
	hostname  = os.Hostname
	buildInfo = debug.ReadBuildInfo
)

// Process returns the identity of the running process. It is computed on the
// first call and never changes afterwards.
//
// The service name comes from [SetService], else the environment variable
// OTEL_SERVICE_NAME, else the last element of the main package's path, else
// the executable's name. The version comes from SetService, else the main
// module's version, else its VCS revision, else "unknown". A failing host
// name lookup gives "unknown"; Process never fails.
func Process() Identity {
	process.once.Do(func() {
		process.Lock()
		defer process.Unlock()
		process.id = resolve(process.service, process.version)
	})
	return process.id
}

// SetService sets the service name and version that [Process] reports; an
// empty argument keeps the default for that field. Call it at the start of
// main, before anything logs. Once Process has been called the identity is
// fixed, so later calls have no effect: a log handler that has already
// encoded the identity never disagrees with Process.
func SetService(name, version string) {
	process.Lock()
	defer process.Unlock()
	process.service, process.version = name, version
}

func resolve(service, version string) Identity {
	id := Identity{
		Service: service,
		Version: version,
		Host:    "unknown",
		PID:     os.Getpid(),
		Start:   start,
		ID:      New(),
	}
	if h, err := hostname(); err == nil && h != "" {
		id.Host = h
	}
	if id.Service == "" {
		id.Service = os.Getenv("OTEL_SERVICE_NAME")
	}
	bi, ok := buildInfo()
	if id.Service == "" && ok && bi.Path != "" {
		id.Service = path.Base(bi.Path)
	}
	if id.Service == "" {
		id.Service = path.Base(os.Args[0])
	}
	if id.Version == "" && ok {
		id.Version = moduleVersion(bi)
	}
	if id.Version == "" {
		id.Version = "unknown"
	}
	return id
}

// moduleVersion returns the main module's version, else its VCS revision.
func moduleVersion(bi *debug.BuildInfo) string {
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" {
			return s.Value
		}
	}
	return ""
}
