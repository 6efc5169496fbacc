package log

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"log/slog"
	"sync/atomic"

	"go.opentelemetry.io/otel/trace"

	"github.com/vitals-go/vitals/reqid"
)

// cacheSlots is the number of field sets a handler tree remembers.
const (
	cacheBits  = 8
	cacheSlots = 1 << cacheBits
)

// fieldCache remembers the fields to add to a record in a direct-mapped
// table, per handler, request ID, span context and context attributes (the
// ctxAttrs that With made, which never change), so that a lookup is one
// hash and one comparison and a collision only costs a rebuild.
//
// The key is what the context's values are, read for every record, never
// the context object: a context reused for the next request (a pooled
// framework context whose Value results change) must never log the
// previous request's fields.
type fieldCache struct {
	byState [cacheSlots]atomic.Pointer[entry]
}

// entry is the set of context fields for one combination of handler,
// request ID, span context and context attributes.
type entry struct {
	h   *handler
	rid string
	tid trace.TraceID
	sid trace.SpanID
	ca  *ctxAttrs

	fields []slog.Attr  // request_id, trace_id, span_id, then the context's attributes
	inline [3]slog.Attr // storage for fields when the context carries no attributes
	// static are the fields encoded once (derived), lazy the LogValuers
	// among them, resolved at every record: their value may still change
	// (a route the router sets after the middleware attached it).
	static, lazy []slog.Attr

	mask uint64 // keyBit of every key in fields

	seen    atomic.Int32
	derived atomic.Pointer[derived]
}

// fields returns the context fields for what ctx carries, or nil when it
// carries nothing. The entry's fields may be empty when the logger's
// attributes use every key.
func (h *handler) fields(ctx context.Context) *entry {
	rid, _ := reqid.From(ctx)
	var tid trace.TraceID
	var sid trace.SpanID
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		tid, sid = sc.TraceID(), sc.SpanID()
	}
	ca := attrsFrom(ctx)
	if rid == "" && !tid.IsValid() && ca == nil {
		return nil
	}
	var caSeq uint64
	if ca != nil {
		caSeq = ca.seq
	}
	x := h.seq*0x9e3779b97f4a7c15 ^ caSeq*0xc2b2ae3d27d4eb4f ^ strBits(rid) ^ binary.LittleEndian.Uint64(sid[:]) ^ binary.LittleEndian.Uint64(tid[8:])
	slot := &h.cache.byState[(x*0x9e3779b97f4a7c15)>>(64-cacheBits)]
	if e := slot.Load(); e != nil && e.h == h && e.rid == rid && e.tid == tid && e.sid == sid && e.ca == ca {
		return e
	}
	e := h.newEntry(rid, tid, sid, ca)
	slot.Store(e)
	return e
}

// newEntry builds the fields for one combination, under the rule of
// NewHandler after the handler's own keys.
func (h *handler) newEntry(rid string, tid trace.TraceID, sid trace.SpanID, ca *ctxAttrs) *entry {
	e := &entry{h: h, rid: rid, tid: tid, sid: sid, ca: ca}
	var ids [3]slog.Attr
	given := ids[:0]
	if rid != "" {
		given = append(given, slog.String(KeyRequestID, rid))
	}
	if tid.IsValid() {
		// One string for both IDs: one allocation.
		var buf [2*len(tid) + 2*len(sid)]byte
		hex.Encode(buf[:], tid[:])
		hex.Encode(buf[2*len(tid):], sid[:])
		ids := string(buf[:])
		given = append(given, slog.String(KeyTraceID, ids[:2*len(tid)]), slog.String(KeySpanID, ids[2*len(tid):]))
	}
	o := object{prior: [2][]slog.Attr{h.prior}, lazy: true}
	e.fields = e.inline[:0]
	if ca != nil {
		e.fields = make([]slog.Attr, 0, len(given)+len(ca.attrs))
	}
	e.fields = o.add(e.fields, given)
	if ca != nil {
		e.fields = o.add(e.fields, ca.attrs)
	}
	e.mask = keyBits(e.fields)
	e.static = e.fields
	for _, f := range e.fields {
		if f.Value.Kind() == slog.KindLogValuer {
			e.lazy = append(e.lazy, f)
		}
	}
	if e.lazy != nil {
		e.static = make([]slog.Attr, 0, len(e.fields)-len(e.lazy))
		for _, f := range e.fields {
			if f.Value.Kind() != slog.KindLogValuer {
				e.static = append(e.static, f)
			}
		}
	}
	return e
}

// strBits returns a cheap hash input from s: its length and its first and
// last eight bytes.
func strBits(s string) uint64 {
	if len(s) < 8 {
		var x uint64
		for i := 0; i < len(s); i++ {
			x = x<<8 | uint64(s[i])
		}
		return x
	}
	return uint64(len(s)) ^ le64s(s[:8]) ^ le64s(s[len(s)-8:])*0xff51afd7ed558ccd
}

// le64s is binary.LittleEndian.Uint64 for the first eight bytes of a string.
func le64s(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}
