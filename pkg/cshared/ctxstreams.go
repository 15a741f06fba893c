// Hand-written companion of the export layer that build.sh generates from
// arrow-adbc's templates. build.sh copies this file into the generated
// package (rewriting its package clause to main) and patches the generated
// connection functions to use it; here it is an ordinary package, so its
// test runs with go test ./pkg/cshared/. Keep it pure Go: no cgo, no build
// tags, nothing from the generated code.

package cshared

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow/array"
)

// streamContexts gives each result stream of a connection a context of its
// own. The template's connection keeps one context, for its latest call:
// every call (newContext) cancels the previous call's context, so a stream
// whose reading used that context would end as soon as the connection ran
// anything else. A stream context instead derives from
// context.Background() and lives until the stream is released, or until
// cancelStreams (AdbcConnectionCancel, AdbcConnectionRelease) cancels
// every stream of the connection that is still open.
//
// Only open streams are registered (a stream's release removes it), so the
// set does not grow with the number of streams a connection has read. It
// is safe for concurrent use: ADBC requires Cancel to be callable from
// another thread, and a stream may be released on any thread.
type streamContexts struct {
	mu   sync.Mutex
	next uint64
	open map[uint64]context.CancelFunc
}

// streamContext returns a new registered context, and done, which cancels
// it and removes it from the set. done is idempotent.
func (s *streamContexts) streamContext() (ctx context.Context, done func()) {
	ctx, cancel := context.WithCancel(context.Background())
	s.mu.Lock()
	if s.open == nil {
		s.open = make(map[uint64]context.CancelFunc)
	}
	id := s.next
	s.next++
	s.open[id] = cancel
	s.mu.Unlock()
	return ctx, func() {
		cancel()
		s.mu.Lock()
		delete(s.open, id)
		s.mu.Unlock()
	}
}

// openStream runs open, a connection call that returns a stream, with a
// new stream context. The reader it returns cancels and unregisters that
// context when its last reference is released; when open fails (or
// panics), the context is cancelled at once.
func (s *streamContexts) openStream(open func(context.Context) (array.RecordReader, error)) (array.RecordReader, error) {
	ctx, done := s.streamContext()
	kept := false
	defer func() {
		if !kept {
			done()
		}
	}()
	rdr, err := open(ctx)
	if err != nil || rdr == nil {
		return rdr, err
	}
	kept = true
	r := &streamReader{RecordReader: rdr, done: done}
	r.refs.Store(1)
	return r, nil
}

// cancelStreams cancels the context of every stream still open and
// forgets them; their readers' releases later find nothing to remove.
func (s *streamContexts) cancelStreams() {
	s.mu.Lock()
	open := s.open
	s.open = nil
	s.mu.Unlock()
	for _, cancel := range open {
		cancel()
	}
}

// openStreamCount is the number of registered stream contexts.
func (s *streamContexts) openStreamCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.open)
}

// streamReader is a stream's reader that ends its stream context when its
// last reference is released. The wrapped reader is released first, so
// its own Release runs under a live context, as it does today.
type streamReader struct {
	array.RecordReader
	refs atomic.Int64
	done func()
}

func (r *streamReader) Retain() {
	r.refs.Add(1)
	r.RecordReader.Retain()
}

func (r *streamReader) Release() {
	r.RecordReader.Release()
	if r.refs.Add(-1) == 0 {
		r.done()
	}
}
