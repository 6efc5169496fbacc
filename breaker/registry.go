package breaker

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vitals-go/vitals/errctx"
)

// Registry holds a service's breakers by name, for its health check and its
// operators. It is safe for concurrent use.
type Registry struct {
	mu       sync.RWMutex
	breakers map[string]*Breaker
}

// NewRegistry returns an empty registry. The zero Registry is empty and
// ready to use too.
func NewRegistry() *Registry { return &Registry{} }

// Register adds b under its name. Names are unique within a registry: a
// second breaker with the same name is refused, since the status and the
// stats (breaker.<name>.*) could not tell the two apart. Registering the
// same breaker again does nothing.
func (r *Registry) Register(b *Breaker) error {
	if b == nil {
		return errctx.Wrap(errors.New("the breaker is nil"), "registering a breaker",
			errctx.WithClass(errctx.Permanent),
			errctx.Remedy("pass the *Breaker returned by breaker.New"))
	}
	name := b.Name()
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.breakers[name]; ok {
		if old == b {
			return nil
		}
		return errctx.Wrap(fmt.Errorf("a breaker named %q is already registered", name), "registering breaker "+name,
			errctx.WithClass(errctx.Permanent),
			errctx.Fields("breaker", name),
			errctx.Remedy("give each breaker its own Config.Name, or Get the registered one"))
	}
	if r.breakers == nil {
		r.breakers = make(map[string]*Breaker)
	}
	r.breakers[name] = b
	return nil
}

// New makes a breaker with cfg and registers it, refusing an invalid
// configuration or a name already taken.
func (r *Registry) New(cfg Config) (*Breaker, error) {
	b, err := New(cfg)
	if err != nil {
		return nil, err
	}
	if err := r.Register(b); err != nil {
		return nil, err
	}
	return b, nil
}

// Get returns the breaker registered under name.
func (r *Registry) Get(name string) (*Breaker, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	b, ok := r.breakers[name]
	return b, ok
}

// All returns the registered breakers sorted by name.
func (r *Registry) All() []*Breaker {
	r.mu.RLock()
	all := make([]*Breaker, 0, len(r.breakers))
	for _, b := range r.breakers {
		all = append(all, b)
	}
	r.mu.RUnlock()
	slices.SortFunc(all, func(a, b *Breaker) int { return strings.Compare(a.Name(), b.Name()) })
	return all
}

// Health is the overall verdict of a [Status].
type Health string

// The verdicts of a status.
const (
	// Healthy: every breaker lets calls through (closed or disabled).
	Healthy Health = "ok"
	// Degraded: some breaker rejects or limits calls, but none marked
	// Config.Critical is open. The handler still answers 200.
	Degraded Health = "degraded"
	// Unavailable: a breaker marked Config.Critical is open or forced open.
	// The handler answers 503.
	Unavailable Health = "unavailable"
)

// Status is the state of every breaker of a registry, as the handler serves
// it.
type Status struct {
	Health   Health          `json:"status"`
	Breakers []BreakerStatus `json:"breakers"`
}

// BreakerStatus is one breaker's entry in a [Status], taken from its
// [Snapshot].
type BreakerStatus struct {
	Name string `json:"name"`
	// State is the state's name: "closed", "half_open", "open",
	// "forced_open" or "disabled".
	State    string `json:"state"`
	Critical bool   `json:"critical"`
	// Since is when the breaker entered the state, and Reason why.
	Since  time.Time `json:"since"`
	Reason string    `json:"reason"`
	// OpenUntil is when calls resume, while open.
	OpenUntil  time.Time `json:"open_until,omitzero"`
	Generation uint64    `json:"generation"`
	Counts     Counts    `json:"counts"`
	// LastError is the text of the last failure, or empty.
	LastError string `json:"last_error,omitempty"`
}

// Status returns the state of every registered breaker, sorted by name, and
// the verdict: [Unavailable] when a critical breaker rejects calls,
// [Degraded] when any other breaker is not closed or disabled, [Healthy]
// otherwise.
func (r *Registry) Status() Status {
	all := r.All()
	st := Status{Health: Healthy, Breakers: make([]BreakerStatus, 0, len(all))}
	for _, b := range all {
		snap := b.Snapshot()
		e := BreakerStatus{
			Name:       snap.Name,
			State:      snap.State.String(),
			Critical:   snap.Critical,
			Since:      snap.Since,
			Reason:     snap.Reason,
			OpenUntil:  snap.OpenUntil,
			Generation: snap.Generation,
			Counts:     snap.Counts,
		}
		if snap.LastError != nil {
			e.LastError = snap.LastError.Error()
		}
		st.Breakers = append(st.Breakers, e)
		switch {
		case snap.Critical && (snap.State == Open || snap.State == ForcedOpen):
			st.Health = Unavailable
		case snap.State != Closed && snap.State != Disabled && st.Health == Healthy:
			st.Health = Degraded
		}
	}
	return st
}

// Handler serves the registry's [Status] as JSON, for health checks and
// operators: 200 unless a breaker marked Config.Critical is open or forced
// open, then 503 Service Unavailable. It answers GET and HEAD.
//
// The status quotes the breakers' last errors, which may name internal
// hosts: serve it on an internal listener or behind authentication.
//
//	mux.Handle("GET /debug/breakers", registry.Handler())
func (r *Registry) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed: use GET or HEAD", http.StatusMethodNotAllowed)
			return
		}
		st := r.Status()
		code := http.StatusOK
		if st.Health == Unavailable {
			code = http.StatusServiceUnavailable
		}
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Cache-Control", "no-store")
		w.WriteHeader(code)
		if req.Method == http.MethodGet {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			enc.Encode(st) // a write error means the client has gone
		}
	})
}
