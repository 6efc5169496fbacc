package log

import (
	"log/slog"
	"sync/atomic"
)

// sourceSlots is the number of call sites whose encoded source is kept:
// enough for the busy ones of a service.
const (
	sourceBits  = 10
	sourceSlots = 1 << sourceBits
)

// sources maps a call site's program counter to its encoded "source"
// attribute, in a direct-mapped table shared by every handler: slog looks
// the PC up and builds the group for every record (six allocations in Go
// 1.26), while a PC names the same function, file and line for the life
// of the process. A collision costs one lookup and encoding.
var sources [sourceSlots]atomic.Pointer[sourceEntry]

type sourceEntry struct {
	pc   uintptr
	json []byte // "source":{...}, or empty when slog leaves the source out
}

// appendSource appends the "source" attribute of r as slog's JSON handler
// does with AddSource: a group of the function, file and line of r.PC that
// are known, left out when r.PC is zero or none is known.
func (e *encoder) appendSource(r slog.Record) {
	if r.PC == 0 {
		return
	}
	slot := &sources[(uint64(r.PC)*0x9e3779b97f4a7c15)>>(64-sourceBits)]
	s := slot.Load()
	if s == nil || s.pc != r.PC {
		var enc encoder
		enc.attr(slog.Any(slog.SourceKey, r.Source()))
		s = &sourceEntry{pc: r.PC, json: enc.buf}
		slot.Store(s)
	}
	if len(s.json) == 0 {
		return
	}
	if e.comma {
		e.buf = append(e.buf, ',')
	}
	e.buf = append(e.buf, s.json...)
	e.comma = true
}
