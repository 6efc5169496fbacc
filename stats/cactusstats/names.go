package cactusstats

import "maps"

// maxNames bounds the prefixed names a Statter keeps, so that names made
// up at run time cannot grow it without end; past it, a new name costs one
// allocation per call.
const maxNames = 256

// names holds a prefix and the prefixed names made so far, so that a call
// by a known name costs no allocation. It is replaced whole, never
// changed, so a call reads it without a lock.
type names struct {
	prefix string
	full   map[string]string // name: prefix.name
}

// name returns name with the prefix and a dot in front.
func (s *Statter) name(name string) string {
	n := s.names.Load()
	if n.prefix == "" {
		return name
	}
	if full, ok := n.full[name]; ok {
		return full
	}
	full := n.prefix + "." + name
	if len(n.full) < maxNames { // a full cache stays full: no lock for it
		s.remember(n, name, full)
	}
	return full
}

// remember adds name to n's names, unless the prefix was replaced since n
// was read or n is full.
func (s *Statter) remember(n *names, name, full string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.names.Load()
	if cur.prefix != n.prefix || len(cur.full) >= maxNames {
		return
	}
	m := make(map[string]string, len(cur.full)+1)
	maps.Copy(m, cur.full)
	m[name] = full
	s.names.Store(&names{prefix: cur.prefix, full: m})
}
