package level

import (
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestServed checks each row of the server half of the table.
func TestServed(t *testing.T) {
	for _, c := range []struct {
		r    Request
		want slog.Level
	}{
		{Request{}, slog.LevelInfo},
		{Request{Failed: true}, slog.LevelError},
		{Request{Failed: true, Refused: true, ClientGone: true}, slog.LevelError},
		{Request{Failed: true, Shed: true}, slog.LevelWarn},
		{Request{Shed: true, ClientGone: true}, slog.LevelWarn},
		{Request{Refused: true}, slog.LevelWarn},
		{Request{ClientGone: true}, slog.LevelInfo},
		{Request{ClientGone: true, Refused: true}, slog.LevelInfo},
	} {
		assert.Equal(t, c.want, Served(c.r), "%+v", c.r)
	}
}

// TestCalled checks each row of the client half of the table.
func TestCalled(t *testing.T) {
	for _, c := range []struct {
		c    Call
		want slog.Level
	}{
		{Call{}, slog.LevelInfo},
		{Call{Cancelled: true, NoAnswer: true}, slog.LevelInfo},
		{Call{Rejected: true}, slog.LevelDebug},
		{Call{Rejected: true, NoAnswer: true, DownstreamFailed: true}, slog.LevelDebug},
		{Call{Unsent: true, NoAnswer: true}, slog.LevelWarn},
		{Call{NoAnswer: true}, slog.LevelError},
		{Call{NoAnswer: true, DownstreamFailed: true}, slog.LevelError},
		{Call{DownstreamFailed: true}, slog.LevelWarn},
	} {
		assert.Equal(t, c.want, Called(c.c), "%+v", c.c)
	}
}
