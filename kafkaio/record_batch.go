package kafkaio

import (
	"slices"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// RecordBatch holds records of one partition in offset order, indexed
// 0..Len()-1. It is built for bulk decoding: offsets and timestamps are
// plain slices, and keys, values and headers are spans into the fetch
// response (or, for compressed batches, the decompressed buffer), so that
// decoding allocates nothing per record and the garbage collector has no
// per-record pointers to scan. Accessors return subslices of those buffers
// without copying; they stay valid as long as the caller holds them.
type RecordBatch struct {
	Topic     string
	Partition int32
	// Offsets are the records' offsets, strictly increasing but not dense.
	Offsets []int64
	// Timestamps are milliseconds since the epoch (create time, or log
	// append time when the topic says so).
	Timestamps []int64

	chunks           [][]byte // record bytes of each Kafka batch decoded
	keys, vals, hdrs []span
}

// span locates a byte string in one of a RecordBatch's chunks. n < 0 is
// null.
type span struct {
	chunk, off, n int32
}

func (b *RecordBatch) bytes(s span) []byte {
	if s.n < 0 {
		return nil
	}
	return b.chunks[s.chunk][s.off : s.off+s.n : s.off+s.n]
}

// batchPool recycles the RecordBatches of fetched chunks, whose slices a
// read fills at up to chunkRecords records each: a read that releases its
// batches allocates none once warm, and touches no fresh memory.
var batchPool = sync.Pool{New: func() any { return new(RecordBatch) }}

// newRecordBatch returns an empty batch with room for n records, recycled
// when one was released.
func newRecordBatch(topic string, partition int32, n int) *RecordBatch {
	b := batchPool.Get().(*RecordBatch)
	b.Topic, b.Partition = topic, partition
	b.Offsets = slices.Grow(b.Offsets[:0], n)
	b.Timestamps = slices.Grow(b.Timestamps[:0], n)
	b.keys = slices.Grow(b.keys[:0], n)
	b.vals = slices.Grow(b.vals[:0], n)
	b.hdrs = slices.Grow(b.hdrs[:0], n)
	return b
}

// Release hands b back for reuse by later reads, once its caller is done
// with it: b must not be used after. Keys, values and header values taken
// from it stay valid (they alias the fetch response, not b). Releasing is
// optional; an unreleased batch is garbage collected.
func (b *RecordBatch) Release() {
	clear(b.chunks) // let the fetch responses go
	b.chunks = b.chunks[:0]
	b.Topic = ""
	batchPool.Put(b)
}

// Len returns the number of records in b.
func (b *RecordBatch) Len() int { return len(b.Offsets) }

// Key returns record i's key: nil when null, empty but non-nil when empty.
func (b *RecordBatch) Key(i int) []byte { return b.bytes(b.keys[i]) }

// Value returns record i's value: nil for a null value (a tombstone),
// empty but non-nil when empty.
func (b *RecordBatch) Value(i int) []byte { return b.bytes(b.vals[i]) }

// Headers returns record i's headers, or nil when it has none. Header
// values alias the batch's buffers; keys are copied into strings.
func (b *RecordBatch) Headers(i int) []kgo.RecordHeader {
	raw := b.bytes(b.hdrs[i])
	if len(raw) == 0 {
		return nil
	}
	r := recordReader{b: raw, ok: true}
	n := r.varint()
	out := make([]kgo.RecordHeader, 0, max(0, min(int(n), len(raw))))
	for range n {
		k, v := r.bytes(), r.bytes()
		if !r.ok {
			break // validated when decoded; cannot happen
		}
		out = append(out, kgo.RecordHeader{Key: string(k), Value: v})
	}
	return out
}

// Timestamp returns record i's timestamp as a time.Time.
func (b *RecordBatch) Timestamp(i int) time.Time { return time.UnixMilli(b.Timestamps[i]) }

// truncate keeps the first n records.
func (b *RecordBatch) truncate(n int) {
	b.Offsets, b.Timestamps = b.Offsets[:n], b.Timestamps[:n]
	b.keys, b.vals, b.hdrs = b.keys[:n], b.vals[:n], b.hdrs[:n]
}

// Records returns b as kgo records (one allocation for all of them). Attrs,
// producer and leader epoch fields are left zero.
func (b *RecordBatch) Records() []*kgo.Record {
	slab := make([]kgo.Record, b.Len())
	out := make([]*kgo.Record, b.Len())
	for i := range slab {
		r := &slab[i]
		r.Topic, r.Partition, r.Offset = b.Topic, b.Partition, b.Offsets[i]
		r.Timestamp = b.Timestamp(i)
		r.Key, r.Value, r.Headers = b.Key(i), b.Value(i), b.Headers(i)
		out[i] = r
	}
	return out
}

// appendRecord adds a record whose key, value and header bytes lie in the
// batch's last chunk.
func (b *RecordBatch) appendRecord(offset, ts int64, key, val, hdrs span) {
	b.Offsets = append(b.Offsets, offset)
	b.Timestamps = append(b.Timestamps, ts)
	b.keys = append(b.keys, key)
	b.vals = append(b.vals, val)
	b.hdrs = append(b.hdrs, hdrs)
}

// recordBatchFromRecords builds a RecordBatch from kgo records of one
// partition (the legacy message-set path), copying nothing but headers.
func recordBatchFromRecords(topic string, partition int32, recs []*kgo.Record) *RecordBatch {
	b := &RecordBatch{Topic: topic, Partition: partition}
	for _, r := range recs {
		chunk := int32(len(b.chunks))
		b.chunks = append(b.chunks, r.Key, r.Value)
		key, val := span{chunk, 0, int32(len(r.Key))}, span{chunk + 1, 0, int32(len(r.Value))}
		if r.Key == nil {
			key.n = -1
		}
		if r.Value == nil {
			val.n = -1
		}
		var hdrs span
		if len(r.Headers) > 0 {
			var raw []byte
			raw = appendVarint(raw, int64(len(r.Headers)))
			for _, h := range r.Headers {
				raw = appendVarint(raw, int64(len(h.Key)))
				raw = append(raw, h.Key...)
				raw = appendVarint(raw, int64(len(h.Value)))
				raw = append(raw, h.Value...)
			}
			b.chunks = append(b.chunks, raw)
			hdrs = span{chunk + 2, 0, int32(len(raw))}
		}
		b.appendRecord(r.Offset, r.Timestamp.UnixMilli(), key, val, hdrs)
	}
	return b
}

// appendVarint appends v zigzag-encoded.
func appendVarint(dst []byte, v int64) []byte {
	u := uint64(v<<1) ^ uint64(v>>63)
	for u >= 0x80 {
		dst = append(dst, byte(u)|0x80)
		u >>= 7
	}
	return append(dst, byte(u))
}
