package level

import (
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestServed(t *testing.T) {
	assert.Equal(t, slog.LevelInfo, Served(false, false))
	assert.Equal(t, slog.LevelWarn, Served(false, true))
	assert.Equal(t, slog.LevelError, Served(true, false))
	assert.Equal(t, slog.LevelError, Served(true, true), "a failure wins over a refusal")
}

func TestCalled(t *testing.T) {
	for _, c := range []struct {
		rejected, noAnswer, failed bool
		want                       slog.Level
	}{
		{false, false, false, slog.LevelInfo},
		{false, false, true, slog.LevelWarn},
		{false, true, false, slog.LevelError},
		{false, true, true, slog.LevelError},
		{true, false, false, slog.LevelWarn},
		{true, true, true, slog.LevelWarn}, // a rejection is one warning per call, however it is reported
	} {
		assert.Equal(t, c.want, Called(c.rejected, c.noAnswer, c.failed), "%+v", c)
	}
}
