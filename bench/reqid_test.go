package bench

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/vitals-go/vitals/internal/benchmetric"
	"github.com/vitals-go/vitals/reqid"
)

// Request IDs: vitals' 128-bit hex ID against github.com/google/uuid's random
// (version 4) UUID string. Target: reqid.New at most half of uuid.NewString,
// one allocation.

func BenchmarkReqidNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = reqid.New()
	}
}

func BenchmarkReqidUUIDNewString(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = uuid.NewString()
	}
}

func BenchmarkReqidNewParallel(b *testing.B) {
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_ = reqid.New()
		}
	})
}

func BenchmarkReqidUUIDNewStringParallel(b *testing.B) {
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_ = uuid.NewString()
		}
	})
}

// BenchmarkReqidRatio reports reqid.New's cost as a fraction of
// uuid.NewString's (x-uuid), measured in alternating stretches; target <= 0.5.
func BenchmarkReqidRatio(b *testing.B) {
	b.ReportMetric(benchmetric.PairedRatio(b, func() { _ = uuid.NewString() }, func() { _ = reqid.New() }), "x-uuid")
}

// Carrying the ID in a context: reqid.With (one allocation) against the
// standard library's way, context.WithValue with the string boxed (two), and
// reading it back from below a cancel context, as a handler's logger does.

type benchIDKey struct{}

// ctxSink keeps the contexts made in the loops on the heap, as a request's
// context is.
var ctxSink context.Context

func BenchmarkReqidWith(b *testing.B) {
	id := reqid.New()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		ctxSink = reqid.With(ctx, id)
	}
}

func BenchmarkReqidContextWithValue(b *testing.B) {
	id := reqid.New()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		ctxSink = context.WithValue(ctx, benchIDKey{}, id)
	}
}

func BenchmarkReqidFrom(b *testing.B) {
	ctx, cancel := context.WithCancel(reqid.With(context.Background(), reqid.New()))
	defer cancel()
	b.ReportAllocs()
	for b.Loop() {
		_, _ = reqid.From(ctx)
	}
}

func BenchmarkReqidContextValue(b *testing.B) {
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), benchIDKey{}, reqid.New()))
	defer cancel()
	b.ReportAllocs()
	for b.Loop() {
		_, _ = ctx.Value(benchIDKey{}).(string)
	}
}
