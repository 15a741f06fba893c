package statement

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/kafarr/kafarr/internal/adbcerr"
	"github.com/kafarr/kafarr/internal/session"
	"github.com/kafarr/kafarr/internal/sqlparse"
	"github.com/kafarr/kafarr/kafkaio"
	"github.com/kafarr/kafarr/options"
)

// partitionDescriptor is what ExecutePartitions hands out per split: enough
// for ReadPartition, on any connection to the same cluster and in any
// process, to read exactly that slice with the same schema, projection and
// filters. A split is the offset range [Start, End) of one Kafka partition,
// cut from the planner's snapshot: a whole partition's range, or a piece of
// it under kafarr.partitions.max_rows. The SQL carries the projection and
// the filters; Value and Key carry the formats the planner settled, so that
// no split decides them again from what it happens to see.
type partitionDescriptor struct {
	Version   int              `json:"v"`
	SQL       string           `json:"sql"`
	Topic     string           `json:"topic"`
	Partition int32            `json:"partition"`
	Start     int64            `json:"start"`
	End       int64            `json:"end"`
	Value     formatDescriptor `json:"value"`
	Key       formatDescriptor `json:"key"`
	// Options are the result-shaping read options in force when the
	// split was planned (partitionOptions).
	Options map[string]string `json:"options"`
}

// formatDescriptor is the resolved format of a split's values or keys.
type formatDescriptor struct {
	// Format is a kafarr.value.format (or kafarr.key.format) value other
	// than auto: the format the planner chose.
	Format string `json:"format,omitempty"`
	// Subject is the registry subject the schema came from, for the
	// result metadata; "" when none.
	Subject string `json:"subject,omitempty"`
	// SchemaID is the registry id of the reader schema; 0 when the format
	// has none.
	SchemaID int `json:"schema_id,omitempty"`
	// Schema is a schema that is not in the registry (one inferred from
	// the data, say), in the format's own notation; nil when none.
	Schema []byte `json:"schema,omitempty"`
}

// descriptorVersion is the descriptor layout's version. 2 added Value and
// Key; a reader also takes version 1 (whose Options carry the formats), so
// that descriptors in flight survive an upgrade, and refuses any other.
const descriptorVersion = 2

// maxSplits bounds how many descriptors one ExecutePartitions returns: a
// tiny kafarr.partitions.max_rows on a long topic would otherwise build
// gigabytes of descriptors.
const maxSplits = 100_000

// partitionOptions are the options a descriptor carries: those that shape
// the read's result, as the statement had them. The descriptor's formats
// override the format options among them with what the planner settled.
// Connection options (brokers, credentials) stay with the connection that
// reads.
var partitionOptions = []string{
	options.ReadBatchRows, options.ReadTimeoutMs, options.ReadIsolation, options.ReadMetadataColumns,
	options.ReadOnError, options.ReadUnionMode, options.ReadSchema, options.ValueFormatKey,
	options.ValueSubjectStrategy, options.ValueSubject, options.KeyFormatKey, options.KeySubject,
	options.ValueProtoMessage, options.ValueSchema, options.JSONInferRows, options.KeyProtoMessage,
}

// pinned is what a partition descriptor fixes of a read instead of asking
// the cluster and the registry again: the split's offsets, the key's
// schema, and the columns of plain JSON inferred from the data, so that
// every split decodes alike.
type pinned struct {
	snap kafkaio.Snapshot
	// keySchemaID is the registry id of the key's schema; 0 looks up
	// the key subject's latest.
	keySchemaID int
	// valueCols and keyCols are inferred plain JSON columns; nil when
	// the planner inferred none.
	valueCols, keyCols *arrow.Schema
}

// ExecutePartitions plans the query once, snapshotting the end offsets of
// every partition it reads, and returns one descriptor per split of that
// snapshot, plus the result schema. A split is a whole Kafka partition's
// range, or with kafarr.partitions.max_rows a piece of at most that many
// offsets; empty ranges get no descriptor. Without max_rows, a LIMIT
// applies to each partition's read; with it, LIMIT is NotImplemented.
// ORDER BY and consumer groups need one reader and are NotImplemented.
func (s *Statement) ExecutePartitions(ctx context.Context) (sc *arrow.Schema, parts adbc.Partitions, n int64, err error) {
	defer guard(&err)
	if err := s.checkRun(); err != nil {
		return nil, parts, -1, err
	}
	if cq, ok := s.parsed.(*sqlparse.ConstantQuery); ok {
		// One partition that evaluates the constants wherever it is read.
		rec, err := constantRecord(s.sess.Alloc, cq)
		if err != nil {
			return nil, parts, -1, err
		}
		defer rec.Release()
		b, _ := json.Marshal(partitionDescriptor{Version: descriptorVersion, SQL: s.sql})
		parts.PartitionIDs, parts.NumPartitions = [][]byte{b}, 1
		return rec.Schema(), parts, 1, nil
	}
	q, ok := s.parsed.(*sqlparse.Query)
	if !ok {
		return nil, parts, -1, adbcerr.New(adbc.StatusInvalidState, "ExecutePartitions needs a SELECT ... FROM topic query")
	}
	set := s.opts.Read()
	if err := checkSplittable(q, set); err != nil {
		return nil, parts, -1, err
	}
	e, err := startRead(ctx, s.sess, set, s.sql, q, nil, execSchema)
	if err != nil {
		return nil, parts, -1, err
	}
	e.close()
	p := e.plan
	ranges, err := splitRanges(p.snap, set.SplitMaxRows)
	if err != nil {
		return nil, parts, -1, err
	}
	base := partitionDescriptor{
		Version: descriptorVersion, SQL: s.sql, Topic: p.snap.Topic,
		Value:   formatDescriptor{Format: string(p.value.format), Subject: p.value.subject, SchemaID: p.value.readerID},
		Options: map[string]string{},
	}
	if p.value.inferred {
		if base.Value.Schema, err = encodeColumns(p.value.jsonCols); err != nil {
			return nil, parts, -1, adbcerr.New(adbc.StatusInternal, "encoding the inferred JSON columns of topic %q: %v", p.snap.Topic, err)
		}
	}
	if p.wantsColumn("_key") {
		base.Key = formatDescriptor{Format: string(p.key.format), Subject: p.key.subject, SchemaID: p.key.id}
		if p.key.inferred {
			if base.Key.Schema, err = encodeColumns(p.key.cols); err != nil {
				return nil, parts, -1, adbcerr.New(adbc.StatusInternal, "encoding the inferred JSON key columns of topic %q: %v", p.snap.Topic, err)
			}
		}
	}
	for _, k := range partitionOptions {
		base.Options[k] = s.opts.Get(k)
	}
	for _, r := range ranges {
		d := base
		d.Partition, d.Start, d.End = r.Partition, r.Start, r.End
		b, err := json.Marshal(d)
		if err != nil {
			return nil, parts, -1, adbcerr.New(adbc.StatusInternal, "encoding the descriptor of topic %q partition %d: %v", p.snap.Topic, r.Partition, err)
		}
		parts.PartitionIDs = append(parts.PartitionIDs, b)
	}
	parts.NumPartitions = uint64(len(parts.PartitionIDs))
	return p.outSchema, parts, -1, nil
}

// checkSplittable refuses what independent reads of splits cannot do.
func checkSplittable(q *sqlparse.Query, set options.ReadSettings) error {
	switch {
	case q.OrderBy != nil:
		return adbcerr.NewState(adbc.StatusNotImplemented, adbcerr.FeatureNotSupported,
			"ExecutePartitions cannot ORDER BY: partitions are read independently; sort the combined result")
	case set.Group != "" || set.Follow:
		return adbcerr.NewState(adbc.StatusNotImplemented, adbcerr.FeatureNotSupported,
			"ExecutePartitions does not support kafarr.consumer.group or kafarr.read.follow; use ExecuteQuery")
	case set.SplitMaxRows > 0 && q.Limit >= 0:
		return adbcerr.NewState(adbc.StatusNotImplemented, adbcerr.FeatureNotSupported,
			"ExecutePartitions cannot apply LIMIT with kafarr.partitions.max_rows=%d: each split is read on its own, so every split would return up to LIMIT rows and the total would depend on how the topic was cut; apply the limit to the combined result, or unset kafarr.partitions.max_rows (a LIMIT then applies to each Kafka partition)",
			set.SplitMaxRows)
	}
	return nil
}

// splitRanges cuts the snapshot's non-empty ranges into splits of at most
// maxRows offsets each (maxRows 0: one split per range). A range's splits
// are consecutive, of near-equal length, and together exactly the range,
// so that reading each split to its End (which the reader stops at even
// inside a record batch, at a transaction marker or in a compacted gap)
// reads every record of the range once.
func splitRanges(snap kafkaio.Snapshot, maxRows int64) ([]kafkaio.PartitionRange, error) {
	var out []kafkaio.PartitionRange
	for _, r := range snap.Ranges {
		if r.Empty() {
			continue
		}
		n := int64(1)
		if length := r.End - r.Start; maxRows > 0 && length > maxRows {
			n = length / maxRows
			if length%maxRows != 0 {
				n++
			}
		}
		if int64(len(out))+n > maxSplits {
			return nil, adbcerr.New(adbc.StatusInvalidArgument,
				"kafarr.partitions.max_rows=%d cuts topic %q into more than %d splits (partition %d alone holds offsets %d to %d); raise it",
				maxRows, snap.Topic, maxSplits, r.Partition, r.Start, r.End)
		}
		out = append(out, cutRange(r, n)...)
	}
	return out, nil
}

// cutRange cuts r into n consecutive ranges whose lengths differ by at
// most one, the longer first.
func cutRange(r kafkaio.PartitionRange, n int64) []kafkaio.PartitionRange {
	length := r.End - r.Start
	size, extra := length/n, length%n
	out := make([]kafkaio.PartitionRange, 0, n)
	start := r.Start
	for i := range n {
		end := start + size
		if i < extra {
			end++
		}
		out = append(out, kafkaio.PartitionRange{Partition: r.Partition, Start: start, End: end})
		start = end
	}
	return out
}

// ReadPartition reads one descriptor from ExecutePartitions through sess.
func ReadPartition(ctx context.Context, sess *session.Session, descriptor []byte) (rdr array.RecordReader, err error) {
	defer guard(&err)
	var d partitionDescriptor
	if jerr := json.Unmarshal(descriptor, &d); jerr != nil || d.Version < 1 || d.Version > descriptorVersion || d.SQL == "" {
		return nil, adbcerr.New(adbc.StatusInvalidArgument, "ReadPartition: not a kafarr partition descriptor (from ExecutePartitions of a compatible kafarr version)")
	}
	parsed, err := sqlparse.Parse(d.SQL)
	if err != nil {
		return nil, err
	}
	if cq, ok := parsed.(*sqlparse.ConstantQuery); ok {
		rec, err := constantRecord(sess.Alloc, cq)
		if err != nil {
			return nil, err
		}
		defer rec.Release()
		return array.NewRecordReader(rec.Schema(), []arrow.RecordBatch{rec})
	}
	q, ok := parsed.(*sqlparse.Query)
	if !ok || q.Topic != d.Topic {
		return nil, adbcerr.New(adbc.StatusInvalidArgument, "ReadPartition: the descriptor's query does not read its topic")
	}
	if d.Start < 0 || d.End < d.Start {
		return nil, adbcerr.New(adbc.StatusInvalidArgument, "ReadPartition: the descriptor of topic %q partition %d has an invalid range [%d, %d)", d.Topic, d.Partition, d.Start, d.End)
	}
	store, err := descriptorStore(sess, d)
	if err != nil {
		return nil, err
	}
	pin := pinned{
		snap:        kafkaio.Snapshot{Topic: d.Topic, Ranges: []kafkaio.PartitionRange{{Partition: d.Partition, Start: d.Start, End: d.End}}},
		keySchemaID: d.Key.SchemaID,
	}
	if d.Value.Schema != nil {
		if pin.valueCols, err = decodeColumns(d.Value.Schema); err != nil {
			return nil, adbcerr.New(adbc.StatusInvalidArgument, "ReadPartition: the descriptor of topic %q partition %d has invalid JSON value columns: %v", d.Topic, d.Partition, err)
		}
	}
	if d.Key.Schema != nil {
		if pin.keyCols, err = decodeColumns(d.Key.Schema); err != nil {
			return nil, adbcerr.New(adbc.StatusInvalidArgument, "ReadPartition: the descriptor of topic %q partition %d has invalid JSON key columns: %v", d.Topic, d.Partition, err)
		}
	}
	e, err := startRead(ctx, sess, store.Read(), d.SQL, q, &pin, execRows)
	if err != nil {
		return nil, err
	}
	return newRecordReader(e, sess.Alloc)
}

// descriptorStore returns the options a descriptor's read runs with: the
// connection's, overridden by the descriptor's options and formats.
func descriptorStore(sess *session.Session, d partitionDescriptor) (*options.Store, error) {
	set := map[string]string{
		// The split's own read is stateless, whatever the connection
		// says.
		options.ConsumerGroup: "",
	}
	for k, v := range d.Options {
		if v != "" {
			set[k] = v
		}
	}
	if v := d.Value; v.Format != "" {
		set[options.ValueFormatKey] = v.Format
		if v.SchemaID > 0 {
			// Pin the reader schema, so that every split's batches have
			// the planned schema even if a new version is registered.
			set[options.ReadSchema] = "id:" + strconv.Itoa(v.SchemaID)
		}
		if v.Subject != "" {
			set[options.ValueSubject] = v.Subject
		}
	}
	if k := d.Key; k.Format != "" {
		set[options.KeyFormatKey] = k.Format
		if k.Subject != "" {
			set[options.KeySubject] = k.Subject
		}
	}
	store := sess.Options.Child()
	for k, v := range set {
		if err := store.Set(k, v); err != nil {
			return nil, adbcerr.Wrap(err, "ReadPartition")
		}
	}
	return store, nil
}
