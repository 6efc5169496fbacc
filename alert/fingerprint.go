package alert

import (
	"errors"
	"runtime"
	"strconv"
	"sync"

	"github.com/vitals-go/vitals/errctx"
)

// FNV-1a, 64 bits: a fingerprint must be the same in every process and
// every run, for Alertmanager to group the alerts of many processes, so no
// seeded hash will do.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func hashString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return hashByte(h, 0) // separates "ab","c" from "a","bc"
}

func hashByte(h uint64, b byte) uint64 {
	h ^= uint64(b)
	return h * fnvPrime
}

// keyOf returns the throttle key of a: the hash of its explicit
// Fingerprint, else of its error's attempted steps, class and the call
// site pc, else of its Summary and Severity. It never reads the error's
// message, which may hold IDs or times.
func (n *Notifier) keyOf(a *Alert, pc uintptr) uint64 {
	h := uint64(fnvOffset)
	switch {
	case a.Fingerprint != "":
		return hashString(hashByte(h, 'f'), a.Fingerprint)
	case a.Err != nil:
		h = hashByte(h, 'e')
		for err := a.Err; err != nil; err = errors.Unwrap(err) {
			if e, ok := err.(*errctx.Error); ok && e != nil {
				h = hashString(h, e.Attempted())
			}
		}
		h = hashByte(h, byte(errctx.ClassOf(a.Err)))
		return h ^ n.sites.hash(pc)
	default:
		return hashByte(hashString(hashByte(h, 's'), a.Summary), byte(a.Severity))
	}
}

// fingerprintText renders a derived key as the Fingerprint sinks see.
func fingerprintText(key uint64) string {
	s := strconv.FormatUint(key, 16)
	for len(s) < 16 {
		s = "0" + s
	}
	return s
}

// siteCache maps a program counter to the hash of its function, file and
// line, which stay the same across processes of one build, unlike the pc
// itself under address-space randomisation.
type siteCache struct {
	mu sync.RWMutex
	m  map[uintptr]uint64
}

// maxSites bounds the cache; call sites of alerts are few, and past the
// bound a site is hashed each time.
const maxSites = 4096

func (c *siteCache) hash(pc uintptr) uint64 {
	c.mu.RLock()
	h, ok := c.m[pc]
	c.mu.RUnlock()
	if ok {
		return h
	}
	h = fnvOffset
	if pc != 0 {
		frame, _ := runtime.CallersFrames([]uintptr{pc}).Next()
		h = hashString(hashString(h, frame.Function), frame.File)
		h = hashString(h, strconv.Itoa(frame.Line))
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = make(map[uintptr]uint64)
	}
	if len(c.m) < maxSites {
		c.m[pc] = h
	}
	c.mu.Unlock()
	return h
}
