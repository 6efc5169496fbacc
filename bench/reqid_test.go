package bench

import (
	"testing"

	"github.com/google/uuid"

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
