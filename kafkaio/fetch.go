package kafkaio

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafarr/kafarr/internal/adbcerr"
)

// errReadTimedOut tells NextBatch that a bounded read ran out of time; it turns
// it into a Timeout error once it has drained what was fetched.
var errReadTimedOut = errors.New("read timed out")

// decompressor is shared by all readers; it pools its decoders.
var decompressor = kgo.DefaultDecompressor()

// Backoffs of the fetch loop. A bounded read never expects to wait, so a
// response without progress (a leader that has not caught up to the
// snapshot yet) is retried soon; failures back off further.
const (
	stallBackoffMin = 5 * time.Millisecond
	stallBackoffMax = 250 * time.Millisecond
	errBackoffMin   = 50 * time.Millisecond
	errBackoffMax   = time.Second
	// followMargin is kept between a follow fetch's broker wait and the
	// read's deadline, so that the response arrives before the deadline
	// instead of being cut off with its connection.
	followMargin = 20 * time.Millisecond
)

// fetchPart is the fetcher's view of one partition.
type fetchPart struct {
	partition int32
	pos       int64 // next offset to fetch
	end       int64 // exclusive; unused when following
	leader    int32 // -1 when unknown
	done      bool
	// rest holds the partition's later ranges, in offset order: when pos
	// reaches end, the fetch continues at the next one's start.
	rest []PartitionRange
	// probe marks a partition whose last answer was empty or a truncated
	// batch while it was not first in the request: the broker may have run
	// out of response bytes before reaching it. Its next fetch asks for it
	// alone, where an empty answer is conclusive.
	probe bool
}

// fetchResult is the outcome of one fetch request to one broker.
type fetchResult struct {
	leader int32
	parts  []*fetchPart // in request order
	resp   *kmsg.FetchResponse
	err    error
}

// fetcher is the Reader's background loop. It alone owns the fetchParts;
// it hands records to NextBatch through Reader.segs.
type fetcher struct {
	r        *Reader
	parts    []*fetchPart // sorted by partition
	byID     map[int32]*fetchPart
	topicID  [16]byte
	brokers  map[int32]string // node id -> host:port
	haveMeta bool
	needMeta bool

	inflight map[int32]bool // leader -> request outstanding
	retryAt  map[int32]time.Time
	backoff  map[int32]time.Duration
	metaAt   time.Time
	metaWait time.Duration
	results  chan fetchResult
	rotate   int
	fetched  int64        // records queued to NextBatch
	log      *slog.Logger // the client's (ClientLogger); nil logs nothing
}

func newFetcher(r *Reader) *fetcher {
	f := &fetcher{
		r:        r,
		byID:     make(map[int32]*fetchPart, len(r.ranges)),
		needMeta: true,
		inflight: make(map[int32]bool),
		retryAt:  make(map[int32]time.Time),
		backoff:  make(map[int32]time.Duration),
		// Buffered for every partition having its own leader, so a
		// response arriving after the fetcher returned never blocks.
		results: make(chan fetchResult, len(r.ranges)+1),
		log:     ClientLogger(r.cl),
	}
	for _, rg := range r.ranges {
		if p := f.byID[rg.Partition]; p != nil {
			p.rest = append(p.rest, rg)
			continue
		}
		p := &fetchPart{partition: rg.Partition, pos: rg.Start, end: rg.End, leader: -1}
		f.parts = append(f.parts, p)
		f.byID[p.partition] = p
	}
	for _, p := range f.parts {
		f.settle(p)
	}
	slices.SortFunc(f.parts, func(a, b *fetchPart) int { return int(a.partition) - int(b.partition) })
	if l := r.opts.Leaders; l != nil && l.topic == r.topic {
		// The snapshot's metadata is milliseconds old: fetch at once. A
		// partition it does not know fails the read as a refresh would.
		if err := f.applyMeta(l.meta); err != nil {
			f.needMeta = true
		}
	}
	return f
}

// settle moves p on to its next range once its position reached the
// current range's end, skipping empty ranges, and marks it done when no
// range is left. A follow read has no end.
func (f *fetcher) settle(p *fetchPart) {
	if f.r.opts.Follow {
		return
	}
	for p.pos >= p.end && len(p.rest) > 0 {
		next := p.rest[0]
		p.rest = p.rest[1:]
		p.pos, p.end, p.probe = max(p.pos, next.Start), next.End, false
	}
	p.done = p.pos >= p.end
}

// run is the fetch loop's goroutine: it records the loop's outcome for NextBatch
// and closes segs, then stopped.
func (f *fetcher) run() {
	if debugOn(f.r.ctx, f.log) {
		f.log.LogAttrs(f.r.ctx, slog.LevelDebug, "read started", slog.String("topic", f.r.topic),
			slog.Int("partitions", len(f.parts)), slog.Bool("follow", f.r.opts.Follow),
			slog.String("isolation", f.r.opts.Isolation.String()), slog.Int64("max_records", f.r.opts.MaxRecords))
	}
	err := f.loop()
	if ctx := context.Background(); debugOn(ctx, f.log) {
		attrs := []slog.Attr{slog.String("topic", f.r.topic), slog.Int64("records", f.fetched)}
		if err != nil {
			attrs = append(attrs, slog.Any("err", err))
		}
		f.log.LogAttrs(ctx, slog.LevelDebug, "read fetches ended", attrs...)
	}
	f.r.fetchErr = err
	close(f.r.segs)
	close(f.r.stopped)
}

func (f *fetcher) loop() error {
	r := f.r
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		if f.allDone() || f.budgetSpent() {
			return nil
		}
		if r.ctx.Err() != nil {
			return f.ctxResult()
		}
		now := time.Now()
		if f.needMeta && !now.Before(f.metaAt) {
			if err := f.refreshMeta(); err != nil {
				return err
			}
		}

		wake := f.dispatch(now)
		var wakeC <-chan time.Time
		if !wake.IsZero() {
			if timer == nil {
				timer = time.NewTimer(time.Until(wake))
			} else {
				timer.Reset(time.Until(wake))
			}
			wakeC = timer.C
		}
		select {
		case res := <-f.results:
			delete(f.inflight, res.leader)
			if r.ctx.Err() != nil {
				// The deadline passed while the response was on its
				// way: select picks at random among ready cases, and
				// a response arriving late must not finish the read.
				return f.ctxResult()
			}
			if err := f.handle(res); err != nil {
				return err
			}
		case <-wakeC:
		case <-r.ctx.Done():
			return f.ctxResult()
		}
	}
}

// dispatch sends a fetch to every leader of unfinished partitions that has
// none outstanding and is not backing off. It returns when the loop must
// wake up for a backoff or a metadata refresh; zero when it need not.
func (f *fetcher) dispatch(now time.Time) time.Time {
	var wake time.Time
	if f.budgetSpent() {
		return wake
	}
	for leader, parts := range f.byLeader() {
		if f.inflight[leader] {
			continue
		}
		if at := f.retryAt[leader]; now.Before(at) {
			wake = earliest(wake, at)
			continue
		}
		req, sent := f.buildRequest(parts)
		if req == nil {
			continue
		}
		f.inflight[leader] = true
		go f.send(leader, sent, req)
	}
	if f.needMeta {
		wake = earliest(wake, f.metaAt)
	}
	return wake
}

// budgetSpent reports whether the records fetched cover the read's
// record budget.
func (f *fetcher) budgetSpent() bool {
	return f.r.opts.MaxRecords > 0 && f.fetched >= f.r.opts.MaxRecords
}

// ctxResult is the loop's outcome once the read's context ended: a bounded
// read that hit its deadline timed out; a follow read, or a Close, ends
// normally.
func (f *fetcher) ctxResult() error {
	if errors.Is(f.r.ctx.Err(), context.DeadlineExceeded) && !f.r.opts.Follow {
		return errReadTimedOut
	}
	return nil
}

func (f *fetcher) allDone() bool {
	for _, p := range f.parts {
		if !p.done {
			return false
		}
	}
	return true
}

// byLeader groups the unfinished partitions with a known leader.
func (f *fetcher) byLeader() map[int32][]*fetchPart {
	m := make(map[int32][]*fetchPart)
	for _, p := range f.parts {
		if !p.done && p.leader >= 0 {
			m[p.leader] = append(m[p.leader], p)
		}
	}
	return m
}

// refreshMeta loads the topic's leaders. A missing topic or partition is
// fatal; other failures are retried with backoff.
func (f *fetcher) refreshMeta() error {
	r := f.r
	m, err := r.adm.topicMeta(r.ctx, r.topic)
	if err != nil {
		switch adbcerr.Status(err) {
		case adbc.StatusNotFound:
			if f.haveMeta {
				return adbcerr.New(adbc.StatusNotFound, "topic %q was deleted during the read", r.topic)
			}
			return err
		case adbc.StatusUnauthorized, adbc.StatusUnauthenticated:
			return err
		}
		if r.ctx.Err() != nil {
			return nil // the loop reports the context's end
		}
		// Keep an earlier, more telling cause (a fetch's dial error)
		// over kgo giving up on its metadata retries.
		if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
			r.setLastErr(err)
		}
		f.metaWait = nextBackoff(f.metaWait, errBackoffMin, errBackoffMax)
		f.metaAt = time.Now().Add(f.metaWait)
		if debugOn(r.ctx, f.log) {
			f.log.LogAttrs(r.ctx, slog.LevelDebug, "leader metadata refresh failed; retrying", slog.String("topic", r.topic),
				slog.Duration("retry_in", f.metaWait), slog.Any("err", err))
		}
		return nil
	}
	return f.applyMeta(m)
}

// applyMeta takes the partitions' leaders from m.
func (f *fetcher) applyMeta(m topicMeta) error {
	r := f.r
	if f.haveMeta && m.id != f.topicID {
		return adbcerr.New(adbc.StatusNotFound, "topic %q was deleted and recreated during the read", r.topic)
	}
	f.topicID, f.haveMeta, f.brokers = m.id, true, m.brokers
	f.needMeta = false
	for _, p := range f.parts {
		pm, ok := m.parts[p.partition]
		if !ok {
			return adbcerr.New(adbc.StatusNotFound, "partition %d of topic %q does not exist", p.partition, r.topic)
		}
		p.leader = pm.leader
		if !p.done && p.leader < 0 {
			f.needMeta = true // leader election in progress
		}
	}
	if f.needMeta {
		f.metaWait = nextBackoff(f.metaWait, errBackoffMin, errBackoffMax)
		f.metaAt = time.Now().Add(f.metaWait)
		if debugOn(r.ctx, f.log) {
			f.log.LogAttrs(r.ctx, slog.LevelDebug, "partition leader unknown (election in progress); retrying", slog.String("topic", r.topic),
				slog.Duration("retry_in", f.metaWait))
		}
	} else {
		f.metaWait = 0
	}
	return nil
}

// buildRequest builds one fetch for a leader's partitions: the first
// probing partition alone if any probes, else all of them, rotated so that
// no partition is always last in line for the response's byte budget. It
// returns nil when a follow read has too little time left to wait on the
// broker.
func (f *fetcher) buildRequest(parts []*fetchPart) (*kmsg.FetchRequest, []*fetchPart) {
	r := f.r
	req := kmsg.NewPtrFetchRequest()
	req.IsolationLevel = int8(r.opts.Isolation)
	req.MaxBytes = r.opts.MaxBytes
	req.MinBytes = 1
	if r.opts.Follow {
		wait := min(r.opts.FollowMaxWait, r.timeLeft()-followMargin)
		if wait <= 0 {
			return nil, nil
		}
		req.MaxWaitMillis = int32(max(wait.Milliseconds(), 1))
	}
	// A bounded read has MaxWaitMillis 0: everything below End already
	// exists, so the broker must answer at once.

	sent := parts
	for _, p := range parts {
		if p.probe {
			sent = []*fetchPart{p}
			break
		}
	}
	if len(sent) > 1 {
		f.rotate++
		k := f.rotate % len(sent)
		sent = append(slices.Clone(sent[k:]), sent[:k]...)
	}
	rt := kmsg.NewFetchRequestTopic()
	rt.Topic = r.topic
	rt.TopicID = f.topicID
	rt.Partitions = make([]kmsg.FetchRequestTopicPartition, 0, len(sent))
	for _, p := range sent {
		rp := kmsg.NewFetchRequestTopicPartition()
		rp.Partition = p.partition
		rp.FetchOffset = p.pos
		rp.PartitionMaxBytes = r.opts.PartitionMaxBytes
		rt.Partitions = append(rt.Partitions, rp)
	}
	req.Topics = []kmsg.FetchRequestTopic{rt}
	return req, sent
}

// send issues req to leader and reports the result to the loop.
func (f *fetcher) send(leader int32, parts []*fetchPart, req *kmsg.FetchRequest) {
	// Requests outlive Close and the read's deadline (see Reader.Close):
	// kgo bounds each by its dial timeout and MaxWait plus the request
	// timeout overhead, and a bounded read's MaxWait is 0.
	kresp, err := f.r.cl.Broker(int(leader)).Request(context.Background(), req)
	res := fetchResult{leader: leader, parts: parts, err: err}
	if err == nil {
		res.resp = kresp.(*kmsg.FetchResponse)
	}
	f.results <- res
}

// handle processes one fetch result, queueing records for NextBatch.
func (f *fetcher) handle(res fetchResult) error {
	r := f.r
	if res.err == nil {
		if err := kerr.ErrorForCode(res.resp.ErrorCode); err != nil {
			res.err = err
		}
	}
	if res.err != nil {
		switch st := adbcerr.Status(res.err); st {
		case adbc.StatusUnauthenticated, adbc.StatusUnauthorized:
			return adbcerr.Wrap(res.err, "fetching topic %q from broker %d (%s)", r.topic, res.leader, f.brokers[res.leader])
		}
		if r.ctx.Err() == nil {
			r.setLastErr(fmt.Errorf("broker %d (%s): %w", res.leader, f.brokers[res.leader], res.err))
		}
		for _, p := range res.parts {
			p.leader = -1 // the leader may have moved or died
		}
		f.needMeta = true
		f.backoff[res.leader] = nextBackoff(f.backoff[res.leader], errBackoffMin, errBackoffMax)
		f.retryAt[res.leader] = time.Now().Add(f.backoff[res.leader])
		if debugOn(r.ctx, f.log) {
			f.log.LogAttrs(r.ctx, slog.LevelDebug, "fetch failed; refreshing leaders and retrying", slog.String("topic", r.topic),
				slog.Int("broker", int(res.leader)), slog.String("addr", f.brokers[res.leader]), slog.Int("partitions", len(res.parts)),
				slog.Duration("retry_in", f.backoff[res.leader]), slog.Any("err", res.err))
		}
		return nil
	}

	// Walk every partition's batch headers first: they tell where each
	// fetch continues, so the next request goes out before a record is
	// decoded, and the broker serves it while this response is decoded.
	first := res.parts[0]
	dbg := debugOn(r.ctx, f.log)
	var posBefore int64
	if dbg {
		for _, p := range res.parts {
			posBefore += p.pos
		}
	}
	requested := make(map[int32]bool, len(res.parts))
	for _, p := range res.parts {
		requested[p.partition] = true
	}
	var jobs []decodeJob
	progress := false
	for i := range res.resp.Topics {
		rt := &res.resp.Topics[i]
		if rt.Topic != r.topic && (rt.TopicID != f.topicID || rt.TopicID == [16]byte{}) {
			continue
		}
		for j := range rt.Partitions {
			rp := &rt.Partitions[j]
			p := f.byID[rp.Partition]
			if p == nil || p.done || !requested[p.partition] {
				continue
			}
			job, moved, err := f.walkPartition(p, rp, p == first)
			if err != nil {
				return err
			}
			if moved {
				progress = true
				jobs = append(jobs, job)
			}
		}
	}
	if progress {
		delete(f.backoff, res.leader)
		delete(f.retryAt, res.leader)
	} else {
		f.backoff[res.leader] = nextBackoff(f.backoff[res.leader], stallBackoffMin, stallBackoffMax)
		f.retryAt[res.leader] = time.Now().Add(f.backoff[res.leader])
	}
	if dbg {
		f.logRound(res, posBefore, progress)
	}
	if !f.allDone() {
		f.dispatch(time.Now())
	}
	for _, job := range jobs {
		if err := f.deliver(job); err != nil {
			return err
		}
	}
	return nil
}

// logRound logs one fetch response at debug level: the partitions asked,
// the record bytes returned, how far the positions moved (records plus
// control, aborted and compacted offsets), and, when nothing moved, when
// the leader is asked again. posBefore is the sum of the positions before
// the response was walked.
func (f *fetcher) logRound(res fetchResult, posBefore int64, progress bool) {
	r := f.r
	var bytes int
	for i := range res.resp.Topics {
		for j := range res.resp.Topics[i].Partitions {
			bytes += len(res.resp.Topics[i].Partitions[j].RecordBatches)
		}
	}
	var posAfter int64
	for _, p := range res.parts {
		posAfter += p.pos
	}
	attrs := []slog.Attr{slog.String("topic", r.topic), slog.Int("broker", int(res.leader)),
		slog.Int("partitions", len(res.parts)), slog.Int("bytes", bytes), slog.Int64("offsets", posAfter-posBefore)}
	if !progress && !r.opts.Follow {
		attrs = append(attrs, slog.Duration("retry_in", f.backoff[res.leader]))
	}
	f.log.LogAttrs(r.ctx, slog.LevelDebug, "fetch round", attrs...)
}

// chunkRecords is the most records one segment holds: decoding a fetch
// response chunk by chunk hands the caller its first records while the
// rest are decoded.
const chunkRecords = 8192

// decodeJob is one partition's records from one response, walked but not
// decoded: the decoder (nil for an answer that only moved the position,
// or a legacy batch decoded whole) and the position after them.
type decodeJob struct {
	p       *fetchPart
	c       *chunker
	legacy  *RecordBatch
	next    int64
	settled int64 // records walkPartition counted into fetched
}

// deliver decodes job into segments and queues them for NextBatch. A
// malformed record fails the read after the records before it.
func (f *fetcher) deliver(job decodeJob) error {
	r := f.r
	push := func(seg segment) error {
		if r.ctx.Err() != nil {
			// Past the deadline (or closed): stop, whether or not the
			// caller has room.
			if seg.batch != nil {
				seg.batch.Release()
			}
			return f.ctxResult()
		}
		select {
		case r.segs <- seg:
			return nil
		case <-r.ctx.Done():
			if seg.batch != nil {
				seg.batch.Release()
			}
			return f.ctxResult()
		}
	}
	if job.c == nil {
		return push(segment{partition: job.p.partition, batch: job.legacy, next: job.next})
	}
	var decoded int64
	for {
		b := newRecordBatch(r.topic, job.p.partition, chunkRecords)
		more, err := job.c.fill(b, chunkRecords)
		decoded += int64(b.Len())
		if err != nil {
			if b.Len() > 0 {
				if perr := push(segment{partition: job.p.partition, batch: b, next: b.Offsets[b.Len()-1] + 1}); perr != nil {
					return perr
				}
			} else {
				b.Release()
			}
			return adbcerr.New(adbc.StatusInvalidData, "corrupt data in topic %q partition %d: %v", r.topic, job.p.partition, err)
		}
		next := job.next
		if more {
			next = b.Offsets[b.Len()-1] + 1
		} else {
			f.fetched += decoded - job.settled
		}
		if b.Len() == 0 {
			b.Release()
			b = nil
		}
		if err := push(segment{partition: job.p.partition, batch: b, next: next}); err != nil {
			return err
		}
		if !more {
			return nil
		}
	}
}

// walkPartition reads one partition's share of a fetch response and moves
// its position. It returns the records to decode and whether the position
// moved. first says the partition led its request, where the broker always
// returns at least one whole batch if it has one (KIP-74): an empty answer
// there means nothing exists from the position up to the high watermark.
func (f *fetcher) walkPartition(p *fetchPart, rp *kmsg.FetchResponseTopicPartition, first bool) (decodeJob, bool, error) {
	r := f.r
	if rp.ErrorCode != 0 {
		seg, moved, err := f.partitionError(p, rp)
		return decodeJob{p: p, next: seg.next}, moved, err
	}
	end := int64(math.MaxInt64)
	if !r.opts.Follow {
		end = p.end
	}
	job := decodeJob{p: p}
	w, err := walkPartition(rp, p.pos, end, r.opts.Isolation)
	if errors.Is(err, errOldMagic) {
		var legacy *RecordBatch
		if legacy, w.next, err = decodeLegacy(r.topic, p.partition, rp, p.pos, r.opts.Isolation); err == nil {
			// The response may reach past the snapshot: drop what
			// lies beyond End.
			cut := legacy.Len()
			for cut > 0 && legacy.Offsets[cut-1] >= end {
				cut--
			}
			legacy.truncate(cut)
			w.settled = int64(cut)
			job.legacy = legacy
		}
	} else if err == nil && len(w.data) > 0 {
		job.c = &chunker{data: w.data, pos: p.pos, end: end}
	}
	if err != nil {
		return decodeJob{}, false, adbcerr.New(adbc.StatusInvalidData, "corrupt data in topic %q partition %d at offset %d: %v", r.topic, p.partition, p.pos, err)
	}
	next := min(w.next, end)
	if next > p.pos {
		p.pos, p.probe = next, false
		f.settle(p)
		f.fetched += w.settled
		job.next, job.settled = p.pos, w.settled
		return job, true, nil
	}
	if r.opts.Follow {
		return decodeJob{}, false, nil // the long poll found nothing new
	}
	if len(rp.RecordBatches) == 0 {
		bound := rp.HighWatermark
		if r.opts.Isolation == ReadCommitted && rp.LastStableOffset >= 0 {
			bound = rp.LastStableOffset
		}
		if bound >= p.end {
			if first {
				// Nothing is stored in [pos, end): the end of the
				// range is a gap (records compacted or deleted
				// with no batch left behind).
				p.pos, p.probe = p.end, false
				f.settle(p)
				return decodeJob{p: p, next: p.pos}, true, nil
			}
			p.probe = true
		}
		// Otherwise the leader is behind the snapshot (a new leader
		// still catching up): ask again shortly.
		return decodeJob{}, false, nil
	}
	// Only a truncated batch: the response ran out of bytes.
	p.probe = !first
	return decodeJob{}, false, nil
}

// partitionError handles a fetch error code for p.
func (f *fetcher) partitionError(p *fetchPart, rp *kmsg.FetchResponseTopicPartition) (segment, bool, error) {
	r := f.r
	err := kerr.ErrorForCode(rp.ErrorCode)
	switch {
	case errors.Is(err, kerr.OffsetOutOfRange):
		return f.outOfRange(p, rp)
	case errors.Is(err, kerr.TopicAuthorizationFailed):
		return segment{}, false, adbcerr.New(adbc.StatusUnauthorized, "not authorized to read topic %q", r.topic)
	case kerr.IsRetriable(err) || errors.Is(err, kerr.UnknownTopicID) || errors.Is(err, kerr.InconsistentTopicID):
		// Leadership moved, or the topic is gone or recreated: the
		// metadata refresh tells which.
		r.setLastErr(fmt.Errorf("partition %d: %w", p.partition, err))
		p.leader = -1
		f.needMeta = true
		if debugOn(r.ctx, f.log) {
			f.log.LogAttrs(r.ctx, slog.LevelDebug, "fetch partition error; refreshing leaders and retrying", slog.String("topic", r.topic),
				slog.Int("partition", int(p.partition)), slog.Int64("offset", p.pos), slog.Any("err", err))
		}
		return segment{}, false, nil
	}
	return segment{}, false, adbcerr.Wrap(err, "fetching topic %q partition %d at offset %d", r.topic, p.partition, p.pos)
}

// outOfRange handles OFFSET_OUT_OF_RANGE: the position was deleted under the
// read (log start moved past it), or lies beyond a truncated log end.
func (f *fetcher) outOfRange(p *fetchPart, rp *kmsg.FetchResponseTopicPartition) (segment, bool, error) {
	r := f.r
	logStart := rp.LogStartOffset
	if logStart < 0 {
		starts, err := r.adm.StartOffsets(r.ctx, r.topic)
		if err != nil {
			return segment{}, false, err
		}
		logStart = starts[p.partition]
	}
	if p.pos >= logStart {
		return segment{}, false, adbcerr.New(adbc.StatusInvalidState, "topic %q partition %d: offset %d is past the log end %d (the log was truncated during the read)", r.topic, p.partition, p.pos, rp.HighWatermark)
	}
	lost := logStart
	if !r.opts.Follow {
		lost = min(lost, p.end)
	}
	if !r.opts.SkipDeleted {
		return segment{}, false, adbcerr.New(adbc.StatusInvalidState, "records of topic %q partition %d at offsets [%d, %d) were deleted (retention or DeleteRecords) during the read", r.topic, p.partition, p.pos, lost)
	}
	if debugOn(r.ctx, f.log) {
		f.log.LogAttrs(r.ctx, slog.LevelDebug, "records deleted under the read; skipping them", slog.String("topic", r.topic),
			slog.Int("partition", int(p.partition)), slog.Int64("from", p.pos), slog.Int64("to", lost))
	}
	p.pos, p.probe = lost, false
	f.settle(p)
	return segment{partition: p.partition, next: p.pos}, true, nil
}

// decodeLegacy decodes message sets v0/v1 (Kafka < 0.11 formats, which no
// transaction touches) through kgo's parser.
func decodeLegacy(topic string, partition int32, rp *kmsg.FetchResponseTopicPartition, pos int64, iso Isolation) (*RecordBatch, int64, error) {
	fp, next := kgo.ProcessFetchPartition(kgo.ProcessFetchPartitionOpts{
		Offset:         pos,
		IsolationLevel: isolationLevel(iso),
		Topic:          topic,
		Partition:      partition,
	}, rp, decompressor, nil)
	if fp.Err != nil && len(fp.Records) == 0 && next == pos {
		return nil, pos, fp.Err
	}
	return recordBatchFromRecords(topic, partition, fp.Records), next, nil
}

func isolationLevel(i Isolation) kgo.IsolationLevel {
	if i == ReadCommitted {
		return kgo.ReadCommitted()
	}
	return kgo.ReadUncommitted()
}

func nextBackoff(cur, lo, hi time.Duration) time.Duration {
	if cur < lo {
		return lo
	}
	return min(2*cur, hi)
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}
