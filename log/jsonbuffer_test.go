package log

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFreeBufferKeepsOnlySmallBuffers(t *testing.T) {
	huge := make([]byte, 0, maxPooledBuffer+1)
	freeBuffer(&huge)
	for range 10 {
		b := buffers.Get().(*[]byte)
		assert.LessOrEqual(t, cap(*b), maxPooledBuffer)
	}
}
