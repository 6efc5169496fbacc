package stats

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestAggregatorFallsBackWhenTheSlotIsTaken(t *testing.T) {
	var a aggregator
	made := 0
	mk := func() *Counter { made++; return &Counter{} }
	c := a.counter("x", []Tag{T("k", "v")}, mk)
	assert.NotNil(t, c)
	assert.Same(t, c, a.counter("x", []Tag{T("k", "v")}, mk), "same series, same counter")
	assert.Equal(t, 1, made)
	for i := range a.slots {
		if e := a.slots[i].Load(); e != nil {
			a.slots[i].Store(&aggSeries{name: "other", c: &Counter{}})
		}
	}
	assert.Nil(t, a.counter("x", []Tag{T("k", "v")}, mk), "slot owned by another series: send line by line")
}
