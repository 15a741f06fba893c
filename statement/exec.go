package statement

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/kafarr/kafarr/internal/adbcerr"
	"github.com/kafarr/kafarr/internal/session"
	"github.com/kafarr/kafarr/internal/sqlparse"
	"github.com/kafarr/kafarr/kafkaio"
	"github.com/kafarr/kafarr/options"
)

// readSlack is how long past its read timeout an execution's context
// lives: long enough for a bounded read's own Timeout error (which names
// the partitions short of their end) and a follow read's normal end to
// arrive first.
const readSlack = 5 * time.Second

// execution runs one read plan. It owns the read's one context, derived
// from the caller's (so that cancelling the caller's context, which ADBC's
// Cancel does, ends the read) and bounded by the planning budget plus the
// read timeout; the Kafka reader; and the record batches fetched before
// the scan takes them (those read while peeking for the first message's
// schema). Every record of the read goes through next, as a fetched
// kafkaio.RecordBatch.
type execution struct {
	sess *session.Session
	plan *readPlan

	ctx    context.Context
	cancel context.CancelFunc

	kr *kafkaio.Reader
	// shown is kr for progress, which GetOption reads from other
	// goroutines while the read's own goroutine opens and reopens kr.
	shown   atomic.Pointer[kafkaio.Reader]
	ranges  []kafkaio.PartitionRange // what kr reads: the plan's, or a widened window
	pending []*kafkaio.RecordBatch
}

// execMode says what an execution is for.
type execMode uint8

const (
	// execRows reads rows: the reader starts as soon as the offsets are
	// known, while the registry answers.
	execRows execMode = iota
	// execSchema only plans: the reader starts only when the schema of
	// the first message must be read.
	execSchema
)

// startRead plans q against the cluster and, for execRows, starts reading.
// fixed, when set, replaces the offset snapshot and the key schema lookup
// (a partition descriptor's). The caller closes the execution.
func startRead(ctx context.Context, sess *session.Session, set options.ReadSettings, sql string, q *sqlparse.Query, fixed *pinned, mode execMode) (*execution, error) {
	p, err := newPlan(sql, q, set)
	if err != nil {
		return nil, err
	}
	p.pin = fixed
	// Planning (metadata, offsets, schemas) is bounded too, since
	// franz-go retries an unreachable cluster until its context ends: by
	// the read timeout, but never less than one registry request may
	// take. Peeking at the first messages is reading, bounded by the
	// reader's own timeout (and, in follow mode, ended by it without
	// error).
	budget := max(set.Timeout, set.RegistryTimeout)
	e := &execution{sess: sess, plan: p}
	e.ctx, e.cancel = context.WithTimeout(ctx, budget+set.Timeout+readSlack)
	if err := e.planOnCluster(budget, fixed, mode); err != nil {
		e.close()
		return nil, err
	}
	return e, nil
}

// planOnCluster gathers what the planner needs (offsets, schemas) and completes
// the plan.
func (e *execution) planOnCluster(budget time.Duration, fixed *pinned, mode execMode) error {
	p := e.plan
	ctx, cancel := context.WithTimeout(e.ctx, budget)
	defer cancel()
	lookups := e.startLookups(ctx)
	if fixed != nil {
		p.planRanges(fixed.snap, nil)
	} else {
		snap, ts, err := e.offsetsWithin(ctx, max(p.set.Timeout, minPlanTimeout))
		if err != nil {
			return lookups.abandon(err)
		}
		p.planRanges(snap, ts)
	}
	e.ranges = p.snap.Ranges
	if mode == execRows && p.q.Limit != 0 {
		if err := e.open(); err != nil {
			return lookups.abandon(err)
		}
	}
	values, keys := lookups.wait()
	if err := e.chooseValue(ctx, values); err != nil {
		return err
	}
	if err := e.chooseKey(ctx, keys); err != nil {
		return err
	}
	if err := p.planColumns(); err != nil {
		return err
	}
	e.logPlan()
	return nil
}

// minPlanTimeout is the least time planning's metadata and ListOffsets
// requests get: a kafarr.read.timeout_ms shorter than a round trip is
// meant to cut the read short, not to fail every query before it starts.
const minPlanTimeout = time.Second

// offsetsWithin runs offsets bounded by d, the read timeout (at least
// minPlanTimeout): the registry may take longer (the planning budget
// allows for it), but a cluster that does not answer metadata and
// ListOffsets in time fails the query then, rather than at the end of
// franz-go's retries.
func (e *execution) offsetsWithin(ctx context.Context, d time.Duration) (kafkaio.Snapshot, tsOffsets, error) {
	octx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	snap, ts, err := e.offsets(octx)
	if err != nil && ctx.Err() == nil && octx.Err() != nil {
		err = adbcerr.Wrap(err, "the cluster did not answer within kafarr.read.timeout_ms (%v)", d)
	}
	return snap, ts, err
}

// offsets snapshots the topic's partitions and looks up the offsets of
// the pushed-down _timestamp bounds.
func (e *execution) offsets(ctx context.Context) (snap kafkaio.Snapshot, ts tsOffsets, err error) {
	p, adm := e.plan, e.sess.Admin
	opts := kafkaio.SnapshotOptions{Isolation: session.Isolation(p.set.Isolation), Group: p.set.Group, Filter: p.partitionFilter()}
	if p.set.Start == options.StartLatest {
		opts.Start = kafkaio.StartLatest
	}
	if snap, err = adm.Snapshot(ctx, p.q.Topic, opts); err != nil || len(snap.Ranges) == 0 {
		return snap, nil, err
	}
	ts, err = p.lookupTimestamps(ctx, adm)
	return snap, ts, err
}

// open starts the bounded (or follow) read of e.ranges, unless started.
func (e *execution) open() error {
	if e.kr != nil {
		return nil
	}
	p := e.plan
	budget := p.recordBudget()
	if p.q.Limit == 0 {
		budget = 0
	}
	kr, err := kafkaio.NewPartitionReader(e.sess.Client, p.snap.Topic, e.ranges, kafkaio.ReaderOptions{
		Leaders:    p.snap.Leaders,
		Isolation:  session.Isolation(p.set.Isolation),
		MaxRecords: budget,
		Timeout:    p.set.Timeout,
		Follow:     p.set.Follow,
	})
	if err != nil {
		return err
	}
	e.kr = kr
	e.shown.Store(kr)
	return nil
}

// reopen reads ranges from the start with a new reader, dropping what the
// last one had fetched: ORDER BY ... LIMIT widening its window.
func (e *execution) reopen(ranges []kafkaio.PartitionRange) error {
	e.stopReader()
	e.ranges = ranges
	return e.open()
}

// next returns the next fetched batch (those fetched while peeking first),
// or io.EOF at the end of the read. The caller releases it.
func (e *execution) next() (*kafkaio.RecordBatch, error) {
	if err := e.ctx.Err(); err != nil {
		// Cancelled: not even the batches peeked at are handed out.
		return nil, err
	}
	if len(e.pending) > 0 {
		b := e.pending[0]
		e.pending = e.pending[1:]
		return b, nil
	}
	if e.kr == nil {
		if err := e.open(); err != nil {
			return nil, err
		}
	}
	return e.kr.NextBatch(e.ctx)
}

// stopReader closes the reader and frees the batches not handed out.
func (e *execution) stopReader() {
	for _, b := range e.pending {
		b.Release()
	}
	e.pending = nil
	if e.kr != nil {
		e.kr.Close()
		e.kr = nil
	}
}

// close ends the execution: the reader stops, the context ends.
func (e *execution) close() {
	e.stopReader()
	e.cancel()
}

// logPlan logs the planning decisions at debug level.
func (e *execution) logPlan() {
	l := e.sess.Logger
	if l == nil || !l.Enabled(e.ctx, slog.LevelDebug) {
		return
	}
	p := e.plan
	l.LogAttrs(e.ctx, slog.LevelDebug, "kafarr: planned read",
		slog.String("topic", p.q.Topic),
		slog.Int("partitions", len(p.snap.Ranges)),
		slog.Int64("records", p.snap.Total()),
		slog.String("value_format", string(p.value.format)),
		slog.Bool("value_framed", p.value.framed),
		slog.String("value_subject", p.value.subject),
		slog.Int("value_schema_id", p.value.readerID),
		slog.String("key_format", string(p.key.format)),
		slog.Int("columns", len(p.out)),
		slog.Int("ranges", len(p.snap.Ranges)),
		slog.Int("pushdown_boxes", len(p.push)),
		slog.Bool("record_check", p.checkRecords),
		slog.Bool("row_filter", p.rowFilter != nil),
		slog.Int64("record_budget", p.recordBudget()),
		slog.Bool("windowed", p.full != nil),
		slog.Int("peeked_batches", len(e.pending)))
}
