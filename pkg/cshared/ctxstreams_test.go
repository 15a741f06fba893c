package cshared

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// cancellableContext is a verbatim copy of the type of the same name in
// arrow-adbc's go/adbc/pkg/_tmpl/driver.go.tmpl, which the generated cConn
// embeds: each connection call takes newContext(), which cancels the
// previous call's context; AdbcConnectionCancel and AdbcConnectionRelease
// call cancelContext().
type cancellableContext struct {
	ctx    context.Context
	cancel context.CancelFunc
}

func (c *cancellableContext) newContext() context.Context {
	c.cancelContext()
	c.ctx, c.cancel = context.WithCancel(context.Background())
	return c.ctx
}

func (c *cancellableContext) cancelContext() {
	if c.cancel != nil {
		c.cancel()
	}
	c.ctx = nil
	c.cancel = nil
}

// testConn is the generated cConn as build.sh patches it.
type testConn struct {
	cancellableContext
	streamContexts
}

// The patched AdbcConnectionCancel and AdbcConnectionRelease.
func (c *testConn) adbcCancel()  { c.cancelContext(); c.cancelStreams() }
func (c *testConn) adbcRelease() { c.cancelStreams(); c.cancelContext() }

// otherCall stands for GetObjects, GetTableSchema, Commit...: a connection
// call that does not return a stream and so still takes newContext().
func (c *testConn) otherCall() { _ = c.newContext() }

// exported does what the generated code does with a stream: export it
// (exportRecordReader retains the reader) and drop its own reference
// (defer rdr.Release()). The returned function is the C stream's release.
func exported(t *testing.T, c *testConn, open func(context.Context) (array.RecordReader, error)) (release func()) {
	t.Helper()
	rdr, err := c.openStream(open)
	if err != nil {
		t.Fatal(err)
	}
	rdr.Retain()
	rdr.Release()
	return rdr.Release
}

// ctxReader is a reader that honours its context, as kafarr's read path is
// about to: it yields n batches of one row, and ends with the context's
// error once the context is done.
type ctxReader struct {
	ctx       context.Context
	n         int
	refs      int
	cur       arrow.RecordBatch
	err       error
	ctxAtLast error // the context's error when the last reference went
}

var testSchema = arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil)

func newCtxReader(ctx context.Context, n int) *ctxReader {
	return &ctxReader{ctx: ctx, n: n, refs: 1}
}

func (r *ctxReader) Retain() { r.refs++ }
func (r *ctxReader) Release() {
	r.refs--
	if r.refs == 0 {
		r.ctxAtLast = r.ctx.Err()
		r.releaseCur()
	}
}
func (r *ctxReader) Schema() *arrow.Schema { return testSchema }
func (r *ctxReader) releaseCur() {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
}
func (r *ctxReader) Next() bool {
	r.releaseCur()
	if err := r.ctx.Err(); err != nil {
		r.err = err
		return false
	}
	if r.n == 0 {
		return false
	}
	r.n--
	b := array.NewInt64Builder(memory.DefaultAllocator)
	defer b.Release()
	b.Append(int64(r.n))
	col := b.NewArray()
	defer col.Release()
	r.cur = array.NewRecordBatch(testSchema, []arrow.Array{col}, 1)
	return true
}
func (r *ctxReader) RecordBatch() arrow.RecordBatch { return r.cur }
func (r *ctxReader) Record() arrow.RecordBatch      { return r.cur }
func (r *ctxReader) Err() error                     { return r.err }

// drain reads every remaining batch and returns the rows read.
func drain(rdr array.RecordReader) (int64, error) {
	var rows int64
	for rdr.Next() {
		rows += rdr.RecordBatch().NumRows()
	}
	return rows, rdr.Err()
}

// The bug build.sh patches away, on the unpatched shape: a stream opened
// with the connection's call context ends at the connection's next call.
func TestCallContextStreamEndsAtNextCall(t *testing.T) {
	var c testConn
	rdr := newCtxReader(c.newContext(), 10)
	defer rdr.Release()
	if !rdr.Next() {
		t.Fatal("no first batch")
	}
	c.otherCall()
	rows, err := drain(rdr)
	if !errors.Is(err, context.Canceled) || rows != 0 {
		t.Fatalf("stream on a call context after another call: %d rows, err %v; want 0 rows, context.Canceled", rows, err)
	}
}

// A stream context survives any number of later connection calls and
// other streams, and the stream reads to its end.
func TestStreamContextSurvivesLaterCalls(t *testing.T) {
	var c testConn
	var first *ctxReader
	release1 := exported(t, &c, func(ctx context.Context) (array.RecordReader, error) {
		first = newCtxReader(ctx, 10)
		return first, nil
	})
	if !first.Next() {
		t.Fatal("no first batch")
	}
	c.otherCall() // GetObjects
	c.otherCall() // GetTableSchema
	var second *ctxReader
	release2 := exported(t, &c, func(ctx context.Context) (array.RecordReader, error) {
		second = newCtxReader(ctx, 3)
		return second, nil
	})
	c.otherCall() // GetInfo
	if got := c.openStreamCount(); got != 2 {
		t.Fatalf("open streams: %d, want 2", got)
	}
	rows, err := drain(first)
	if err != nil || rows != 9 {
		t.Fatalf("first stream after later calls: %d rows, err %v; want 9 rows, no error", rows, err)
	}
	if rows, err := drain(second); err != nil || rows != 3 {
		t.Fatalf("second stream: %d rows, err %v; want 3 rows, no error", rows, err)
	}

	// Releasing a stream ends its context, after the reader's own release,
	// and unregisters it.
	release1()
	if first.refs != 0 {
		t.Fatalf("first reader has %d references after the stream's release, want 0", first.refs)
	}
	if first.ctxAtLast != nil {
		t.Fatalf("the reader's last release ran under a done context (%v)", first.ctxAtLast)
	}
	if first.ctx.Err() == nil {
		t.Fatal("first stream's context is live after the stream's release")
	}
	if second.ctx.Err() != nil {
		t.Fatal("releasing the first stream cancelled the second")
	}
	if got := c.openStreamCount(); got != 1 {
		t.Fatalf("open streams after one release: %d, want 1", got)
	}
	release2()
	if got := c.openStreamCount(); got != 0 {
		t.Fatalf("open streams after both releases: %d, want 0", got)
	}
}

// AdbcConnectionCancel and AdbcConnectionRelease cancel every open
// stream of the connection; the connection stays usable after Cancel.
func TestCancelAndReleaseCancelOpenStreams(t *testing.T) {
	for name, end := range map[string]func(*testConn){
		"cancel":  (*testConn).adbcCancel,
		"release": (*testConn).adbcRelease,
	} {
		t.Run(name, func(t *testing.T) {
			var c testConn
			var rdrs []*ctxReader
			var releases []func()
			for range 3 {
				releases = append(releases, exported(t, &c, func(ctx context.Context) (array.RecordReader, error) {
					r := newCtxReader(ctx, 5)
					rdrs = append(rdrs, r)
					return r, nil
				}))
				c.otherCall()
			}
			releases[2]() // one stream already released
			call := c.newContext()

			end(&c)

			if call.Err() == nil {
				t.Error("the connection's call context is live after " + name)
			}
			for i, r := range rdrs[:2] {
				if !r.Next() {
					rows, err := drain(r)
					if !errors.Is(err, context.Canceled) {
						t.Errorf("stream %d after %s: %d rows, err %v; want context.Canceled", i, name, rows, err)
					}
				} else {
					t.Errorf("stream %d yields a batch after %s", i, name)
				}
			}
			if got := c.openStreamCount(); got != 0 {
				t.Fatalf("open streams after %s: %d, want 0", name, got)
			}
			// The streams' releases still come, and find nothing to remove.
			releases[0]()
			releases[1]()
			for i, r := range rdrs {
				if r.refs != 0 {
					t.Errorf("reader %d has %d references, want 0", i, r.refs)
				}
			}
			if name == "cancel" {
				// A stream opened after Cancel is live.
				var r *ctxReader
				release := exported(t, &c, func(ctx context.Context) (array.RecordReader, error) {
					r = newCtxReader(ctx, 2)
					return r, nil
				})
				if rows, err := drain(r); err != nil || rows != 2 {
					t.Fatalf("stream after cancel: %d rows, err %v; want 2 rows", rows, err)
				}
				release()
			}
		})
	}
}

// A failed or panicking open leaves no context behind.
func TestOpenStreamFailure(t *testing.T) {
	var c testConn
	var got context.Context
	boom := errors.New("boom")
	rdr, err := c.openStream(func(ctx context.Context) (array.RecordReader, error) {
		got = ctx
		return nil, boom
	})
	if rdr != nil || !errors.Is(err, boom) {
		t.Fatalf("openStream: %v, %v; want nil, boom", rdr, err)
	}
	if got.Err() == nil || c.openStreamCount() != 0 {
		t.Fatalf("after a failed open: context err %v, %d open; want cancelled, 0", got.Err(), c.openStreamCount())
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("no panic")
			}
		}()
		_, _ = c.openStream(func(ctx context.Context) (array.RecordReader, error) {
			got = ctx
			panic("boom")
		})
	}()
	if got.Err() == nil || c.openStreamCount() != 0 {
		t.Fatalf("after a panicking open: context err %v, %d open; want cancelled, 0", got.Err(), c.openStreamCount())
	}
}

// The registry holds open streams only, however many a connection reads.
func TestStreamContextsDoNotAccumulate(t *testing.T) {
	var c testConn
	for range 10_000 {
		release := exported(t, &c, func(ctx context.Context) (array.RecordReader, error) {
			return newCtxReader(ctx, 0), nil
		})
		c.otherCall()
		release()
	}
	if got := c.openStreamCount(); got != 0 {
		t.Fatalf("open streams after 10000 read and released: %d, want 0", got)
	}
}

// Cancel may come from another thread while streams open and close.
func TestCancelConcurrentWithStreams(t *testing.T) {
	var c testConn
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 500 {
				rdr, err := c.openStream(func(ctx context.Context) (array.RecordReader, error) {
					return newCtxReader(ctx, 1), nil
				})
				if err != nil {
					t.Error(err)
					return
				}
				rdr.Release()
			}
		}()
	}
	for range 500 {
		c.cancelStreams()
	}
	wg.Wait()
	if got := c.openStreamCount(); got != 0 {
		t.Fatalf("open streams at the end: %d, want 0", got)
	}
}
