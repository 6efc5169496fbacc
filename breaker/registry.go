package breaker

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/stats"
)

// Registry holds a service's breakers by name, for its health check and its
// operators. It is safe for concurrent use.
type Registry struct {
	mu sync.RWMutex
	// breakers is keyed by the name's stats form (stats.Name): names that
	// write the same series are one name. A nil value reserves a name
	// while New builds its breaker.
	breakers map[string]*Breaker
}

// NewRegistry returns an empty registry. The zero Registry is empty and
// ready to use too.
func NewRegistry() *Registry { return &Registry{} }

// Register adds b under its name. Names are unique within a registry, as
// the stats write them: a second breaker whose name has the same stats form
// (breaker.<name>.*, so "payments.eu", "payments_eu", "Payments.EU" and
// "payments eu" are one name) is refused, since the status and the stats
// could not tell the two apart. Registering the same breaker again does
// nothing.
func (r *Registry) Register(b *Breaker) error {
	if b == nil {
		return errctx.Wrap(errors.New("the breaker is nil"), "registering a breaker",
			errctx.WithClass(errctx.Permanent),
			errctx.Remedy("pass the *Breaker returned by breaker.New"))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.breakers[stats.Name(b.Name())]; ok && old == b {
		return nil
	}
	key, err := r.reserve(b.Name())
	if err != nil {
		return err
	}
	r.breakers[key] = b
	return nil
}

// reserve takes name for a breaker about to be registered, or says which
// registered name it clashes with. Callers hold r.mu.
func (r *Registry) reserve(name string) (key string, err error) {
	key = stats.Name(name)
	if old, ok := r.breakers[key]; ok {
		taken := name
		if old != nil {
			taken = old.Name()
		}
		err := fmt.Errorf("a breaker named %q is already registered", name)
		if taken != name {
			err = fmt.Errorf("breaker %q is already registered, and %q has the same stats name %q", taken, name, key)
		}
		return "", errctx.Wrap(err, "registering breaker "+name,
			errctx.WithClass(errctx.Permanent),
			errctx.Fields("breaker", name, "stats_name", key),
			errctx.Remedy("give each breaker its own Config.Name, one that stays its own in stats form (lower case, with '_' for dots and spaces), or Get the registered one"))
	}
	if r.breakers == nil {
		r.breakers = make(map[string]*Breaker)
	}
	r.breakers[key] = nil
	return key, nil
}

// New makes a breaker with cfg and registers it, refusing an invalid
// configuration or a name already taken. A refused name builds no breaker,
// so the registered one's stats (its state gauge) are left as they are.
func (r *Registry) New(cfg Config) (*Breaker, error) {
	name := cmp.Or(cfg.Name, DefaultName)
	r.mu.Lock()
	key, err := r.reserve(name)
	r.mu.Unlock()
	if err != nil {
		return nil, err
	}
	b, err := New(cfg)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		delete(r.breakers, key)
		return nil, err
	}
	r.breakers[key] = b
	return b, nil
}

// Get returns the breaker registered under name.
func (r *Registry) Get(name string) (*Breaker, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	b := r.breakers[stats.Name(name)]
	return b, b != nil && b.Name() == name
}

// All returns the registered breakers sorted by name.
func (r *Registry) All() []*Breaker {
	r.mu.RLock()
	all := make([]*Breaker, 0, len(r.breakers))
	for _, b := range r.breakers {
		if b != nil {
			all = append(all, b)
		}
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
	// Unavailable: a breaker marked Config.Critical is forced open, or open
	// with time left in its open period (once it has passed, the next call
	// probes: the breaker is only Degraded). The handler answers 503.
	Unavailable Health = "unavailable"
)

// Status is the state of every breaker of a registry, as the handler serves
// it: the verdict and each breaker's [Snapshot].
type Status struct {
	Health   Health     `json:"status"`
	Breakers []Snapshot `json:"breakers"`
}

// Status returns the state of every registered breaker, sorted by name, and
// the verdict: [Unavailable] when a critical breaker rejects calls,
// [Degraded] when any other breaker is not closed or disabled, [Healthy]
// otherwise.
func (r *Registry) Status() Status {
	all := r.All()
	st := Status{Health: Healthy, Breakers: make([]Snapshot, 0, len(all))}
	for _, b := range all {
		snap := b.Snapshot()
		st.Breakers = append(st.Breakers, snap)
		switch {
		case snap.Critical && b.rejectsAll(snap):
			st.Health = Unavailable
		case snap.State != Closed && snap.State != Disabled && st.Health == Healthy:
			st.Health = Degraded
		}
	}
	return st
}

// Handler serves the registry's [Status] as JSON, for health checks and
// operators: 200 unless a breaker marked Config.Critical is forced open or
// open with time left in its open period, then 503 Service Unavailable. It
// answers GET and HEAD.
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

// rejectsAll reports whether the breaker of snap refuses every call now:
// forced open, or open with time left by the breaker's clock. An open
// breaker whose period has passed lets the next call probe.
func (b *Breaker) rejectsAll(snap Snapshot) bool {
	return snap.State == ForcedOpen || snap.State == Open && b.clock.Now().Before(snap.OpenUntil)
}
