package log_test

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"testing"
	"time"
	_ "time/tzdata" // zones with daylight saving time, wherever the tests run
)

// FuzzJSONHandler reads a handler chain (WithAttrs, WithGroup) and a record
// from the fuzzer's bytes and requires NewJSONHandler to write what
// slog.NewJSONHandler writes for them.
func FuzzJSONHandler(f *testing.F) {
	f.Add([]byte{}) // zeros: a record with no time and no attributes; more in testdata/fuzz
	f.Fuzz(func(t *testing.T, program []byte) {
		p := fuzzProgram{data: program}
		opts, steps, r := p.build()
		requireSameAsSlog(t, opts, steps, r)
	})
}

// fuzzProgram reads values from the fuzzer's bytes; past their end it reads
// zeros, so that every input is a complete program.
type fuzzProgram struct{ data []byte }

var (
	fuzzZones = func() []*time.Location {
		zones := []*time.Location{time.UTC, time.Local, time.FixedZone("Z0", 0), time.FixedZone("P", 5*3600+45*60),
			time.FixedZone("S", -(17*60 + 30)), time.FixedZone("M", -59), time.FixedZone("F", 14*3600), time.FixedZone("D", 100*3600+60)}
		for _, name := range []string{"America/New_York", "Australia/Lord_Howe", "Europe/Dublin", "Pacific/Chatham"} {
			if z, err := time.LoadLocation(name); err == nil {
				zones = append(zones, z)
			}
		}
		return zones
	}()
	fuzzPCs = []uintptr{0, 1, here(), fuzzPC()}
)

func fuzzPC() uintptr { return here() }

// build reads the options, the handler's steps and the record.
func (p *fuzzProgram) build() (*slog.HandlerOptions, []step, slog.Record) {
	flags := p.byte()
	var opts *slog.HandlerOptions
	if flags&1 == 0 {
		opts = &slog.HandlerOptions{AddSource: flags&2 != 0}
	}
	var steps []step
	for n := p.byte() % 6; n > 0; n-- {
		if p.byte()%2 == 0 {
			steps = append(steps, withGroup(p.string()))
		} else {
			steps = append(steps, withAttrs(p.attrs(0)...))
		}
	}
	r := slog.NewRecord(p.time(), slog.Level(int8(p.byte())), p.string(), fuzzPCs[int(p.byte())%len(fuzzPCs)])
	r.AddAttrs(p.attrs(0)...)
	return opts, steps, r
}

func (p *fuzzProgram) byte() byte {
	if len(p.data) == 0 {
		return 0
	}
	b := p.data[0]
	p.data = p.data[1:]
	return b
}

func (p *fuzzProgram) uint64() uint64 {
	var b [8]byte
	p.data = p.data[copy(b[:], p.data):]
	return binary.LittleEndian.Uint64(b[:])
}

// string reads a length, below 64, then that many bytes, whatever they are.
func (p *fuzzProgram) string() string {
	n := min(int(p.byte()%64), len(p.data))
	s := string(p.data[:n])
	p.data = p.data[n:]
	return s
}

// attrs reads up to 7 attributes: more than a Record keeps inline.
func (p *fuzzProgram) attrs(depth int) []slog.Attr {
	as := make([]slog.Attr, p.byte()%8)
	for i := range as {
		as[i] = p.attr(depth)
	}
	return as
}

// attr reads one attribute of any kind; groups and LogValuers nest at most
// four deep.
func (p *fuzzProgram) attr(depth int) slog.Attr {
	key := p.string()
	kind := p.byte() % 18
	if depth >= 4 && (kind == 8 || kind == 11) {
		kind = 0
	}
	switch kind {
	case 1:
		return slog.Int64(key, int64(p.uint64()))
	case 2:
		return slog.Uint64(key, p.uint64())
	case 3:
		return slog.Float64(key, math.Float64frombits(p.uint64()))
	case 4:
		return slog.Float64(key, float64(int32(p.uint64()))/1000)
	case 5:
		return slog.Bool(key, p.byte()%2 == 1)
	case 6:
		return slog.Duration(key, time.Duration(p.uint64()))
	case 7:
		return slog.Time(key, p.time())
	case 8:
		return slog.Attr{Key: key, Value: slog.GroupValue(p.attrs(depth + 1)...)}
	case 9:
		return slog.Attr{}
	case 10:
		return slog.Any(key, nil)
	case 11:
		return slog.Any(key, valuer{p.attr(depth + 1).Value})
	case 12:
		return slog.Any(key, errors.New(p.string()))
	case 13:
		return slog.Any(key, []string{p.string(), p.string()})
	case 14:
		return slog.Any(key, map[string]any{p.string(): math.Float64frombits(p.uint64())})
	case 15:
		return slog.Any(key, &slog.Source{Function: p.string(), File: p.string(), Line: int(int8(p.byte()))})
	case 16:
		return slog.Any(key, json.RawMessage(p.string()))
	case 17:
		return slog.Any(key, struct {
			S string
			F float32
		}{p.string(), math.Float32frombits(uint32(p.uint64()))})
	}
	return slog.String(key, p.string())
}

// time reads a time: zero, or in one of fuzzZones from nanoseconds since
// 1970, from seconds of any size, or from a date around the years RFC 3339
// can write.
func (p *fuzzProgram) time() time.Time {
	kind, zone := p.byte(), fuzzZones[int(p.byte())%len(fuzzZones)]
	switch kind % 4 {
	case 1:
		return time.Unix(0, int64(p.uint64())).In(zone)
	case 2:
		return time.Unix(int64(p.uint64())>>(p.byte()%64), int64(p.uint64()%1e9)).In(zone)
	case 3:
		year := int(int16(p.uint64())) % 10100
		return time.Date(year, time.Month(p.byte()), int(p.byte()), int(p.byte()), int(p.byte()), int(p.byte()),
			int(p.uint64()%1e9), zone)
	}
	return time.Time{}
}
