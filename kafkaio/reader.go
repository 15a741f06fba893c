package kafkaio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafarr/kafarr/internal/adbcerr"
)

// readAhead is how many fetched partition segments wait for the caller.
// With the fetch in flight it bounds a read's memory by a few fetch
// responses, whatever the topic's length, when the caller is slower than
// the broker.
const readAhead = 4

// DefaultFollowMaxWait is how long one fetch of a follow read waits on the
// broker for new records before asking again.
const DefaultFollowMaxWait = 500 * time.Millisecond

// ReaderOptions tune a Reader. The zero value is a bounded, unlimited,
// untimed read_uncommitted read.
type ReaderOptions struct {
	// Isolation must match the isolation the ranges' ends were
	// snapshotted with; ReadCommitted drops aborted transactions.
	Isolation Isolation
	// MaxRecords stops the read once this many records were delivered
	// (a LIMIT without row filters); 0 is no limit.
	MaxRecords int64
	// Timeout bounds the whole read, counted from NewPartitionReader; 0 is
	// none. A bounded read that runs out of time fails with a Timeout
	// error naming the partitions that had not reached their end; a follow
	// read ends normally (io.EOF).
	Timeout time.Duration
	// Follow ignores the ranges' End offsets and waits for new records
	// until MaxRecords or Timeout.
	Follow bool
	// FollowMaxWait is the broker-side wait of one follow fetch; default
	// DefaultFollowMaxWait. Fetches of one client share a connection per
	// broker, so a long wait delays other reads on the same client.
	FollowMaxWait time.Duration
	// MaxBytes bounds one fetch response; default DefaultFetchMaxBytes.
	MaxBytes int32
	// PartitionMaxBytes bounds one partition's share of a fetch
	// response; default DefaultFetchMaxPartitionBytes, scaled down when
	// MaxRecords is small so that LIMIT 10 does not pull 4 MiB.
	PartitionMaxBytes int32
	// Leaders, from the Snapshot the ranges come from, spares the read
	// its first metadata request; nil asks the cluster.
	Leaders *Leaders
	// SkipDeleted makes a read whose position was deleted under it
	// (retention or DeleteRecords moved the log start past it) continue at
	// the new log start. By default that is an InvalidState error, since
	// the result would silently miss records inside its range.
	SkipDeleted bool
}

// Reader reads PartitionRanges of one topic by direct partition assignment:
// no consumer group, exact start offsets, and its own fetch requests, so
// that it knows each partition's position even when the records at the end
// of a range are transaction markers, aborted records or compacted away (a
// partition is done when its fetch position reaches End, not when a record
// at End-1 shows up). A bounded read never waits on a fetch's MaxWait: its
// fetches ask the broker not to wait at all, since everything below End is
// already there.
//
// Many Readers may share one client; each holds no state in the client. A
// Reader prefetches one fetch response per partition leader while the
// caller works on the previous one.
//
// NextBatch (or Next), Positions, Progress and Close may be called from
// different goroutines, but NextBatch itself must not be called
// concurrently.
type Reader struct {
	cl     *kgo.Client
	adm    *Admin
	topic  string
	opts   ReaderOptions
	ranges []PartitionRange
	total  int64

	ctx      context.Context // the read's lifetime: Timeout, Close
	cancel   context.CancelFunc
	deadline time.Time // zero when there is no Timeout
	segs     chan segment
	fetchErr error // set by the fetcher before it closes segs
	// lastErr is the last transient fetch failure, for messages. A
	// pointer, since atomic.Value panics when errors of different
	// concrete types are stored in turn.
	lastErr atomic.Pointer[error]
	stopped chan struct{} // closed when the fetcher has returned

	mu        sync.Mutex
	positions map[int32]int64 // next offset per partition after what NextBatch delivered
	delivered atomic.Int64
	err       error // sticky: io.EOF or the error NextBatch returned
	closeOnce sync.Once
}

// segment is one partition's records from one fetch response, in offset
// order, and the partition's position after them. A segment without
// records (nil or empty batch) only moves the position (past transaction
// markers, aborted or compacted records).
type segment struct {
	partition int32
	batch     *RecordBatch
	next      int64
}

// NewPartitionReader starts reading ranges of topic through cl. Ranges with
// Start >= End are already done (in follow mode only Start matters). A
// partition may appear in several ranges, given in ascending offset order
// and not overlapping: the read covers them one after the other and never
// fetches the offsets between them (a WHERE clause's union of offset
// ranges); in follow mode, which has no End, a partition appears once.
// Fetching starts at once, in the background; Close must be called to stop
// it.
func NewPartitionReader(cl *kgo.Client, topic string, ranges []PartitionRange, opts ReaderOptions) (*Reader, error) {
	if opts.MaxRecords < 0 {
		return nil, adbcerr.New(adbc.StatusInvalidArgument, "invalid record budget %d for topic %q: must not be negative", opts.MaxRecords, topic)
	}
	if opts.Timeout < 0 {
		return nil, adbcerr.New(adbc.StatusInvalidArgument, "invalid read timeout %s for topic %q: must not be negative", opts.Timeout, topic)
	}
	if opts.Isolation != ReadUncommitted && opts.Isolation != ReadCommitted {
		return nil, adbcerr.New(adbc.StatusInvalidArgument, "invalid isolation level %d for topic %q", opts.Isolation, topic)
	}
	if opts.FollowMaxWait <= 0 {
		opts.FollowMaxWait = DefaultFollowMaxWait
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultFetchMaxBytes
	}
	if opts.PartitionMaxBytes <= 0 {
		opts.PartitionMaxBytes = DefaultFetchMaxPartitionBytes
		if opts.MaxRecords > 0 {
			// Assume ~1 KiB per record, at least 64 KiB: small
			// budgets fetch little, and the broker returns at least
			// one whole batch whatever the limit.
			opts.PartitionMaxBytes = int32(min(int64(opts.PartitionMaxBytes), max(64<<10, opts.MaxRecords<<10)))
		}
	}

	r := &Reader{
		cl:        cl,
		adm:       NewAdmin(cl),
		topic:     topic,
		opts:      opts,
		ranges:    slices.Clone(ranges),
		positions: make(map[int32]int64, len(ranges)),
		segs:      make(chan segment, readAhead),
		stopped:   make(chan struct{}),
	}
	lastEnd := make(map[int32]int64, len(ranges))
	for _, rg := range r.ranges {
		if rg.Start < 0 {
			return nil, adbcerr.New(adbc.StatusInvalidArgument, "invalid start offset %d for topic %q partition %d", rg.Start, topic, rg.Partition)
		}
		if end, dup := lastEnd[rg.Partition]; dup {
			if opts.Follow {
				return nil, adbcerr.New(adbc.StatusInvalidArgument, "partition %d of topic %q is given twice in a follow read", rg.Partition, topic)
			}
			if rg.Start < end {
				return nil, adbcerr.New(adbc.StatusInvalidArgument, "ranges of topic %q partition %d overlap or are out of order: [%d, %d) after one ending at %d", topic, rg.Partition, rg.Start, rg.End, end)
			}
		} else {
			r.positions[rg.Partition] = rg.Start
		}
		lastEnd[rg.Partition] = max(rg.End, rg.Start)
		if !opts.Follow && !rg.Empty() {
			r.total += rg.End - rg.Start
		}
	}
	if opts.Timeout > 0 {
		r.deadline = time.Now().Add(opts.Timeout)
		r.ctx, r.cancel = context.WithDeadline(context.Background(), r.deadline)
	} else {
		r.ctx, r.cancel = context.WithCancel(context.Background())
	}
	f := newFetcher(r)
	go f.run()
	return r, nil
}

// Topic returns the topic r reads.
func (r *Reader) Topic() string { return r.topic }

// Ranges returns the ranges r was created with.
func (r *Reader) Ranges() []PartitionRange { return slices.Clone(r.ranges) }

// NextBatch returns the next records, all of one partition and in offset
// order, or io.EOF when every partition reached its End, the record budget
// is spent, or (follow mode) the timeout passed. Keys and values alias the
// fetch response: no copy is made, and they stay valid while the caller
// holds them. NextBatch waits for data until ctx or the read's Timeout
// ends: the latter is an adbc Timeout error for a bounded read, naming the
// partitions short of their end; ctx's end is Timeout or Cancelled, also
// while fetched records wait (a cancel is seen at the next call, not after
// the buffered records). Errors are sticky.
func (r *Reader) NextBatch(ctx context.Context) (*RecordBatch, error) {
	r.mu.Lock()
	err := r.err
	r.mu.Unlock()
	if err != nil {
		return nil, err
	}
	for {
		if limit := r.opts.MaxRecords; limit > 0 && r.delivered.Load() >= limit {
			return nil, r.finish(io.EOF)
		}
		// A cancel ends the read before anything buffered is handed
		// out: the fetcher reads ahead, so a caller slower than the
		// broker always finds records waiting, and would otherwise never
		// see its context end.
		if ctx.Err() != nil {
			return nil, r.finish(r.ctxErr(ctx))
		}
		var (
			seg segment
			ok  bool
		)
		select {
		case seg, ok = <-r.segs:
		case <-ctx.Done():
			return nil, r.finish(r.ctxErr(ctx))
		}
		if !ok {
			switch {
			case r.fetchErr == errReadTimedOut:
				// Built here, after draining, so that positions are
				// the ones the caller actually reached.
				return nil, r.finish(adbcerr.New(adbc.StatusTimeout, "%s", r.describeStop(fmt.Sprintf("timed out after %s before reaching the snapshot end", r.opts.Timeout))))
			case r.fetchErr != nil:
				return nil, r.finish(r.fetchErr)
			}
			return nil, r.finish(io.EOF)
		}
		b, next := seg.batch, seg.next
		n := 0
		if b != nil {
			n = b.Len()
		}
		if limit := r.opts.MaxRecords; limit > 0 {
			if left := limit - r.delivered.Load(); int64(n) > left {
				n = int(left)
				b.truncate(n)
				next = b.Offsets[n-1] + 1
			}
		}
		r.mu.Lock()
		r.positions[seg.partition] = next
		r.mu.Unlock()
		r.delivered.Add(int64(n))
		if n > 0 {
			return b, nil
		}
	}
}

// ctxErr is NextBatch's error once ctx ended: Cancelled, or Timeout at
// ctx's deadline, saying where the read stopped.
func (r *Reader) ctxErr(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return adbcerr.New(adbc.StatusTimeout, "%s", r.describeStop(ctx.Err().Error()))
	}
	return adbcerr.New(adbc.StatusCancelled, "%s", r.describeStop("cancelled"))
}

// Next is NextBatch returning kgo records, for callers that want them; it
// costs one allocation per batch that NextBatch does not.
func (r *Reader) Next(ctx context.Context) ([]*kgo.Record, error) {
	b, err := r.NextBatch(ctx)
	if err != nil {
		return nil, err
	}
	recs := b.Records()
	b.Release()
	return recs, nil
}

// finish records err as NextBatch's sticky result and stops fetching.
func (r *Reader) finish(err error) error {
	r.mu.Lock()
	if r.err == nil {
		r.err = err
	}
	err = r.err
	r.mu.Unlock()
	r.cancel()
	return err
}

// Positions returns, per partition, the offset after the last record
// delivered (past any transaction markers or gaps behind it): what a
// consumer group commits so that the next read continues without gaps or
// duplicates. Partitions not reached yet report their Start.
func (r *Reader) Positions() map[int32]int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.positions)
}

// Progress returns how many records NextBatch has delivered and the total the
// ranges imply (sum of End-Start, 0 in follow mode). Offsets are not dense,
// so a finished read may stop short of total.
func (r *Reader) Progress() (delivered, total int64) {
	return r.delivered.Load(), r.total
}

// Close stops fetching and waits for the background fetcher to return. A
// fetch already sent is left to finish on its own (cancelling it would cut
// the client's shared fetch connection to that broker). Close is idempotent
// and makes later NextBatch calls return io.EOF, or the error they already had.
func (r *Reader) Close() error {
	r.closeOnce.Do(func() {
		r.finish(io.EOF)
		<-r.stopped
	})
	return nil
}

// describeStop explains where a read stopped: cause, then every partition
// short of its end with its position, and the last fetch failure if any.
func (r *Reader) describeStop(cause string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "reading topic %q: %s", r.topic, cause)
	pos := r.Positions()
	var short []string
	// A partition read in several ranges is named once, with the end of
	// its last range.
	ends := make(map[int32]int64, len(r.ranges))
	for _, rg := range r.ranges {
		ends[rg.Partition] = rg.End
	}
	for _, rg := range r.ranges {
		end, first := ends[rg.Partition]
		if !first {
			continue
		}
		delete(ends, rg.Partition)
		rg.End = end
		if p := pos[rg.Partition]; r.opts.Follow || p < rg.End {
			if r.opts.Follow {
				short = append(short, fmt.Sprintf("partition %d at offset %d", rg.Partition, p))
			} else {
				short = append(short, fmt.Sprintf("partition %d at offset %d of end %d", rg.Partition, p, rg.End))
			}
		}
	}
	if len(short) > 0 {
		fmt.Fprintf(&b, "; not finished: %s", strings.Join(short, ", "))
	}
	if err := r.lastErr.Load(); err != nil {
		fmt.Fprintf(&b, "; last fetch error: %v", *err)
	}
	return b.String()
}

// setLastErr records err as the last transient fetch failure.
func (r *Reader) setLastErr(err error) { r.lastErr.Store(&err) }

// timeLeft returns the time until the read's deadline, or MaxInt64 when
// there is none.
func (r *Reader) timeLeft() time.Duration {
	if r.deadline.IsZero() {
		return math.MaxInt64
	}
	return time.Until(r.deadline)
}
