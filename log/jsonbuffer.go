package log

import "sync"

// maxPooledBuffer is the largest buffer kept for reuse, as in slog: a huge
// record's buffer is left to the garbage collector rather than held.
const maxPooledBuffer = 16 << 10

// buffers holds the buffers records are encoded in.
var buffers = sync.Pool{New: func() any {
	b := make([]byte, 0, 1024)
	return &b
}}

func freeBuffer(b *[]byte) {
	if cap(*b) > maxPooledBuffer {
		return
	}
	buffers.Put(b)
}
