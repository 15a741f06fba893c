package ingest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafarr/kafarr/avroarrow"
	"github.com/kafarr/kafarr/internal/adbcerr"
	"github.com/kafarr/kafarr/kafkaio"
)

const (
	// chunkRows is how many rows are encoded and handed to the producer
	// at a time. A batch is checked in full first; its chunks then
	// stream, so encoding overlaps with the brokers' acknowledgements and
	// memory stays bounded whatever the batch size.
	chunkRows = 8192
	// maxChunks bounds the chunks in flight (encoded, not yet all
	// acknowledged): about 128 Ki records.
	maxChunks = 16
	// txnAbortTimeout bounds the abort of a failed transaction when the
	// ingest's own context is already done.
	txnAbortTimeout = 30 * time.Second
)

// cancelGrace is how long a cancelled ingest waits for the records already
// sent to be acknowledged, so that the count it reports is exact, before it
// gives up on them: a healthy broker answers in milliseconds, and one that
// does not answer must not hold the caller (Ctrl-C) for stallTimeout.
const cancelGrace = time.Second

// stallTimeout is how long an ingest waits without any record being
// acknowledged, while some are outstanding, before it gives up. kgo
// retries forever by default, and its own delivery timeout counts
// from each record's timestamp, which a timestamp column sets to any
// time; without this a broker that stays unreachable would hang an
// ingest whose context has no deadline (every ingest through the C
// API). A variable so that tests can shorten it.
var stallTimeout = 2 * time.Minute

// chunk holds the encoded rows of one slice of a batch until the brokers
// acknowledged all of them. Records point into buf and keys.
type chunk struct {
	buf  []byte // framed (or plain JSON) values
	ends []int  // ends[i]: end of row i's value in buf
	keys []byte // keys, raw or encoded, copied out of Arrow memory
	kend []int  // kend[i]: end of row i's key in keys, -1 for no key
	recs []kgo.Record
	wg   sync.WaitGroup // one count per record not yet acknowledged
	// promise accounts for one of the chunk's records; made once per
	// chunk, not per record.
	promise func(*kgo.Record, error)
}

// chunkPool keeps chunks, with their buffers and records, across ingests.
var chunkPool = sync.Pool{New: func() any { return new(chunk) }}

// acks counts the acknowledgements of one ingest and keeps its first
// failure.
type acks struct {
	n       atomic.Int64
	nfailed atomic.Int64
	failed  atomic.Bool
	once    sync.Once
	rec     *kgo.Record
	err     error
}

// produceAll produces every bound batch and returns the rows acknowledged.
// A transactional ingest runs in one transaction, committed only after
// every row was acknowledged.
func (r *ingestRun) produceAll(ctx context.Context) (int64, error) {
	if r.meta.part >= 0 && r.meta.partitions == 0 {
		// The topic was created with the broker's num.partitions, or by
		// someone else since plan looked: the partitions plan could not
		// know are checked now.
		n, err := r.sess.Admin.PartitionCount(ctx, r.topic)
		if err != nil {
			return 0, adbcerr.Wrap(err, "ingest into %q", r.topic)
		}
		r.meta.partitions = int32(n)
		if r.first.rec != nil {
			if merr := r.meta.check(r.first.meta, int(r.first.rec.NumRows())); merr != nil {
				return 0, r.refused(merr, 0)
			}
		}
	}
	pool := r.sess.Producers
	pkey := kafkaio.ProducerKey{Compression: string(r.set.Compression), Manual: r.meta.part >= 0, Transactional: r.set.Transactional,
		MaxBatchBytes: int32(r.limit.batch)}
	cl, err := pool.Get(pkey)
	if err != nil {
		return 0, adbcerr.Wrap(err, "ingest into %q: creating the producer", r.topic)
	}
	r.cl = cl
	if r.fresh {
		// A pooled client may have produced to an earlier topic of
		// this name (replace, or DROP TABLE then create): its topic
		// id and sequence numbers belong to the deleted topic.
		cl.PurgeTopicsFromProducing(r.topic)
	}
	healthy := false
	defer func() { pool.Put(pkey, cl, healthy) }()

	if r.set.Transactional {
		if err := cl.BeginTransaction(); err != nil {
			return 0, adbcerr.Wrap(err, "ingest into %q: beginning the transaction", r.topic)
		}
	}
	r.free = make(chan *chunk, maxChunks)
	r.chunks = make([]*chunk, maxChunks)
	for i := range r.chunks {
		c := chunkPool.Get().(*chunk)
		c.promise = r.promiseFor(c)
		r.chunks[i] = c
		r.free <- c
	}
	pctx, stop := r.watch(ctx)
	err = r.produceBatches(pctx)
	// Whatever happened, wait for every record handed to the producer:
	// the count below must be final.
	r.settle()
	w := stop()
	for _, c := range r.chunks {
		c.promise = nil // fill clears the records when the chunk is reused
		chunkPool.Put(c)
	}
	r.acked = r.acks.n.Load()
	switch {
	case w.stalled:
		r.acks.failed.Store(true)
		err = adbc.Error{Code: adbc.StatusTimeout, Msg: fmt.Sprintf(
			"kafarr: ingest into %q: no record was acknowledged for %s, giving up: %d rows acknowledged, the rest not, though those sent last may have been written (is the broker reachable?)", r.topic, stallTimeout, r.acked)}
	case ctx.Err() != nil && (err != nil || r.acks.failed.Load()):
		// The caller cancelled (or its deadline passed): whatever
		// failed because of it, the cancel is what the caller hears.
		err = r.cancelled(ctx, w.unanswered)
	case err == nil && r.acks.failed.Load():
		err = r.produceErr()
	}
	if r.set.Transactional {
		return r.endTxn(ctx, err, &healthy)
	}
	// A refused batch sent nothing; only a failed produce taints the
	// client.
	healthy = !r.acks.failed.Load()
	if err != nil {
		return r.acked, err
	}
	return r.acked, nil
}

// produceBatches runs every batch of the bound stream, the first one plan
// checked and then the rest, stopping at the first failure.
func (r *ingestRun) produceBatches(ctx context.Context) error {
	if r.first.rec == nil {
		return nil // plan found no rows
	}
	first := r.first
	r.first = checked{} // batch releases it
	rowsBefore := first.rec.NumRows()
	if err := r.batch(ctx, first); err != nil {
		return err
	}
	for !r.acks.failed.Load() && r.data.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		rec := r.data.RecordBatch()
		if rec.NumRows() == 0 {
			continue
		}
		cb, err := r.check(rec, rowsBefore)
		if err != nil {
			return err
		}
		if err := r.batch(ctx, cb); err != nil {
			return err
		}
		rowsBefore += rec.NumRows()
	}
	if err := r.data.Err(); err != nil {
		r.settle() // so that the count below is final
		return adbcerr.New(adbcerr.Status(err),
			"ingest into %q: reading the bound data after %d rows: %v (%d rows acknowledged)", r.topic, rowsBefore, err, r.acks.n.Load())
	}
	return nil
}

// checked is a batch that passed every check, with what the checks
// prepared for producing it.
type checked struct {
	rec        arrow.RecordBatch // retained
	vals       arrow.RecordBatch // what the value encoder reads: rec, or its value columns
	rowsBefore int64             // rows of the batches before it
	meta       batchMeta
	keys       arrow.RecordBatch // what the key encoder reads, nil without
}

// release releases what c holds.
func (c *checked) release() {
	if c.keys != nil {
		c.keys.Release()
	}
	if c.vals != nil && c.vals != c.rec {
		c.vals.Release()
	}
	if c.rec != nil {
		c.rec.Release()
	}
	*c = checked{}
}

// checkFirst reads the bound data up to its first batch with rows and
// checks that batch in full, so that an ingest whose first batch is
// refused registers no schema and creates no topic. The batch is kept for
// produceBatches.
func (r *ingestRun) checkFirst() error {
	for r.data.Next() {
		rec := r.data.RecordBatch()
		if rec.NumRows() == 0 {
			continue
		}
		cb, err := r.check(rec, 0)
		if err != nil {
			return err
		}
		r.first = cb
		return nil
	}
	if err := r.data.Err(); err != nil {
		return adbcerr.New(adbcerr.Status(err), "ingest into %q: reading the bound data: %v (nothing was written)", r.topic, err)
	}
	return nil
}

// check checks one batch in full: its values against the schema, its
// metadata columns, its keys and the size of each record. rowsBefore is
// the number of rows of earlier batches, so that errors name the row of
// the whole bound data. The caller releases the result.
func (r *ingestRun) check(rec arrow.RecordBatch, rowsBefore int64) (checked, error) {
	n := int(rec.NumRows())
	cb := checked{rec: rec, vals: r.val.values(rec), rowsBefore: rowsBefore}
	fail := func(err error) (checked, error) {
		if cb.vals == rec {
			cb.vals = nil
		}
		cb.rec = nil // not retained yet
		cb.release()
		return checked{}, r.refused(err, rowsBefore)
	}
	if err := r.val.enc.Check(cb.vals); err != nil {
		return fail(err)
	}
	cb.meta = r.meta.columns(rec)
	if merr := r.meta.check(cb.meta, n); merr != nil {
		return fail(merr)
	}
	if r.key != nil {
		var err error
		if cb.keys, err = r.key.check(cb.meta.key, n); err != nil {
			return fail(r.keyEncodeErr(err))
		}
	}
	if err := r.checkSizes(rec, cb.vals, cb.meta, cb.keys); err != nil {
		return fail(err)
	}
	rec.Retain()
	return cb, nil
}

// batch encodes and produces a checked batch chunk by chunk, and releases
// it.
func (r *ingestRun) batch(ctx context.Context, cb checked) error {
	defer cb.release()
	rec, meta, keys := cb.vals, cb.meta, cb.keys
	n := int(rec.NumRows())
	for lo := 0; lo < n; lo += chunkRows {
		if r.acks.failed.Load() {
			return nil
		}
		// Cancelled: no further row goes to the producer (produceAll
		// reports the rows acknowledged).
		if err := ctx.Err(); err != nil {
			return err
		}
		hi := min(lo+chunkRows, n)
		var c *chunk
		select {
		case c = <-r.free:
		case <-ctx.Done():
			return ctx.Err()
		}
		c.wg.Wait()
		if err := r.fill(c, rec, meta, keys, lo, hi); err != nil {
			r.free <- c
			// Check passed, so this is an encoder bug; nothing of the
			// chunk was sent.
			return r.refused(err, cb.rowsBefore)
		}
		c.wg.Add(hi - lo)
		r.sent.Add(int64(hi - lo))
		for i := range c.recs {
			r.cl.Produce(ctx, &c.recs[i], c.promise)
		}
		r.free <- c
	}
	return nil
}

// watched is what the watch of an ingest did.
type watched struct {
	// stalled: no record was acknowledged for stallTimeout; the watch
	// cancelled the produce context and failed the records outstanding.
	stalled bool
	// unanswered is the number of records the watch failed because they
	// were still unacknowledged cancelGrace after the caller cancelled.
	unanswered int64
}

// watch returns a context for producing that is cancelled when records
// are outstanding but none was acknowledged for stallTimeout. Once ctx
// ends it gives the records sent cancelGrace to be acknowledged, then
// fails those still unanswered, so that a cancelled ingest returns
// promptly whatever the broker does. Failing them makes kgo forget their
// sequence numbers; the client is not reused (a failed record makes it
// unhealthy). stop ends the watch and reports what it did.
func (r *ingestRun) watch(ctx context.Context) (pctx context.Context, stop func() watched) {
	pctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	var (
		stalled    atomic.Bool
		unanswered atomic.Int64
	)
	go func() {
		tick := time.NewTicker(stallTimeout / 8)
		defer tick.Stop()
		last, since := r.acks.n.Load(), time.Now()
		cancelled := ctx.Done()
		var grace <-chan time.Time
		for {
			select {
			case <-done:
				return
			case <-cancelled:
				cancelled = nil
				timer := time.NewTimer(cancelGrace)
				defer timer.Stop()
				grace = timer.C
				continue
			case <-grace:
				if n := r.outstanding(); n > 0 {
					unanswered.Store(n)
					r.cl.UnsafeAbortBufferedRecords()
					return
				}
				grace = nil
				continue
			case <-tick.C:
			}
			n := r.acks.n.Load()
			if n != last || r.outstanding() == 0 {
				last, since = n, time.Now()
				continue
			}
			if time.Since(since) >= stallTimeout {
				stalled.Store(true)
				cancel()
				// kgo fails a record that may have reached the broker
				// only once it has the broker's answer, which never
				// comes: fail them all. The client is not reused.
				r.cl.UnsafeAbortBufferedRecords()
				return
			}
		}
	}()
	return pctx, func() watched {
		close(done)
		cancel()
		return watched{stalled: stalled.Load(), unanswered: unanswered.Load()}
	}
}

// cancelled is the error of an ingest whose context ended: Cancelled (or
// Timeout at the caller's deadline) with the rows the brokers
// acknowledged, final once settle returned. unanswered records were sent
// but given up on after cancelGrace: the broker may still write them.
func (r *ingestRun) cancelled(ctx context.Context, unanswered int64) error {
	what := "cancelled"
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		what = "stopped at the caller's deadline"
	}
	msg := fmt.Sprintf("ingest into %q %s: %d rows acknowledged, the rest not produced", r.topic, what, r.acks.n.Load())
	if unanswered > 0 {
		msg += fmt.Sprintf("; %d rows handed to the producer were still unanswered %s after the cancel and were given up on, though the broker may yet write them", unanswered, cancelGrace)
	}
	return adbcerr.New(adbcerr.Status(ctx.Err()), "%s", msg)
}

// outstanding is the number of records handed to the producer and not yet
// acknowledged or failed.
func (r *ingestRun) outstanding() int64 {
	return r.sent.Load() - r.acks.n.Load() - r.acks.nfailed.Load()
}

// settle waits until every record handed to the producer was
// acknowledged or failed. Only the ingest's goroutine adds records, so
// none is added meanwhile.
func (r *ingestRun) settle() {
	for _, c := range r.chunks {
		c.wg.Wait()
	}
}

// promiseFor returns the callback that accounts for one of c's records.
func (r *ingestRun) promiseFor(c *chunk) func(*kgo.Record, error) {
	return func(rec *kgo.Record, err error) {
		if err == nil {
			r.acks.n.Add(1)
		} else {
			r.acks.once.Do(func() { r.acks.rec, r.acks.err = rec, err })
			r.acks.nfailed.Add(1)
			r.acks.failed.Store(true)
		}
		c.wg.Done()
	}
}

// produceErr reports the first failed record, with the counts.
func (r *ingestRun) produceErr() error {
	code := adbcerr.Status(r.acks.err)
	if code == adbc.StatusOK || code == adbc.StatusUnknown {
		code = adbc.StatusIO
	}
	hint := ""
	if errors.Is(r.acks.err, kerr.MessageTooLarge) {
		// Every record was within r.limit: the topic takes less.
		hint = fmt.Sprintf("; the records were within the limit of %d bytes of %s, more than the topic accepts", r.limit.bytes, r.limit.side)
	}
	return adbc.Error{Code: code, Msg: fmt.Sprintf(
		"kafarr: ingest into %q: %d rows acknowledged, then producing failed: %v (first failure: topic %q partition %d)%s",
		r.topic, r.acks.n.Load(), r.acks.err, r.acks.rec.Topic, r.acks.rec.Partition, hint)}
}

// fill encodes rows lo to hi of a batch into c and builds their records.
func (r *ingestRun) fill(c *chunk, rec arrow.RecordBatch, meta batchMeta, keys arrow.RecordBatch, lo, hi int) error {
	c.buf, c.ends = c.buf[:0], c.ends[:0]
	c.keys, c.kend = c.keys[:0], c.kend[:0]
	var err error
	hdr, enc := r.val.header, r.val.enc
	for i := lo; i < hi; i++ {
		c.buf = append(c.buf, hdr...)
		if c.buf, err = enc.AppendRow(c.buf, rec, i); err != nil {
			return err
		}
		c.ends = append(c.ends, len(c.buf))
	}
	if meta.key != nil {
		for i := lo; i < hi; i++ {
			switch {
			case meta.key.IsNull(i):
				c.kend = append(c.kend, -1)
				continue
			case r.key != nil:
				if c.keys, err = r.key.appendKey(c.keys, keys, i); err != nil {
					return err
				}
			default:
				c.keys = appendRawKey(c.keys, meta.key, i)
			}
			c.kend = append(c.kend, len(c.keys))
		}
	}
	n := hi - lo
	if cap(c.recs) < n {
		c.recs = make([]kgo.Record, n)
	}
	c.recs = c.recs[:n]
	// One creation time for the chunk: kgo would otherwise read the
	// clock for every record.
	now := time.Now()
	start, kstart := 0, 0
	for j := range c.recs {
		kr := &c.recs[j]
		// Assigning the whole record also clears what kgo set on it
		// when the chunk was last used.
		*kr = kgo.Record{Topic: r.topic, Timestamp: now, Value: c.buf[start:c.ends[j]:c.ends[j]]}
		start = c.ends[j]
		if meta.key != nil {
			if end := c.kend[j]; end >= 0 {
				kr.Key = c.keys[kstart:end:end]
				kstart = end
			}
		}
		r.meta.fill(kr, meta, lo+j)
	}
	return nil
}

// refused reports a batch that failed its checks; nothing of it was sent.
// It waits for the earlier batches' acknowledgements, so that the count it
// gives is final.
func (r *ingestRun) refused(err error, rowsBefore int64) error {
	r.settle()
	var ee *avroarrow.EncodeError
	if errors.As(err, &ee) && ee.Row >= 0 {
		cp := *ee
		cp.Row += int(rowsBefore)
		err = &cp
	}
	var me *metaError
	if errors.As(err, &me) {
		cp := *me
		cp.row += int(rowsBefore)
		err = &cp
	}
	var se *sizeError
	if errors.As(err, &se) {
		cp := *se
		cp.row += int(rowsBefore)
		err = &cp
	}
	return adbc.Error{Code: adbc.StatusInvalidArgument, Msg: fmt.Sprintf(
		"kafarr: ingest into %q: %v; nothing of this batch was produced (%d rows acknowledged before; rows count from 0 over all bound data)",
		r.topic, err, r.acks.n.Load())}
}

// visibleWait bounds how long a committed transactional ingest waits for
// its rows to become visible to read_committed readers.
const visibleWait = 10 * time.Second

// awaitVisible waits until read_committed readers can see the committed
// transaction: the broker writes the commit markers after EndTransaction
// returns, and until then the last stable offset stays behind the rows, so
// a SELECT right after the ingest would miss them. Another producer's open
// transaction can hold the last stable offset back longer; the wait then
// gives up quietly, since the rows are committed all the same.
func (r *ingestRun) awaitVisible(ctx context.Context) {
	adm := r.sess.Admin
	ctx, cancel := context.WithTimeout(ctx, visibleWait)
	defer cancel()
	hwm, err := adm.EndOffsets(ctx, r.topic, kafkaio.ReadUncommitted)
	if err != nil {
		return
	}
	for {
		lso, err := adm.EndOffsets(ctx, r.topic, kafkaio.ReadCommitted)
		if err != nil {
			return
		}
		behind := false
		for p, end := range hwm {
			if lso[p] < end {
				behind = true
			}
		}
		if !behind {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// endTxn commits the transaction when err is nil, else aborts it. A
// failed or aborted transaction returns 0 rows: read_committed readers see
// none of them.
func (r *ingestRun) endTxn(ctx context.Context, err error, healthy *bool) (int64, error) {
	if err == nil {
		cerr := r.cl.EndTransaction(ctx, kgo.TryCommit)
		if cerr == nil {
			*healthy = true
			r.awaitVisible(ctx)
			return r.acked, nil
		}
		err = adbcerr.Wrap(cerr, "ingest into %q: committing the transaction of %d rows", r.topic, r.acked)
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), txnAbortTimeout)
	defer cancel()
	abortErr := r.cl.AbortBufferedRecords(actx)
	if abortErr == nil {
		abortErr = r.cl.EndTransaction(actx, kgo.TryAbort)
	}
	what := fmt.Sprintf("the transaction was aborted, so none of its rows is visible to read_committed readers (%d had been acknowledged)", r.acked)
	if abortErr != nil {
		what = fmt.Sprintf("aborting the transaction failed too (%v), so its outcome is unknown (%d rows had been acknowledged)", abortErr, r.acked)
	}
	r.acked = 0
	var ae adbc.Error
	if errors.As(err, &ae) {
		ae.Msg += "; " + what
		return 0, ae
	}
	return 0, adbcerr.New(adbcerr.Status(err), "ingest into %q: %v; %s", r.topic, err, what)
}
