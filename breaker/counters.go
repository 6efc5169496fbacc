package breaker

import (
	"github.com/vitals-go/vitals/stats"
)

// counterID names one of a breaker's stats counters. Only
// breaker.<name>.calls.success is made by New; the others are made at their
// first use. A statsd handle keeps its series' text and a registry entry
// (about 150 B), most breakers never reject, panic, time out or go
// half-open, and twelve handles made up front were two thirds of a
// breaker's memory. A counter not made yet has counted nothing, which a
// statsd emitter would not send anyway (it sends a counter only when it
// changed); an OpenTelemetry exporter shows the series from its first count.
type counterID uint8

const (
	callsBy          counterID = 0 // + an Outcome: calls.success, calls.failure, calls.ignored
	rejectedCalls    counterID = callsBy + counterID(len(outcomeNames))
	slowCalls        counterID = rejectedCalls + 1
	panickedCalls    counterID = rejectedCalls + 2
	classifierPanics counterID = rejectedCalls + 3
	transitionsTo    counterID = rejectedCalls + 4 // + a State
	numCounters      counterID = transitionsTo + counterID(len(stateNames))
)

// name is the stats name of counter id of the breaker named breaker.
func (id counterID) name(breaker string) string {
	switch {
	case id < rejectedCalls:
		return stats.Name("breaker", breaker, "calls", outcomeNames[id-callsBy])
	case id == rejectedCalls:
		return stats.Name("breaker", breaker, "calls", "rejected")
	case id == slowCalls:
		return stats.Name("breaker", breaker, "calls", "slow")
	case id == panickedCalls:
		return stats.Name("breaker", breaker, "calls", "panicked")
	case id == classifierPanics:
		return stats.Name("breaker", breaker, "classifier_panics")
	}
	return stats.Name("breaker", breaker, "transitions", stateNames[id-transitionsTo])
}

// noCounter marks the slot of a counter that the emitter made as nil (as
// stats.Discard does), so that it is asked only once.
var noCounter stats.Counter

// counter returns counter id, making it at its first use: after that, an
// atomic load and a compare.
func (b *Breaker) counter(id counterID) *stats.Counter {
	c := b.counters[id].Load()
	if c == nil {
		c = b.makeCounter(id)
	}
	if c == &noCounter {
		return nil // a nil handle counts nothing, as the emitter asked
	}
	return c
}

// makeCounter asks the emitter for counter id. Two calls may race to make
// it: the first one stored wins, so that no count goes to a handle that the
// breaker then forgets (an emitter may return a new handle each time).
func (b *Breaker) makeCounter(id counterID) *stats.Counter {
	c := b.emitter.NewCounter(id.name(b.name))
	if c == nil {
		c = &noCounter
	}
	if !b.counters[id].CompareAndSwap(nil, c) {
		c = b.counters[id].Load()
	}
	return c
}
