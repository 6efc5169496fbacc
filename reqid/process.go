package reqid

import "time"

// Identity describes the running process.
type Identity struct {
	Service string    // service name
	Version string    // service version
	Host    string    // host name, "unknown" when the lookup fails
	PID     int       // operating-system process ID
	Start   time.Time // when the process started
	ID      string    // random ID, unique across restarts and hosts
}

// Process returns the identity of the running process, computed once.
func Process() Identity {
	return Identity{}
}

// SetService sets the service name and version reported by [Process]. It must
// be called before the first call to Process; later calls have no effect.
func SetService(name, version string) {}
