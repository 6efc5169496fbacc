package reqid_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/vitals-go/vitals/reqid"
)

func TestContext(t *testing.T) {
	_, ok := reqid.From(context.Background())
	assert.False(t, ok, "a bare context carries no ID")

	ctx := reqid.With(context.Background(), "abc")
	id, ok := reqid.From(ctx)
	assert.True(t, ok)
	assert.Equal(t, "abc", id)

	inner := reqid.With(ctx, "def")
	id, _ = reqid.From(inner)
	assert.Equal(t, "def", id, "the innermost ID wins")

	_, ok = reqid.From(reqid.With(ctx, ""))
	assert.False(t, ok, "an empty ID counts as none")
}

func BenchmarkFrom(b *testing.B) {
	ctx := reqid.With(context.Background(), reqid.New())
	b.ReportAllocs()
	for b.Loop() {
		_, _ = reqid.From(ctx)
	}
}
