package avroarrow

import (
	"sync"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// maxPooledPerSize bounds the free buffers a bufferPool keeps per size.
const maxPooledPerSize = 4

// bufferPool is the allocator of a BatchBuilder's columns. Buffers of a
// record come back to it when the consumer releases the record, and the
// next batch reuses them instead of allocating (and zeroing) new memory:
// a reader that streams batches and releases each before the next is
// built runs without allocating. Columns never read memory they did not
// write, so recycled buffers need no clearing.
//
// Records may be released after the builder, from any goroutine; once the
// pool is closed, frees go straight to the parent allocator.
type bufferPool struct {
	parent memory.Allocator

	mu     sync.Mutex
	free   map[int][][]byte // by length, as the parent allocated them
	closed bool
}

func newBufferPool(parent memory.Allocator) *bufferPool {
	return &bufferPool{parent: parent, free: map[int][][]byte{}}
}

func (p *bufferPool) Allocate(size int) []byte {
	p.mu.Lock()
	if list := p.free[size]; len(list) > 0 {
		b := list[len(list)-1]
		p.free[size] = list[:len(list)-1]
		p.mu.Unlock()
		return b
	}
	p.mu.Unlock()
	return p.parent.Allocate(size)
}

// Reallocate moves b to a buffer of size, from the pool when it has one,
// and pools b: growing goes through the pool too.
func (p *bufferPool) Reallocate(size int, b []byte) []byte {
	nb := p.Allocate(size)
	copy(nb, b)
	p.Free(b)
	return nb
}

func (p *bufferPool) Free(b []byte) {
	p.mu.Lock()
	if !p.closed && len(p.free[len(b)]) < maxPooledPerSize {
		p.free[len(b)] = append(p.free[len(b)], b)
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	p.parent.Free(b)
}

// close returns the pooled buffers to the parent; later frees pass
// through.
func (p *bufferPool) close() {
	p.mu.Lock()
	free := p.free
	p.free, p.closed = nil, true
	p.mu.Unlock()
	for _, list := range free {
		for _, b := range list {
			p.parent.Free(b)
		}
	}
}
