package driver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"golang.org/x/sync/errgroup"

	"github.com/kafarr/kafarr/internal/adbcerr"
	"github.com/kafarr/kafarr/internal/session"
	"github.com/kafarr/kafarr/kafkaio"
)

// kafarr's own statistics, reported per partition. ADBC reserves keys
// below 1024. A per-partition statistic names its partition in the
// column_name field as "_partition=<n>" (ADBC statistics are per table or
// per column, and a partition is neither).
const (
	// StatisticPartitionRowCountKey is the key of the number of records
	// in one partition; value int64 when exact, float64 when approximate,
	// like adbc.statistic.row_count.
	StatisticPartitionRowCountKey  = 1024
	StatisticPartitionRowCountName = "kafarr.statistic.partition_row_count"
	// StatisticPartitionStartOffsetKey is the key of a partition's log
	// start offset (the first offset a read starts at); int64, exact.
	StatisticPartitionStartOffsetKey  = 1025
	StatisticPartitionStartOffsetName = "kafarr.statistic.partition_start_offset"
	// StatisticPartitionEndOffsetKey is the key of a partition's end
	// offset (high watermark, or last stable offset under read_committed:
	// where a read stops); int64, exact.
	StatisticPartitionEndOffsetKey  = 1026
	StatisticPartitionEndOffsetName = "kafarr.statistic.partition_end_offset"
)

// partitionColumnPrefix starts the column_name of a per-partition
// statistic.
const partitionColumnPrefix = "_partition="

// Union type codes of the statistic_value dense union.
const (
	statValueInt64   int8 = 0
	statValueFloat64 int8 = 2
)

// partitionStat is one partition's offsets and row count.
type partitionStat struct {
	partition  int32
	start, end int64
	rows       int64
	// approximate is set when offsets are not dense in [start, end)
	// (compaction, transaction markers, aborted records) or might not
	// be, so that rows = end - start over-counts.
	approximate bool
}

// topicStat is one topic's partitions, sorted by partition.
type topicStat struct {
	topic string
	parts []partitionStat
}

// GetStatistics reports, per topic, adbc.statistic.row_count (the table
// level, column_name null) and, per partition, the kafarr statistics
// partition_row_count, partition_start_offset and partition_end_offset.
// Filters and internal topics are as in GetObjects. A row count is the
// number of rows SELECT * would return now: records between the log start
// offset and the end offset a read stops at under the connection's
// kafarr.read.isolation (the last stable offset under read_committed, the
// default; the high watermark under read_uncommitted).
//
// With approximate true, counts come from offsets alone (end minus log
// start), which is exact when the partition's offsets are dense. Offsets
// have gaps where compaction removed records, at transaction markers and,
// under read_committed, at aborted records; a partition is flagged
// approximate (and its count, then an upper bound, is a float64, as ADBC
// specifies) when any of these is seen: cleanup.policy contains
// "compact"; the broker reports a producer on it that wrote transaction
// markers or has a transaction open (DescribeProducers; brokers forget
// producers after producer.id.expiration.ms, one day by default, and a
// broker that cannot answer leaves the partition flagged); or its last
// offset holds no record (a transaction marker, as after every
// transactional write). The producer check is conservative: a partition
// whose only transaction is still open beyond the range counted is flagged
// too. A partition that had transactional writes long ago, followed only
// by plain ones, can escape these checks and be reported exact while
// over-counting.
//
// With approximate false, every non-empty partition is read (records are
// counted, keys and values are not decoded), each topic within
// kafarr.read.timeout_ms, so every count is exact. That costs a full read
// of the topics asked for.
func (c *Connection) GetStatistics(ctx context.Context, catalog, dbSchema, tableName *string, approximate bool) (array.RecordReader, error) {
	if err := c.sess.CheckOpen(); err != nil {
		return nil, err
	}
	b := array.NewRecordBuilder(c.sess.Alloc, adbc.GetStatisticsSchema)
	defer b.Release()
	if matchFilter(catalog, CatalogName) {
		var stats []topicStat
		schemaMatches := matchFilter(dbSchema, DBSchemaName)
		if schemaMatches {
			var err error
			if stats, err = c.topicStatistics(ctx, tableName, !approximate); err != nil {
				return nil, err
			}
		}
		appendStatistics(b, schemaMatches, stats)
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	return array.NewRecordReader(adbc.GetStatisticsSchema, []arrow.RecordBatch{rec})
}

// GetStatisticNames lists kafarr's own statistics (keys 1024-1026).
func (c *Connection) GetStatisticNames(context.Context) (array.RecordReader, error) {
	if err := c.sess.CheckOpen(); err != nil {
		return nil, err
	}
	b := array.NewRecordBuilder(c.sess.Alloc, adbc.GetStatisticNamesSchema)
	defer b.Release()
	names := b.Field(0).(*array.StringBuilder)
	keys := b.Field(1).(*array.Int16Builder)
	names.AppendValues([]string{StatisticPartitionRowCountName, StatisticPartitionStartOffsetName, StatisticPartitionEndOffsetName}, nil)
	keys.AppendValues([]int16{StatisticPartitionRowCountKey, StatisticPartitionStartOffsetKey, StatisticPartitionEndOffsetKey}, nil)
	rec := b.NewRecordBatch()
	defer rec.Release()
	return array.NewRecordReader(adbc.GetStatisticNamesSchema, []arrow.RecordBatch{rec})
}

// topicStatistics computes the statistics of the topics matching
// tableName; with exact, by reading every non-empty partition. Topics
// deleted meanwhile are left out.
func (c *Connection) topicStatistics(ctx context.Context, tableName *string, exact bool) ([]topicStat, error) {
	listed, err := c.sess.Admin.ListTopics(ctx, c.sess.Options.Read().IncludeInternal)
	if err != nil {
		return nil, err
	}
	var topics []string
	for _, t := range listed {
		if matchFilter(tableName, t.Name) {
			topics = append(topics, t.Name)
		}
	}
	if len(topics) == 0 {
		// kadm lists every topic when given none.
		return nil, nil
	}
	iso := session.Isolation(c.sess.Options.Read().Isolation)
	adm := kadm.NewClient(c.sess.Client)
	// End offsets first: the log start only moves forward, so reading it
	// second never describes records the end does not cover.
	var ends kadm.ListedOffsets
	if iso == kafkaio.ReadCommitted {
		ends, err = adm.ListCommittedOffsets(ctx, topics...)
	} else {
		ends, err = adm.ListEndOffsets(ctx, topics...)
	}
	if err != nil {
		return nil, listErr(err, "end offsets")
	}
	starts, err := adm.ListStartOffsets(ctx, topics...)
	if err != nil {
		return nil, listErr(err, "start offsets")
	}
	stats := make([]topicStat, 0, len(topics))
	for _, topic := range topics {
		ts, ok, err := buildTopicStat(topic, ends, starts)
		if err != nil {
			return nil, err
		}
		if ok { // else deleted since it was listed
			stats = append(stats, ts)
		}
	}
	if !exact {
		compacted, err := compactedTopics(ctx, adm, topics)
		if err != nil {
			return nil, err
		}
		txn := transactionalPartitions(ctx, adm, ends)
		for i := range stats {
			for j := range stats[i].parts {
				p := &stats[i].parts[j]
				known, isTxn := txn.lookup(stats[i].topic, p.partition)
				p.approximate = p.rows > 0 && (compacted[stats[i].topic] || !known || isTxn)
			}
		}
	}
	// Reading: the tail probe of partitions not flagged yet, or the full
	// count. One reader per topic, a few topics at a time.
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(catalogParallelism)
	for i := range stats {
		g.Go(func() error {
			if exact {
				return c.countRecords(gctx, &stats[i], iso)
			}
			return c.probeTails(gctx, &stats[i], iso)
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return stats, nil
}

// buildTopicStat assembles a topic's partitions from the offset listings.
// ok is false when the topic no longer exists.
func buildTopicStat(topic string, ends, starts kadm.ListedOffsets) (topicStat, bool, error) {
	ts := topicStat{topic: topic}
	for p, e := range ends[topic] {
		if e.Err != nil {
			if errors.Is(e.Err, kerr.UnknownTopicOrPartition) {
				return ts, false, nil
			}
			return ts, false, adbcerr.Wrap(e.Err, "statistics of topic %q: listing end offsets of partition %d", topic, p)
		}
		s, ok := starts[topic][p]
		if !ok || s.Err != nil {
			if !ok || errors.Is(s.Err, kerr.UnknownTopicOrPartition) {
				return ts, false, nil
			}
			return ts, false, adbcerr.Wrap(s.Err, "statistics of topic %q: listing the log start offset of partition %d", topic, p)
		}
		start := min(s.Offset, e.Offset) // retention may pass the end meanwhile
		ts.parts = append(ts.parts, partitionStat{partition: p, start: start, end: e.Offset, rows: e.Offset - start})
	}
	if len(ts.parts) == 0 {
		return ts, false, nil
	}
	slices.SortFunc(ts.parts, func(a, b partitionStat) int { return int(a.partition) - int(b.partition) })
	return ts, true, nil
}

// listErr names what was being listed in a kadm ListOffsets failure.
func listErr(err error, what string) error {
	return adbcerr.Wrap(err, "statistics: listing %s", what)
}

// compactedTopics returns which topics have "compact" in cleanup.policy.
// A topic deleted meanwhile is simply absent.
func compactedTopics(ctx context.Context, adm *kadm.Client, topics []string) (map[string]bool, error) {
	rcs, err := adm.DescribeTopicConfigs(ctx, topics...)
	if err != nil {
		return nil, adbcerr.Wrap(err, "statistics: describing topic configs")
	}
	out := make(map[string]bool, len(rcs))
	for _, rc := range rcs {
		if rc.Err != nil {
			if errors.Is(rc.Err, kerr.UnknownTopicOrPartition) {
				continue
			}
			return nil, adbcerr.Wrap(rc.Err, "statistics: describing the configs of topic %q", rc.Name)
		}
		for _, cfg := range rc.Configs {
			if cfg.Key == "cleanup.policy" && cfg.Value != nil && strings.Contains(*cfg.Value, "compact") {
				out[rc.Name] = true
			}
		}
	}
	return out, nil
}

// txnState records, per partition, whether the broker described its
// producers and whether one of them is transactional.
type txnState map[string]map[int32]bool

// lookup returns whether the partition's producers are known, and if so
// whether one is transactional.
func (s txnState) lookup(topic string, partition int32) (known, transactional bool) {
	t, known := s[topic][partition]
	return known, t
}

// transactionalPartitions asks the brokers which partitions have
// transactional producers. A producer is transactional when it has
// written a transaction marker (a coordinator epoch) or has a transaction
// open. Failures (old brokers, missing ACLs) leave partitions unknown,
// which the caller treats as possibly transactional.
func transactionalPartitions(ctx context.Context, adm *kadm.Client, listed kadm.ListedOffsets) txnState {
	set := make(kadm.TopicsSet)
	for topic, ps := range listed {
		for p, o := range ps {
			if o.Err == nil && p >= 0 {
				set.Add(topic, p)
			}
		}
	}
	out := make(txnState)
	if len(set) == 0 {
		return out
	}
	described, _ := adm.DescribeProducers(ctx, set) // partial answers still count
	described.EachPartition(func(d kadm.DescribedProducersPartition) {
		if d.Err != nil {
			return
		}
		isTxn := false
		for _, pr := range d.ActiveProducers {
			if pr.CoordinatorEpoch >= 0 || pr.CurrentTxnStartOffset >= 0 {
				isTxn = true
			}
		}
		if out[d.Topic] == nil {
			out[d.Topic] = make(map[int32]bool)
		}
		out[d.Topic][d.Partition] = isTxn
	})
	return out
}

// countRecords reads every non-empty partition of ts and sets exact row
// counts: the records a SELECT under iso returns, without transaction
// markers, compacted-away or (read_committed) aborted records.
func (c *Connection) countRecords(ctx context.Context, ts *topicStat, iso kafkaio.Isolation) error {
	var ranges []kafkaio.PartitionRange
	for i := range ts.parts {
		p := &ts.parts[i]
		if p.rows > 0 {
			ranges = append(ranges, kafkaio.PartitionRange{Partition: p.partition, Start: p.start, End: p.end})
		}
	}
	counts, err := c.readCounts(ctx, ts.topic, ranges, iso)
	if err != nil {
		return err
	}
	for i := range ts.parts {
		p := &ts.parts[i]
		if p.rows > 0 {
			p.rows = counts[p.partition]
		}
		p.approximate = false
	}
	return nil
}

// probeTails reads the last offset of each non-empty partition of ts not
// flagged approximate yet, and flags those where it holds no record: a
// transaction marker (or, under read_committed, an aborted record).
func (c *Connection) probeTails(ctx context.Context, ts *topicStat, iso kafkaio.Isolation) error {
	var ranges []kafkaio.PartitionRange
	for _, p := range ts.parts {
		if p.rows > 0 && !p.approximate {
			ranges = append(ranges, kafkaio.PartitionRange{Partition: p.partition, Start: p.end - 1, End: p.end})
		}
	}
	if len(ranges) == 0 {
		return nil
	}
	counts, err := c.readCounts(ctx, ts.topic, ranges, iso)
	if err != nil {
		return err
	}
	for i := range ts.parts {
		p := &ts.parts[i]
		if p.rows > 0 && !p.approximate && counts[p.partition] == 0 {
			p.approximate = true
		}
	}
	return nil
}

// readCounts reads ranges of topic under iso, within kafarr.read.timeout_ms,
// and returns the number of records per partition.
func (c *Connection) readCounts(ctx context.Context, topic string, ranges []kafkaio.PartitionRange, iso kafkaio.Isolation) (map[int32]int64, error) {
	counts := make(map[int32]int64, len(ranges))
	if len(ranges) == 0 {
		return counts, nil
	}
	timeout := c.sess.Options.Read().Timeout
	r, err := kafkaio.NewPartitionReader(c.sess.Client, topic, ranges, kafkaio.ReaderOptions{Isolation: iso, Timeout: timeout})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	for {
		b, err := r.NextBatch(ctx)
		if err == io.EOF {
			return counts, nil
		}
		if err != nil {
			return nil, err
		}
		counts[b.Partition] += int64(b.Len())
	}
}

// appendStatistics appends kafarr's catalog with the statistics of stats.
func appendStatistics(b *array.RecordBuilder, schemaMatches bool, stats []topicStat) {
	b.Field(0).(*array.StringBuilder).Append(CatalogName)
	schemas := b.Field(1).(*array.ListBuilder)
	schemas.Append(true)
	if !schemaMatches {
		return
	}
	schema := schemas.ValueBuilder().(*array.StructBuilder)
	schema.Append(true)
	schema.FieldBuilder(0).(*array.StringBuilder).Append(DBSchemaName)
	list := schema.FieldBuilder(1).(*array.ListBuilder)
	list.Append(true)
	st := list.ValueBuilder().(*array.StructBuilder)
	table := st.FieldBuilder(0).(*array.StringBuilder)
	column := st.FieldBuilder(1).(*array.StringBuilder)
	key := st.FieldBuilder(2).(*array.Int16Builder)
	value := st.FieldBuilder(3).(*array.DenseUnionBuilder)
	approx := st.FieldBuilder(4).(*array.BooleanBuilder)
	ints := value.Child(int(statValueInt64)).(*array.Int64Builder)
	floats := value.Child(int(statValueFloat64)).(*array.Float64Builder)

	add := func(topic, col string, k int16, v int64, approximate bool) {
		st.Append(true)
		table.Append(topic)
		if col == "" {
			column.AppendNull()
		} else {
			column.Append(col)
		}
		key.Append(k)
		// ADBC: counts are int64 when exact, float64 when approximate.
		if approximate {
			value.Append(statValueFloat64)
			floats.Append(float64(v))
		} else {
			value.Append(statValueInt64)
			ints.Append(v)
		}
		approx.Append(approximate)
	}
	for _, ts := range stats {
		var rows int64
		approximate := false
		for _, p := range ts.parts {
			rows += p.rows
			approximate = approximate || p.approximate
		}
		add(ts.topic, "", adbc.StatisticRowCountKey, rows, approximate)
		for _, p := range ts.parts {
			col := fmt.Sprintf("%s%d", partitionColumnPrefix, p.partition)
			add(ts.topic, col, StatisticPartitionRowCountKey, p.rows, p.approximate)
			add(ts.topic, col, StatisticPartitionStartOffsetKey, p.start, false)
			add(ts.topic, col, StatisticPartitionEndOffsetKey, p.end, false)
		}
	}
}

var _ adbc.ConnectionGetStatistics = (*Connection)(nil)
