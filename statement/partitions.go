package statement

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/kafarr/kafarr/internal/session"
	"github.com/kafarr/kafarr/internal/sqlparse"
	"github.com/kafarr/kafarr/kafkaio"
	"github.com/kafarr/kafarr/options"
)

// partitionDescriptor is what ExecutePartitions hands out per Kafka
// partition: enough for ReadPartition, on any connection to the same
// cluster and in any process, to read exactly that slice with the same
// schema, projection and filters.
type partitionDescriptor struct {
	Version   int               `json:"v"`
	SQL       string            `json:"sql"`
	Topic     string            `json:"topic"`
	Partition int32             `json:"partition"`
	Start     int64             `json:"start"`
	End       int64             `json:"end"`
	Options   map[string]string `json:"options"`
}

const descriptorVersion = 1

// partitionOptions are the options a descriptor carries: those that shape
// the read's result. Connection options (brokers, credentials) stay with
// the connection that reads.
var partitionOptions = []string{
	options.ReadBatchRows, options.ReadTimeoutMs, options.ReadIsolation, options.ReadMetadataColumns,
	options.ReadOnError, options.ReadUnionMode, options.ValueFormatKey, options.ValueSubjectStrategy,
	options.ValueSubject, options.KeyFormatKey, options.KeySubject,
}

// ExecutePartitions plans the query and returns one descriptor per Kafka
// partition with offsets to read, plus the result schema. A LIMIT applies
// to each partition's read. ORDER BY and consumer groups need one reader
// and are not supported here.
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
		return nil, parts, -1, adbc.Error{Code: adbc.StatusInvalidState, Msg: "kafarr: ExecutePartitions needs a SELECT ... FROM topic query"}
	}
	if q.OrderBy != nil {
		return nil, parts, -1, adbc.Error{Code: adbc.StatusNotImplemented, Msg: "kafarr: ExecutePartitions cannot ORDER BY: partitions are read independently; sort the combined result"}
	}
	set := s.opts.Read()
	if set.Group != "" || set.Follow {
		return nil, parts, -1, adbc.Error{Code: adbc.StatusNotImplemented, Msg: "kafarr: ExecutePartitions does not support kafarr.consumer.group or kafarr.read.follow; use ExecuteQuery"}
	}
	e, err := startRead(ctx, s.sess, set, s.sql, q, nil, execSchema)
	if err != nil {
		return nil, parts, -1, err
	}
	e.close()
	p := e.plan
	opts := map[string]string{}
	for _, k := range partitionOptions {
		opts[k] = s.opts.Get(k)
	}
	if v := p.value; v.readerID > 0 {
		// Pin the reader schema, so that every partition's batches have
		// the schema returned here even if a new version is registered.
		opts[options.ReadSchema] = "id:" + strconv.Itoa(v.readerID)
		if v.subject != "" {
			opts[options.ValueSubject] = v.subject
		}
	}
	for _, r := range p.snap.Ranges {
		if r.Empty() {
			continue
		}
		b, err := json.Marshal(partitionDescriptor{
			Version: descriptorVersion, SQL: s.sql, Topic: p.snap.Topic,
			Partition: r.Partition, Start: r.Start, End: r.End, Options: opts,
		})
		if err != nil {
			return nil, parts, -1, adbc.Error{Code: adbc.StatusInternal, Msg: "kafarr: encoding a partition descriptor: " + err.Error()}
		}
		parts.PartitionIDs = append(parts.PartitionIDs, b)
	}
	parts.NumPartitions = uint64(len(parts.PartitionIDs))
	return p.outSchema, parts, -1, nil
}

// ReadPartition reads one descriptor from ExecutePartitions through sess.
func ReadPartition(ctx context.Context, sess *session.Session, descriptor []byte) (rdr array.RecordReader, err error) {
	defer guard(&err)
	var d partitionDescriptor
	if jerr := json.Unmarshal(descriptor, &d); jerr != nil || d.Version != descriptorVersion || d.SQL == "" {
		return nil, adbc.Error{Code: adbc.StatusInvalidArgument, Msg: "kafarr: ReadPartition: not a kafarr partition descriptor (from ExecutePartitions of a compatible kafarr version)"}
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
		return nil, adbc.Error{Code: adbc.StatusInvalidArgument, Msg: "kafarr: ReadPartition: the descriptor's query does not read its topic"}
	}
	store := sess.Options.Child()
	for k, v := range d.Options {
		if v == "" {
			continue
		}
		if err := store.Set(k, v); err != nil {
			return nil, fmt.Errorf("kafarr: ReadPartition: %w", err)
		}
	}
	// The partition's own read is stateless, whatever the connection says.
	if err := store.Set(options.ConsumerGroup, ""); err != nil {
		return nil, err
	}
	snap := kafkaio.Snapshot{Topic: d.Topic, Ranges: []kafkaio.PartitionRange{{Partition: d.Partition, Start: d.Start, End: d.End}}}
	e, err := startRead(ctx, sess, store.Read(), d.SQL, q, &snap, execRows)
	if err != nil {
		return nil, err
	}
	return newRecordReader(e, sess.Alloc)
}
