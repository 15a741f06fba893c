package kafkaio

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafarr/kafarr/internal/adbcerr"
)

// PartitionRange is the slice [Start, End) of one partition's offsets that a
// bounded read covers. End is exclusive: it is the snapshot's end offset
// (high watermark, or last stable offset under read_committed). Offsets are
// not dense, so End-Start is an upper bound on the records in the range, not
// a count.
type PartitionRange struct {
	Partition  int32
	Start, End int64
}

// Empty reports whether r holds no offsets.
func (r PartitionRange) Empty() bool { return r.Start >= r.End }

// Snapshot is the set of ranges a bounded read of one topic covers, sorted
// by partition. A partition narrowed to a union of offset ranges (a WHERE
// clause's OR) has several, in ascending offset order.
type Snapshot struct {
	Topic  string
	Ranges []PartitionRange
	// Leaders is the partition leadership the snapshot saw, which spares
	// a Reader of the ranges its first metadata request; nil when unknown
	// (a snapshot rebuilt from offsets alone).
	Leaders *Leaders
}

// Total returns the sum of End-Start over non-empty ranges: the progress
// total a read of s implies (an upper bound, since offsets are not dense).
func (s Snapshot) Total() int64 {
	var n int64
	for _, r := range s.Ranges {
		if !r.Empty() {
			n += r.End - r.Start
		}
	}
	return n
}

// StartOffsetsJSON renders the ranges' start offsets as the JSON object of
// the kafarr.read.start_offsets metadata: {"0":12,"1":40}, partitions in
// numeric order. A partition with several ranges shows its first's start.
func (s Snapshot) StartOffsetsJSON() string {
	return offsetsJSON(s.Ranges, false)
}

// EndOffsetsJSON renders the ranges' end offsets as the JSON object of the
// kafarr.read.end_offsets metadata. A partition with several ranges shows
// its last's end.
func (s Snapshot) EndOffsetsJSON() string {
	return offsetsJSON(s.Ranges, true)
}

// RangesJSON renders every range as the JSON object of the
// kafarr.read.ranges metadata: partition -> list of [start, end) pairs,
// {"0":[[0,10],[90,100]],"2":[[0,5]]}, partitions in numeric order.
func (s Snapshot) RangesJSON() string {
	b := make([]byte, 0, 2+24*len(s.Ranges))
	b = append(b, '{')
	for i, r := range s.Ranges {
		if i == 0 || s.Ranges[i-1].Partition != r.Partition {
			if i > 0 {
				b = append(b, "],"...)
			}
			b = append(b, '"')
			b = strconv.AppendInt(b, int64(r.Partition), 10)
			b = append(b, "\":["...)
		} else {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = strconv.AppendInt(b, r.Start, 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, r.End, 10)
		b = append(b, ']')
	}
	if len(s.Ranges) > 0 {
		b = append(b, ']')
	}
	return string(append(b, '}'))
}

// offsetsJSON renders one offset per partition: the start of its first
// range, or the end of its last.
func offsetsJSON(rs []PartitionRange, end bool) string {
	b := make([]byte, 0, 2+16*len(rs))
	b = append(b, '{')
	for i, r := range rs {
		v := r.Start
		if end {
			if i+1 < len(rs) && rs[i+1].Partition == r.Partition {
				continue
			}
			v = r.End
		} else if i > 0 && rs[i-1].Partition == r.Partition {
			continue
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = strconv.AppendInt(b, int64(r.Partition), 10)
		b = append(b, '"', ':')
		b = strconv.AppendInt(b, v, 10)
	}
	return string(append(b, '}'))
}

// StartKind says where a snapshot's ranges begin.
type StartKind uint8

const (
	// StartEarliest starts at each partition's log start offset.
	StartEarliest StartKind = iota
	// StartLatest starts at the snapshot end: only a follow read sees
	// anything.
	StartLatest
	// StartTimestamp starts at the first offset whose timestamp is at or
	// after SnapshotOptions.Millis (the end when there is none).
	StartTimestamp
)

// SnapshotOptions tune Admin.Snapshot.
type SnapshotOptions struct {
	// Partitions limits the snapshot to these partitions; nil is all.
	// A partition the topic does not have is a NotFound error.
	Partitions []int32
	// Isolation picks the end offset: high watermark for ReadUncommitted,
	// last stable offset for ReadCommitted.
	Isolation Isolation
	// Start is where ranges begin; default StartEarliest.
	Start StartKind
	// Millis is the timestamp (ms since the epoch) for StartTimestamp.
	Millis int64
	// Group, when set, starts each partition at the group's committed
	// offset; partitions without one fall back to Start.
	Group string
	// Filter, when set, keeps only the partitions it accepts (after
	// Partitions is checked); the snapshot may then have no range.
	Filter func(partition int32) bool
}

// Snapshot lists topic's partitions, snapshots their end offsets, and
// computes start offsets per opts. Starts are clamped into [log start, end]:
// a committed offset deleted by retention restarts at the log start, one
// past the end (possible under read_committed) at the end. A missing topic
// is NotFound.
//
// It costs one metadata round trip, then one concurrent round of offset
// lookups (end, log start, and the timestamp or group ones opts asks for):
// planning sits on every query's critical path.
func (a *Admin) Snapshot(ctx context.Context, topic string, opts SnapshotOptions) (Snapshot, error) {
	m, err := a.topicMeta(ctx, topic)
	if err != nil {
		return Snapshot{}, err
	}
	parts := opts.Partitions
	if parts == nil {
		parts = m.sortedPartitions()
	} else {
		parts = slices.Clone(parts)
		slices.Sort(parts)
		parts = slices.Compact(parts)
		for _, p := range parts {
			if _, ok := m.parts[p]; !ok {
				return Snapshot{}, adbcerr.New(adbc.StatusNotFound, "partition %d of topic %q does not exist (the topic has %d partitions)", p, topic, len(m.parts))
			}
		}
	}
	if opts.Filter != nil {
		parts = slices.DeleteFunc(parts, func(p int32) bool { return !opts.Filter(p) })
	}
	s := Snapshot{Topic: topic, Ranges: make([]PartitionRange, 0, len(parts)), Leaders: m.leaders(topic)}
	if len(parts) == 0 {
		return s, nil
	}
	if opts.Start > StartTimestamp {
		return Snapshot{}, adbcerr.New(adbc.StatusInvalidArgument, "invalid snapshot start kind %d", opts.Start)
	}
	// The lookups are independent: the log start and the end may be read
	// in either order, since the clamp below keeps start <= end, and a
	// start moved by retention meanwhile is what the read meets anyway.
	var (
		wg                               sync.WaitGroup
		ends, logStarts, byTime, commits map[int32]int64
		errs                             [4]error
	)
	lookup := func(i int, dst *map[int32]int64, fn func() (map[int32]int64, error)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			*dst, errs[i] = fn()
		}()
	}
	lookup(0, &ends, func() (map[int32]int64, error) {
		return a.listOffsets(ctx, topic, parts, offsetsLatest, opts.Isolation, "end offsets")
	})
	lookup(1, &logStarts, func() (map[int32]int64, error) {
		return a.listOffsets(ctx, topic, parts, offsetsEarliest, ReadUncommitted, "start offsets")
	})
	if opts.Start == StartTimestamp {
		lookup(2, &byTime, func() (map[int32]int64, error) { return a.OffsetsForTimestamp(ctx, topic, opts.Millis) })
	}
	if opts.Group != "" {
		lookup(3, &commits, func() (map[int32]int64, error) { return a.CommittedOffsets(ctx, opts.Group, topic) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return Snapshot{}, err
		}
	}
	for _, p := range parts {
		end, ok := ends[p]
		if !ok || end < 0 {
			// A negative end would clamp the range to nothing and pass
			// an unreadable partition off as empty.
			return Snapshot{}, adbcerr.New(adbc.StatusIO, "no end offset returned for partition %d of topic %q (got %d)", p, topic, end)
		}
		logStart := logStarts[p]
		start, ok := commits[p]
		if !ok {
			switch opts.Start {
			case StartEarliest:
				start = logStart
			case StartLatest:
				start = end
			case StartTimestamp:
				start = byTime[p]
			}
		}
		start = max(start, logStart)
		start = min(start, end)
		s.Ranges = append(s.Ranges, PartitionRange{Partition: p, Start: start, End: end})
	}
	return s, nil
}

// ListOffsets timestamps with a special meaning.
const (
	offsetsLatest   = -1 // the high watermark, or the last stable offset
	offsetsEarliest = -2 // the log start
)

// listOffsets asks the partitions' leaders for the offset at ts (a special
// timestamp) in one ListOffsets request, which kgo splits by leader. Unlike
// kadm's listing it issues no metadata request of its own: the caller has
// just made one.
//
// A partition that answers a retriable error (NOT_LEADER_OR_FOLLOWER,
// LEADER_NOT_AVAILABLE, OFFSET_NOT_AVAILABLE, ...) is asked again, up to
// listOffsetsTries times in all with a growing pause: a partition just
// created, or whose leader just moved, answers so for a moment, and kgo
// retries such answers only for topics it holds metadata of (CI saw a
// listing right after CreateTopic fail so). Kafka's consumer retries them
// too.
func (a *Admin) listOffsets(ctx context.Context, topic string, parts []int32, ts int64, iso Isolation, what string) (map[int32]int64, error) {
	backoff := listOffsetsBackoff
	for try := 1; ; try++ {
		out, retriable, err := a.listOffsetsOnce(ctx, topic, parts, ts, iso, what)
		if err == nil || !retriable || try == listOffsetsTries {
			return out, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, time.Second)
	}
}

// listOffsetsTries and listOffsetsBackoff bound listOffsets' retries: the
// pauses double from 25 ms to at most 1 s, about 3.6 s in all.
const (
	listOffsetsTries   = 9
	listOffsetsBackoff = 25 * time.Millisecond
)

// listOffsetsOnce is one ListOffsets request of listOffsets; retriable is
// set when err is a partition's retriable error.
func (a *Admin) listOffsetsOnce(ctx context.Context, topic string, parts []int32, ts int64, iso Isolation, what string) (out map[int32]int64, retriable bool, err error) {
	req := kmsg.NewPtrListOffsetsRequest()
	req.ReplicaID = -1
	req.IsolationLevel = int8(iso)
	rt := kmsg.NewListOffsetsRequestTopic()
	rt.Topic = topic
	rt.Partitions = make([]kmsg.ListOffsetsRequestTopicPartition, len(parts))
	for i, p := range parts {
		rp := kmsg.NewListOffsetsRequestTopicPartition()
		rp.Partition, rp.Timestamp = p, ts
		rt.Partitions[i] = rp
	}
	req.Topics = []kmsg.ListOffsetsRequestTopic{rt}
	resp, err := req.RequestWith(ctx, a.cl)
	if err != nil {
		return nil, false, adbcerr.Wrap(err, "listing %s of topic %q", what, topic)
	}
	out = make(map[int32]int64, len(parts))
	for _, t := range resp.Topics {
		if t.Topic != topic {
			continue
		}
		for _, p := range t.Partitions {
			if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
				if errors.Is(err, kerr.UnknownTopicOrPartition) {
					return nil, false, adbcerr.New(adbc.StatusNotFound, "partition %d of topic %q does not exist", p.Partition, topic)
				}
				return nil, kerr.IsRetriable(err), adbcerr.Wrap(err, "listing %s of topic %q partition %d", what, topic, p.Partition)
			}
			out[p.Partition] = p.Offset
		}
	}
	return out, false, nil
}

// EndOffsets returns each partition's end offset: the high watermark under
// ReadUncommitted, the last stable offset (ListOffsets with isolation level
// 1) under ReadCommitted.
func (a *Admin) EndOffsets(ctx context.Context, topic string, iso Isolation) (map[int32]int64, error) {
	m, err := a.topicMeta(ctx, topic)
	if err != nil {
		return nil, err
	}
	return a.listOffsets(ctx, topic, m.sortedPartitions(), offsetsLatest, iso, "end offsets")
}

// StartOffsets returns each partition's log start offset (the earliest
// offset still stored).
func (a *Admin) StartOffsets(ctx context.Context, topic string) (map[int32]int64, error) {
	m, err := a.topicMeta(ctx, topic)
	if err != nil {
		return nil, err
	}
	return a.listOffsets(ctx, topic, m.sortedPartitions(), offsetsEarliest, ReadUncommitted, "start offsets")
}

// OffsetsForTimestamp returns, per partition, the first offset whose record
// timestamp is at or after millis (ms since the epoch), or the high
// watermark when no record is that recent.
func (a *Admin) OffsetsForTimestamp(ctx context.Context, topic string, millis int64) (map[int32]int64, error) {
	if millis < 0 {
		return nil, adbcerr.New(adbc.StatusInvalidArgument, "invalid timestamp %d for topic %q: must be milliseconds since the epoch", millis, topic)
	}
	l, err := a.adm.ListOffsetsAfterMilli(ctx, millis, topic)
	return listedFor(l, err, topic, fmt.Sprintf("offsets for timestamp %d", millis))
}

// listedFor turns a kadm ListOffsets answer for one topic into a map,
// mapping a missing topic to NotFound and naming the topic in every error.
func listedFor(l kadm.ListedOffsets, err error, topic, what string) (map[int32]int64, error) {
	if err != nil {
		return nil, adbcerr.Wrap(err, "listing %s of topic %q", what, topic)
	}
	ps, ok := l[topic]
	if !ok {
		return nil, topicNotFound(topic)
	}
	out := make(map[int32]int64, len(ps))
	for p, o := range ps {
		if o.Err != nil {
			if errors.Is(o.Err, kerr.UnknownTopicOrPartition) {
				if p < 0 {
					return nil, topicNotFound(topic)
				}
				return nil, adbcerr.New(adbc.StatusNotFound, "partition %d of topic %q does not exist", p, topic)
			}
			return nil, adbcerr.Wrap(o.Err, "listing %s of topic %q partition %d", what, topic, p)
		}
		out[p] = o.Offset
	}
	return out, nil
}

// CommittedOffsets returns the offsets group has committed for topic's
// partitions. Partitions without a commit are absent; a group that does not
// exist has none.
func (a *Admin) CommittedOffsets(ctx context.Context, group, topic string) (map[int32]int64, error) {
	var rs kadm.OffsetResponses
	err := retryCoordinator(ctx, func() (err error) {
		rs, err = a.adm.FetchOffsetsForTopics(ctx, group, topic)
		return err
	})
	if err != nil {
		if errors.Is(err, kerr.GroupIDNotFound) {
			return map[int32]int64{}, nil
		}
		return nil, adbcerr.Wrap(err, "fetching committed offsets of group %q for topic %q", group, topic)
	}
	out := make(map[int32]int64)
	for p, r := range rs[topic] {
		if r.Err != nil {
			if errors.Is(r.Err, kerr.UnknownTopicOrPartition) {
				continue
			}
			return nil, adbcerr.Wrap(r.Err, "fetching committed offset of group %q for topic %q partition %d", group, topic, p)
		}
		if r.At >= 0 {
			out[p] = r.At
		}
	}
	return out, nil
}

// CommitOffsets commits exactly offsets (partition -> next offset to read)
// for group on topic, as a standalone commit (no group membership). Kafka
// refuses such commits while the group has live members; that is an
// InvalidState error naming the group. Any partition's failure fails the
// call, naming the partition.
func (a *Admin) CommitOffsets(ctx context.Context, group, topic string, offsets map[int32]int64) error {
	if group == "" {
		return adbcerr.New(adbc.StatusInvalidArgument, "cannot commit offsets of topic %q without a consumer group", topic)
	}
	if len(offsets) == 0 {
		return nil
	}
	os := make(kadm.Offsets)
	for p, at := range offsets {
		if at < 0 {
			return adbcerr.New(adbc.StatusInvalidArgument, "cannot commit negative offset %d for topic %q partition %d", at, topic, p)
		}
		os.Add(kadm.Offset{Topic: topic, Partition: p, At: at, LeaderEpoch: -1})
	}
	var rs kadm.OffsetResponses
	err := retryCoordinator(ctx, func() (err error) {
		if rs, err = a.adm.CommitOffsets(ctx, group, os); err == nil {
			err = firstCoordinatorErr(rs)
		}
		return err
	})
	if err != nil {
		return adbcerr.Wrap(err, "committing offsets of group %q for topic %q", group, topic)
	}
	ps := rs[topic]
	keys := make([]int32, 0, len(ps))
	for p := range ps {
		keys = append(keys, p)
	}
	slices.Sort(keys)
	for _, p := range keys {
		if err := ps[p].Err; err != nil {
			if errors.Is(err, kerr.UnknownTopicOrPartition) {
				return adbcerr.New(adbc.StatusNotFound, "committing offsets of group %q: topic %q partition %d does not exist", group, topic, p)
			}
			return adbcerr.Wrap(err, "committing offset %d of group %q for topic %q partition %d", offsets[p], group, topic, p)
		}
	}
	return nil
}

// coordinatorRetryMax bounds how long group offset calls retry while the
// group coordinator is unavailable, when ctx allows that long.
const coordinatorRetryMax = 15 * time.Second

// retryCoordinator runs fn until it succeeds or fails with something other
// than a transient coordinator error. A broker that just started answers
// group requests with COORDINATOR_NOT_AVAILABLE or
// COORDINATOR_LOAD_IN_PROGRESS until __consumer_offsets is ready.
func retryCoordinator(ctx context.Context, fn func() error) error {
	deadline := time.Now().Add(coordinatorRetryMax)
	backoff := 20 * time.Millisecond
	for {
		err := fn()
		if !isCoordinatorErr(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 500*time.Millisecond)
	}
}

func isCoordinatorErr(err error) bool {
	return errors.Is(err, kerr.CoordinatorNotAvailable) || errors.Is(err, kerr.CoordinatorLoadInProgress) || errors.Is(err, kerr.NotCoordinator)
}

// firstCoordinatorErr returns a transient coordinator error carried by any
// partition of a commit response, so that the commit is retried whole.
func firstCoordinatorErr(rs kadm.OffsetResponses) error {
	for _, ps := range rs {
		for _, r := range ps {
			if isCoordinatorErr(r.Err) {
				return r.Err
			}
		}
	}
	return nil
}
