package retry

import (
	"sync"
	"sync/atomic"

	"github.com/vitals-go/vitals/stats"
)

// counterNames are the stat names of one Policy.Name, built once.
type counterNames struct {
	retries, succeeded, exhausted, stopped, canceled string
	classifierPanics                                 string
}

// outcome picks the counter a retried Do ends in.
type outcome func(*counterNames) string

func succeeded(n *counterNames) string { return n.succeeded }
func exhausted(n *counterNames) string { return n.exhausted }
func stopped(n *counterNames) string   { return n.stopped }
func canceled(n *counterNames) string  { return n.canceled }

// maxCachedNames bounds the cache of counter names, in case a program makes
// policy names up at run time; names past the bound are built on each use.
const maxCachedNames = 1024

var (
	cachedNames  sync.Map // Policy.Name -> *counterNames
	cachedNumber atomic.Int32
)

// counters returns the names of p's counters: retry.<Name>.retries,
// .succeeded_after_retry, .exhausted, .stopped, .canceled and
// .classifier_panics, with "unnamed" for an empty Name.
func (p *Policy) counters() *counterNames {
	if n, ok := cachedNames.Load(p.Name); ok {
		return n.(*counterNames)
	}
	name := p.Name
	if name == "" {
		name = "unnamed"
	}
	n := &counterNames{
		retries:   stats.Name("retry", name, "retries"),
		succeeded: stats.Name("retry", name, "succeeded_after_retry"),
		exhausted: stats.Name("retry", name, "exhausted"),
		stopped:   stats.Name("retry", name, "stopped"),
		canceled:  stats.Name("retry", name, "canceled"),

		classifierPanics: stats.Name("retry", name, "classifier_panics"),
	}
	if cachedNumber.Load() < maxCachedNames {
		if _, loaded := cachedNames.LoadOrStore(p.Name, n); !loaded {
			cachedNumber.Add(1)
		}
	}
	return n
}
