package statement

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/kafarr/kafarr/internal/adbcerr"
	"github.com/kafarr/kafarr/kafkaio"
)

// recordReader streams a query's result. It pulls records from Kafka only
// as the caller asks for batches, so memory stays bounded by
// kafarr.read.batch_rows whatever the topic's length. Under a consumer
// group it commits, when the stream ends or is released, the offsets of
// exactly the rows the caller received.
type recordReader struct {
	refs atomic.Int64
	mem  memory.Allocator
	plan *readPlan
	e    *execution
	s    *scan

	// ordered holds the sorted result under ORDER BY, handed out in
	// slices of batch_rows.
	ordered arrow.RecordBatch
	orderAt int64
	sorted  bool
	widened []kafkaio.PartitionRange // the windows of the next ORDER BY read

	cur  arrow.RecordBatch
	rows int64 // rows delivered
	err  error
	once sync.Once // commit
}

var _ array.RecordReader = (*recordReader)(nil)

// newRecordReader streams an execution's rows. It takes ownership of the
// execution.
func newRecordReader(e *execution, mem memory.Allocator) (*recordReader, error) {
	p := e.plan
	if p.set.Group != "" && p.q.OrderBy != nil {
		e.close()
		return nil, adbcerr.NewState(adbc.StatusNotImplemented, adbcerr.FeatureNotSupported,
			"ORDER BY cannot be combined with kafarr.consumer.group: a group commits offsets in log order")
	}
	s, err := newScan(e, mem)
	if err != nil {
		e.close()
		return nil, err
	}
	r := &recordReader{mem: mem, plan: p, e: e, s: s}
	r.refs.Store(1)
	return r, nil
}

func (r *recordReader) Retain() { r.refs.Add(1) }

// Release frees the reader once the last reference is gone: it commits a
// consumer group's offsets if the stream did not end, stops reading and
// frees every buffer.
func (r *recordReader) Release() {
	if r.refs.Add(-1) != 0 {
		return
	}
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.ordered != nil {
		r.ordered.Release()
		r.ordered = nil
	}
	_ = r.commit()
	r.s.release()
	r.e.close()
}

// Schema returns the result schema, with the result metadata.
func (r *recordReader) Schema() *arrow.Schema { return r.plan.outSchema }

// RecordBatch returns the current batch; valid until the next Next call.
func (r *recordReader) RecordBatch() arrow.RecordBatch { return r.cur }

// Record is RecordBatch.
func (r *recordReader) Record() arrow.RecordBatch { return r.cur }

// Err returns the error that ended the stream, if any.
func (r *recordReader) Err() error { return r.err }

// Next advances to the next batch.
func (r *recordReader) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.err != nil {
		return false
	}
	// A cancelled read ends here, before anything more is built: the
	// scan may hold records fetched ahead, which are not the caller's
	// any more.
	if cerr := r.e.ctx.Err(); cerr != nil {
		r.err = r.stopped(cerr)
		return false
	}
	var (
		built arrow.RecordBatch
		err   error
	)
	if r.plan.q.OrderBy != nil {
		built, err = r.nextOrdered()
	} else {
		built, err = r.s.next()
	}
	if err != nil {
		if cerr := r.e.ctx.Err(); cerr != nil {
			// Whatever the cancel interrupted (a fetch wait, a
			// registry lookup), the cause is the cancel.
			err = r.stopped(cerr)
		}
		r.err = err
		return false
	}
	if built == nil {
		r.err = r.commit()
		return false
	}
	r.cur = r.project(built)
	built.Release()
	r.rows += r.cur.NumRows()
	return true
}

// stopped is the error of a read whose context ended (cause is its Err):
// Cancelled, or Timeout at the caller's deadline, naming the topic, the
// rows delivered and, per partition not finished, the offset after the
// last row delivered, where a consumer group's next read continues. Rows
// built but not delivered do not count: the caller never sees them.
func (r *recordReader) stopped(cause error) error {
	p, s := r.plan, r.s
	what := "cancelled"
	if errors.Is(cause, context.DeadlineExceeded) {
		what = "the caller's deadline passed"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "reading topic %q: %s after %d rows", p.snap.Topic, what, r.rows)
	var short []string
	for _, rg := range r.e.ranges {
		at, ok := s.pos[rg.Partition]
		if !ok {
			at = rg.Start
		}
		switch {
		case p.set.Follow:
			short = append(short, fmt.Sprintf("partition %d at offset %d", rg.Partition, at))
		case at < rg.End:
			short = append(short, fmt.Sprintf("partition %d at offset %d of end %d", rg.Partition, at, rg.End))
		}
	}
	if len(short) > 0 {
		fmt.Fprintf(&b, "; not finished: %s", strings.Join(short, ", "))
	}
	if p.set.Group != "" {
		fmt.Fprintf(&b, " (consumer group %q commits the rows delivered)", p.set.Group)
	}
	return adbcerr.New(adbcerr.Status(cause), "%s", b.String())
}

// project picks the result columns out of a built batch. A field inside a
// struct column is null where the struct is: an Arrow struct's children
// keep their own validity, which says nothing for rows where the parent
// is null.
func (r *recordReader) project(built arrow.RecordBatch) arrow.RecordBatch {
	cols := make([]arrow.Array, len(r.plan.out))
	var owned []arrow.Array
	for i, oc := range r.plan.out {
		a := built.Column(oc.index)
		for _, ci := range oc.path {
			st := a.(*array.Struct)
			child := st.Field(ci)
			if st.NullN() > 0 {
				child = withParentNulls(r.mem, st, child)
				owned = append(owned, child)
			}
			a = child
		}
		cols[i] = a
	}
	out := array.NewRecordBatch(r.plan.outSchema, cols, built.NumRows())
	for _, a := range owned {
		a.Release()
	}
	return out
}

// withParentNulls returns child with its validity ANDed with its parent
// struct's; the caller releases it. Children without a validity bitmap of
// their own (unions) are returned as they are, retained.
func withParentNulls(mem memory.Allocator, parent *array.Struct, child arrow.Array) arrow.Array {
	d := child.Data()
	switch child.DataType().ID() {
	case arrow.SPARSE_UNION, arrow.DENSE_UNION, arrow.NULL, arrow.RUN_END_ENCODED:
		child.Retain()
		return child
	}
	n, off := child.Len(), d.Offset()
	bits := memory.NewResizableBuffer(mem)
	bits.Resize(int(bitutil.BytesForBits(int64(off + n))))
	b := bits.Bytes()
	for i := range b {
		b[i] = 0
	}
	nulls := 0
	for i := 0; i < n; i++ {
		if parent.IsValid(i) && child.IsValid(i) {
			bitutil.SetBit(b, off+i)
		} else {
			nulls++
		}
	}
	bufs := append([]*memory.Buffer{bits}, d.Buffers()[1:]...)
	nd := array.NewData(d.DataType(), n, bufs, d.Children(), nulls, off)
	bits.Release()
	if d.DataType().ID() == arrow.DICTIONARY {
		nd.SetDictionary(d.Dictionary())
	}
	out := array.MakeFromData(nd)
	nd.Release()
	return out
}

// commit commits a consumer group's offsets once: those of exactly the
// rows the caller received. It runs when the stream ends or is released,
// and so does not depend on the read's context, which may be cancelled by
// then; it has the read timeout of its own.
func (r *recordReader) commit() (err error) {
	r.once.Do(func() {
		p, e := r.plan, r.e
		if p.set.Group == "" || e.kr == nil {
			return
		}
		offsets := r.s.commitOffsets(e.kr)
		ctx, cancel := context.WithTimeout(context.WithoutCancel(e.ctx), p.set.Timeout)
		defer cancel()
		if cerr := e.sess.Admin.CommitOffsets(ctx, p.set.Group, p.snap.Topic, offsets); cerr != nil {
			err = adbcerr.Wrap(cerr, "committing the offsets of consumer group %q on topic %q", p.set.Group, p.snap.Topic)
		}
	})
	return err
}

// progress returns the records read and the total the snapshot implies.
func (r *recordReader) progress() (done, total int64) {
	kr := r.e.shown.Load()
	if kr == nil {
		return 0, r.plan.snap.Total()
	}
	return kr.Progress()
}
