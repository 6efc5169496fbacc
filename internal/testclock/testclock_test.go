package testclock_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/vitals-go/vitals/internal/testclock"
)

var start = time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)

func TestAdvanceRunsDueCallbacksInOrderAtTheirTime(t *testing.T) {
	c := testclock.New(start)
	var got []string
	at := func(name string) func() {
		return func() { got = append(got, name+"@"+c.Now().Sub(start).String()) }
	}
	c.AfterFunc(3*time.Second, at("c"))
	c.AfterFunc(time.Second, func() {
		at("a")()
		c.AfterFunc(time.Second, at("b")) // due within this Advance
	})
	stop := c.AfterFunc(2*time.Second, at("stopped"))
	c.AfterFunc(time.Minute, at("later"))
	assert.True(t, stop())
	assert.False(t, stop(), "stopped already")

	c.Advance(5 * time.Second)
	assert.Equal(t, []string{"a@1s", "b@2s", "c@3s"}, got)
	assert.Equal(t, start.Add(5*time.Second), c.Now())
}

func TestSkipDefersDueCallbacksToTheNextAdvance(t *testing.T) {
	c := testclock.New(start)
	ran := false
	stop := c.AfterFunc(time.Second, func() { ran = true })
	c.Skip(2 * time.Second)
	assert.False(t, ran)
	assert.Equal(t, start.Add(2*time.Second), c.Now())
	c.Advance(0)
	assert.True(t, ran)
	assert.False(t, stop(), "the callback ran")
}
