package alert

import "sync"

// running is the Notifier's register of the checks and breaker watches it
// runs: their names, which must be distinct since each is a fingerprint
// and a stats prefix, and their stop functions, which Close calls.
type running struct {
	once  sync.Once
	mu    sync.Mutex
	stops map[string]func()
	done  bool // the Notifier closed: nothing more starts
}

// addRunning registers stop under name. It reports false when name is taken, or
// when the Notifier is closed (then it calls stop itself).
func (n *Notifier) addRunning(name string, stop func()) bool {
	r := &n.running
	r.once.Do(func() { n.onClose(r.stopAll) })
	r.mu.Lock()
	if r.done {
		r.mu.Unlock()
		stop()
		return true
	}
	if _, taken := r.stops[name]; taken {
		r.mu.Unlock()
		return false
	}
	if r.stops == nil {
		r.stops = make(map[string]func())
	}
	r.stops[name] = stop
	r.mu.Unlock()
	return true
}

// removeRunning forgets name, once its stop function has run.
func (n *Notifier) removeRunning(name string) {
	r := &n.running
	r.mu.Lock()
	delete(r.stops, name)
	r.mu.Unlock()
}

// stopAll stops everything registered, for Close.
func (r *running) stopAll() {
	r.mu.Lock()
	r.done = true
	stops := r.stops
	r.stops = nil
	r.mu.Unlock()
	for _, stop := range stops {
		stop()
	}
}

// goChild runs f on a goroutine that Close waits for, and reports true,
// unless the Notifier is closed.
func (n *Notifier) goChild(f func()) bool {
	n.mu.RLock()
	defer n.mu.RUnlock()
	if n.closed {
		return false
	}
	n.children.Add(1)
	go func() {
		defer n.children.Done()
		f()
	}()
	return true
}
