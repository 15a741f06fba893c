package statement

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
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
	s    *scan

	ctx    context.Context
	cancel context.CancelFunc

	// ordered holds the sorted result under ORDER BY, handed out in
	// slices of batch_rows.
	ordered arrow.RecordBatch
	orderAt int64
	sorted  bool

	cur  arrow.RecordBatch
	err  error
	once sync.Once // commit
}

var _ array.RecordReader = (*recordReader)(nil)

// newRecordReader starts executing a plan. It takes ownership of the plan
// (and its Kafka reader).
func newRecordReader(p *readPlan, mem memory.Allocator) (*recordReader, error) {
	if p.set.group != "" && p.q.OrderBy != nil {
		p.close()
		return nil, adbc.Error{Code: adbc.StatusNotImplemented, Msg: "kafarr: ORDER BY cannot be combined with kafarr.consumer.group: a group commits offsets in log order"}
	}
	// Registry lookups during the read share the read's time budget; the
	// Kafka reader keeps its own deadline.
	ctx, cancel := context.WithTimeout(context.Background(), p.set.timeout+5*time.Second)
	s, err := newScan(ctx, p, mem)
	if err != nil {
		cancel()
		p.close()
		return nil, err
	}
	r := &recordReader{mem: mem, plan: p, s: s, ctx: ctx, cancel: cancel}
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
	r.plan.close()
	r.s.release()
	r.cancel()
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
		r.err = err
		return false
	}
	if built == nil {
		r.err = r.commit()
		return false
	}
	r.cur = r.project(built)
	built.Release()
	return true
}

// project picks the result columns out of a built batch.
func (r *recordReader) project(built arrow.RecordBatch) arrow.RecordBatch {
	cols := make([]arrow.Array, len(r.plan.out))
	for i, oc := range r.plan.out {
		a := built.Column(oc.index)
		for _, ci := range oc.path {
			a = a.(*array.Struct).Field(ci)
		}
		cols[i] = a
	}
	return array.NewRecordBatch(r.plan.outSchema, cols, built.NumRows())
}

// commit commits a consumer group's offsets once.
func (r *recordReader) commit() (err error) {
	r.once.Do(func() {
		p := r.plan
		if p.set.group == "" || p.kr == nil {
			return
		}
		offsets := r.s.commitOffsets(p.kr)
		ctx, cancel := context.WithTimeout(context.Background(), p.set.timeout)
		defer cancel()
		if cerr := p.sess.Admin.CommitOffsets(ctx, p.set.group, p.snap.Topic, offsets); cerr != nil {
			err = adbc.Error{Code: statusOr(cerr, adbc.StatusIO), Msg: fmt.Sprintf(
				"kafarr: committing the offsets of consumer group %q on topic %q: %v", p.set.group, p.snap.Topic, cerr)}
		}
	})
	return err
}

// progress returns the records read and the total the snapshot implies.
func (r *recordReader) progress() (done, total int64) {
	if r.plan.kr == nil {
		return 0, r.plan.snap.Total()
	}
	return r.plan.kr.Progress()
}

func statusOr(err error, def adbc.Status) adbc.Status {
	if st := statusOf(err); st != adbc.StatusUnknown {
		return st
	}
	return def
}
