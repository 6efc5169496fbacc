package main

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/alert"
)

// sinkFunc is a Sink whose Send is a function.
type sinkFunc struct {
	name string
	send func(ctx context.Context, ev alert.Event) error
}

func (s sinkFunc) Name() string                                   { return s.name }
func (s sinkFunc) Send(ctx context.Context, ev alert.Event) error { return s.send(ctx, ev) }

// deliver reports each sink's own outcome: one that panics or fails has
// not accepted, and one that never returns (ignoring its context) is
// given up at the deadline without holding up the others.
func TestDeliverSurvivesHostileSinks(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	sinks := []alert.Sink{
		sinkFunc{"ok", func(context.Context, alert.Event) error { return nil }},
		sinkFunc{"panics", func(context.Context, alert.Event) error { panic("boom") }},
		sinkFunc{"fails", func(context.Context, alert.Event) error { return errors.New("503 from upstream") }},
		sinkFunc{"hangs", func(context.Context, alert.Event) error { <-block; return nil }},
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	res := deliver(ctx, sinks, newEvent(alert.Alert{Summary: "disk full"}, alert.Firing, time.Now()))
	assert.Less(t, time.Since(start), 10*time.Second)
	require.Len(t, res, 4)
	assert.Equal(t, "ok: accepted", res[0].describe())
	assert.Contains(t, res[1].describe(), "panics: failed: send the alert to sink panics: panic: boom")
	assert.Equal(t, "fails: failed: 503 from upstream", res[2].describe())
	assert.Contains(t, res[3].describe(), "hangs: failed: send the alert to sink hangs: context deadline exceeded")
	assert.Equal(t, 1, accepted(res))
}
