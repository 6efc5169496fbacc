package grpcmw

import (
	"sync/atomic"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/vitals-go/vitals/stats"
)

// Stat names emitted by the interceptors.
const (
	// StatServerRequests counts calls served, tagged method and code.
	StatServerRequests = "grpc.server.requests"
	// StatServerDuration times calls served (a stream from its start to
	// the handler's return), tagged method and code.
	StatServerDuration = "grpc.server.duration"
	// StatServerInFlight gauges the calls being served.
	StatServerInFlight = "grpc.server.in_flight"
	// StatClientRequests counts outbound calls, tagged target, method and
	// code; CodeRejected for calls an open breaker refused, CodeUnsent for
	// calls refused before sending.
	StatClientRequests = "grpc.client.requests"
	// StatClientDuration times outbound calls (a stream until it ends),
	// tagged target, method and code. Calls that were not sent, unsent or
	// rejected, are not timed: their near-zero times would drag the
	// latency panels down.
	StatClientDuration = "grpc.client.duration"
)

// CodeRejected is the code tag (and the log record's code) of an outbound
// call that an open breaker refused: it was never sent. The caller gets
// codes.Unavailable.
const CodeRejected = "rejected"

// OtherMethod is the method tag used once MaxMethods distinct methods (per
// target, on the client) have been seen, so that a client probing random
// method names cannot grow the stats without bound.
const OtherMethod = "other"

// DefaultMaxMethods is the bound on distinct method tags when MaxMethods is
// zero.
const DefaultMaxMethods = 1000

// numCodes is the number of gRPC codes (OK to Unauthenticated); slot
// numCodes holds CodeRejected, slot numCodes+1 CodeUnsent.
const numCodes = int(codes.Unauthenticated) + 1

// codeSlot returns the stats slot of a code; codes outside the standard
// range count as Unknown.
func codeSlot(c codes.Code) int {
	if int(c) >= numCodes {
		return int(codes.Unknown)
	}
	return int(c)
}

// codeName returns the tag value of a slot.
func codeName(slot int) string {
	switch slot {
	case slotRejected:
		return CodeRejected
	case slotUnsent:
		return CodeUnsent
	}
	return codes.Code(slot).String()
}

// series holds the handles of one method (and target): a counter and the
// tags for each code, built on first use.
type series struct {
	emitter stats.Emitter
	counter string
	timing  string
	tags    []stats.Tag // without the code
	codes   [numCodes + 2]atomic.Pointer[codeSeries]
}

type codeSeries struct {
	requests *stats.Counter
	tags     []stats.Tag
}

// record counts one call ending with the code of slot, taking d.
func (s *series) record(slot int, d time.Duration) {
	c := s.handles(slot)
	c.requests.Inc()
	s.emitter.Timing(s.timing, d, c.tags...)
}

// count counts one call ending with the code of slot, without timing it:
// a call that was never sent took no time worth a latency panel.
func (s *series) count(slot int) { s.handles(slot).requests.Inc() }

// handles returns the handles of slot, built on first use.
func (s *series) handles(slot int) *codeSeries {
	c := s.codes[slot].Load()
	if c == nil {
		tags := append(append(make([]stats.Tag, 0, len(s.tags)+1), s.tags...), stats.T("code", codeName(slot)))
		c = &codeSeries{requests: s.emitter.NewCounter(s.counter, tags...), tags: tags}
		if !s.codes[slot].CompareAndSwap(nil, c) {
			c = s.codes[slot].Load()
		}
	}
	return c
}
