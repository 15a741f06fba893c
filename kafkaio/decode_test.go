package kafkaio

import (
	"encoding/binary"
	"hash/crc32"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// testRec is one record for encodeBatch.
type testRec struct {
	offDelta, tsDelta int64
	key, val          []byte // nil: null
	hdrs              []kgo.RecordHeader
}

// testBatch describes one v2 record batch for encodeBatch.
type testBatch struct {
	base, firstTS, maxTS int64
	attrs                uint16
	pid                  int64
	lastDelta            int32 // -1: from the records
	recs                 []testRec
	claim                int // > 0: the record count the header claims
}

// encodeBatch writes b in the Kafka v2 record batch format with a valid
// CRC.
func encodeBatch(b testBatch) []byte {
	var recs []byte
	last := int32(0)
	for _, r := range b.recs {
		var body []byte
		body = append(body, 0) // attributes
		body = appendVarint(body, r.tsDelta)
		body = appendVarint(body, r.offDelta)
		body = appendBytesField(body, r.key)
		body = appendBytesField(body, r.val)
		body = appendVarint(body, int64(len(r.hdrs)))
		for _, h := range r.hdrs {
			body = appendBytesField(body, []byte(h.Key))
			body = appendBytesField(body, h.Value)
		}
		recs = appendVarint(recs, int64(len(body)))
		recs = append(recs, body...)
		last = int32(r.offDelta)
	}
	if b.lastDelta >= 0 {
		last = b.lastDelta
	}
	out := make([]byte, batchHeaderLen, batchHeaderLen+len(recs))
	binary.BigEndian.PutUint64(out[0:], uint64(b.base))
	binary.BigEndian.PutUint32(out[8:], uint32(49+len(recs)))
	out[16] = 2
	binary.BigEndian.PutUint16(out[21:], b.attrs)
	binary.BigEndian.PutUint32(out[23:], uint32(last))
	binary.BigEndian.PutUint64(out[27:], uint64(b.firstTS))
	binary.BigEndian.PutUint64(out[35:], uint64(b.maxTS))
	binary.BigEndian.PutUint64(out[43:], uint64(b.pid))
	count := len(b.recs)
	if b.claim > 0 {
		count = b.claim
	}
	binary.BigEndian.PutUint32(out[57:], uint32(count))
	out = append(out, recs...)
	binary.BigEndian.PutUint32(out[17:], crc32.Checksum(out[21:], crc32c))
	return out
}

func appendBytesField(dst, b []byte) []byte {
	if b == nil {
		return appendVarint(dst, -1)
	}
	return append(appendVarint(dst, int64(len(b))), b...)
}

func dataBatch(base int64, pid int64, txn bool, vals ...string) testBatch {
	b := testBatch{base: base, firstTS: 1000, pid: pid, lastDelta: -1}
	if txn {
		b.attrs |= attrTxn
	}
	for i, v := range vals {
		b.recs = append(b.recs, testRec{offDelta: int64(i), tsDelta: int64(i), val: []byte(v)})
	}
	return b
}

func markerBatch(base, pid int64, commit bool) testBatch {
	typ := []byte{0, 0, 0, 0}
	if commit {
		typ[3] = 1
	}
	return testBatch{base: base, pid: pid, attrs: attrTxn | attrControl, lastDelta: -1, recs: []testRec{{key: typ, val: []byte{0, 0, 0, 0, 0, 0}}}}
}

func partitionOf(batches ...testBatch) *kmsg.FetchResponseTopicPartition {
	rp := kmsg.NewFetchResponseTopicPartition()
	for _, b := range batches {
		rp.RecordBatches = append(rp.RecordBatches, encodeBatch(b)...)
	}
	return &rp
}

func values(b *RecordBatch) []string {
	var out []string
	for i := range b.Len() {
		out = append(out, string(b.Value(i)))
	}
	return out
}

func TestDecodePartition(t *testing.T) {
	abortedAt := func(rp *kmsg.FetchResponseTopicPartition, pid, first int64) *kmsg.FetchResponseTopicPartition {
		at := kmsg.NewFetchResponseTopicPartitionAbortedTransaction()
		at.ProducerID, at.FirstOffset = pid, first
		rp.AbortedTransactions = append(rp.AbortedTransactions, at)
		return rp
	}
	tests := []struct {
		name     string
		rp       *kmsg.FetchResponseTopicPartition
		pos      int64
		iso      Isolation
		want     []string
		wantOffs []int64
		wantNext int64
		wantErr  string
	}{
		{
			name:     "two batches",
			rp:       partitionOf(dataBatch(0, -1, false, "a", "b"), dataBatch(2, -1, false, "c")),
			want:     []string{"a", "b", "c"},
			wantOffs: []int64{0, 1, 2},
			wantNext: 3,
		},
		{
			name:     "position inside the first batch",
			rp:       partitionOf(dataBatch(10, -1, false, "a", "b", "c")),
			pos:      11,
			want:     []string{"b", "c"},
			wantOffs: []int64{11, 12},
			wantNext: 13,
		},
		{
			name:     "batch wholly before the position",
			rp:       partitionOf(dataBatch(0, -1, false, "a"), dataBatch(1, -1, false, "b")),
			pos:      1,
			want:     []string{"b"},
			wantOffs: []int64{1},
			wantNext: 2,
		},
		{
			name: "compacted batch keeps its last offset",
			rp: partitionOf(testBatch{base: 0, lastDelta: 4, recs: []testRec{
				{offDelta: 1, val: []byte("x")}, {offDelta: 3, val: []byte("y")},
			}}),
			want:     []string{"x", "y"},
			wantOffs: []int64{1, 3},
			wantNext: 5,
		},
		{
			name:     "empty compacted batch only moves",
			rp:       partitionOf(testBatch{base: 7, lastDelta: 2}),
			pos:      7,
			wantNext: 10,
		},
		{
			name:     "trailing partial batch is left for later",
			rp:       truncated(partitionOf(dataBatch(0, -1, false, "a"), dataBatch(1, -1, false, "b")), 5),
			want:     []string{"a"},
			wantOffs: []int64{0},
			wantNext: 1,
		},
		{
			name:     "markers skipped, committed kept",
			rp:       partitionOf(dataBatch(0, 7, true, "t1", "t2"), markerBatch(2, 7, true)),
			iso:      ReadCommitted,
			want:     []string{"t1", "t2"},
			wantOffs: []int64{0, 1},
			wantNext: 3,
		},
		{
			name:     "aborted dropped under read_committed",
			rp:       abortedAt(partitionOf(dataBatch(0, 7, true, "x1"), dataBatch(1, -1, false, "plain"), dataBatch(2, 7, true, "x2"), markerBatch(3, 7, false), dataBatch(4, 7, true, "later")), 7, 0),
			iso:      ReadCommitted,
			want:     []string{"plain", "later"},
			wantOffs: []int64{1, 4},
			wantNext: 5,
		},
		{
			name:     "aborted kept under read_uncommitted",
			rp:       abortedAt(partitionOf(dataBatch(0, 7, true, "x1"), markerBatch(1, 7, false)), 7, 0),
			iso:      ReadUncommitted,
			want:     []string{"x1"},
			wantOffs: []int64{0},
			wantNext: 2,
		},
		{
			name:     "aborted tail without its marker",
			rp:       abortedAt(partitionOf(dataBatch(0, -1, false, "p"), dataBatch(1, 9, true, "x1", "x2")), 9, 1),
			iso:      ReadCommitted,
			want:     []string{"p"},
			wantOffs: []int64{0},
			wantNext: 3,
		},
		{
			name:    "corrupt first batch",
			rp:      corrupted(partitionOf(dataBatch(0, -1, false, "a")), 65),
			wantErr: "CRC mismatch",
		},
		{
			// The batch's CRC holds: its bytes are what the producer
			// wrote. The records before the bad one are delivered,
			// then the error.
			name:     "malformed record in a later batch",
			rp:       partitionOf(dataBatch(0, -1, false, "a"), testBatch{base: 1, lastDelta: 1, claim: 3, recs: []testRec{{val: []byte("b")}, {offDelta: 1, val: []byte("c")}}}, dataBatch(3, -1, false, "d")),
			want:     []string{"a", "b", "c"},
			wantOffs: []int64{0, 1, 2},
			wantNext: 3,
			wantErr:  "record batch at offset 1: record 2 of 3 is truncated",
		},
		{
			name:     "corrupt later batch stops before it",
			rp:       corrupted(partitionOf(dataBatch(0, -1, false, "a"), dataBatch(1, -1, false, "b")), 69+65),
			want:     []string{"a"},
			wantOffs: []int64{0},
			wantNext: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, next, err := decodePartition("t", 3, tt.rp, tt.pos, tt.iso)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				if tt.want == nil {
					return
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if got := values(b); !slices.Equal(got, tt.want) || !slices.Equal(b.Offsets, tt.wantOffs) || next != tt.wantNext {
				t.Fatalf("values %v offsets %v next %d; want %v %v %d", got, b.Offsets, next, tt.want, tt.wantOffs, tt.wantNext)
			}
			if b.Topic != "t" || b.Partition != 3 {
				t.Fatalf("batch of %s/%d", b.Topic, b.Partition)
			}
		})
	}
}

// truncated cuts n bytes off the end of rp's batches.
func truncated(rp *kmsg.FetchResponseTopicPartition, n int) *kmsg.FetchResponseTopicPartition {
	rp.RecordBatches = rp.RecordBatches[:len(rp.RecordBatches)-n]
	return rp
}

// corrupted flips the byte at i of rp's batches.
func corrupted(rp *kmsg.FetchResponseTopicPartition, i int) *kmsg.FetchResponseTopicPartition {
	rp.RecordBatches[i] ^= 0xff
	return rp
}

func TestDecodeRecordFields(t *testing.T) {
	hdrs := []kgo.RecordHeader{{Key: "h1", Value: []byte("v1")}, {Key: "h2", Value: nil}, {Key: "", Value: []byte{}}}
	b := testBatch{base: 100, firstTS: 5000, maxTS: 9999, lastDelta: -1, recs: []testRec{
		{offDelta: 0, tsDelta: 0, key: nil, val: nil},                               // tombstone, null key
		{offDelta: 1, tsDelta: 7, key: []byte{}, val: []byte{}},                     // empty key and value
		{offDelta: 2, tsDelta: 300, key: []byte("k"), val: []byte("v"), hdrs: hdrs}, // headers
		{offDelta: 3, tsDelta: -2, key: []byte("k2"), val: []byte(strings.Repeat("x", 300))},
	}}
	rb, next, err := decodePartition("t", 0, partitionOf(b), 0, ReadUncommitted)
	if err != nil || next != 104 || rb.Len() != 4 {
		t.Fatalf("decode: %d records, next %d, %v", rb.Len(), next, err)
	}
	if rb.Key(0) != nil || rb.Value(0) != nil {
		t.Fatalf("null key/value decoded as %q/%q", rb.Key(0), rb.Value(0))
	}
	if rb.Key(1) == nil || len(rb.Key(1)) != 0 || rb.Value(1) == nil || len(rb.Value(1)) != 0 {
		t.Fatalf("empty key/value decoded as %v/%v", rb.Key(1), rb.Value(1))
	}
	if string(rb.Key(2)) != "k" || string(rb.Value(2)) != "v" || len(rb.Value(3)) != 300 {
		t.Fatal("key/value bytes wrong")
	}
	if got := rb.Headers(2); len(got) != 3 || got[0].Key != "h1" || string(got[0].Value) != "v1" || got[1].Value != nil || got[2].Value == nil {
		t.Fatalf("headers %+v", got)
	}
	if rb.Headers(0) != nil {
		t.Fatal("headers on a record without any")
	}
	if !slices.Equal(rb.Timestamps, []int64{5000, 5007, 5300, 4998}) {
		t.Fatalf("timestamps %v", rb.Timestamps)
	}
	if rb.Timestamp(2).UnixMilli() != 5300 {
		t.Fatal("Timestamp()")
	}
	// Appending to a returned value must not clobber the next record.
	v := rb.Value(2)
	_ = append(v, 'Z')
	if string(rb.Key(3)) != "k2" {
		t.Fatal("value slice capacity reaches into the next record")
	}

	// Log append time: every record takes the batch's max timestamp.
	b.attrs = attrLogAppend
	rb, _, err = decodePartition("t", 0, partitionOf(b), 0, ReadUncommitted)
	if err != nil || !slices.Equal(rb.Timestamps, []int64{9999, 9999, 9999, 9999}) {
		t.Fatalf("log append timestamps %v, %v", rb.Timestamps, err)
	}

	recs := rb.Records()
	if len(recs) != 4 || recs[2].Offset != 102 || string(recs[2].Value) != "v" || recs[2].Headers[0].Key != "h1" || recs[0].Topic != "t" || recs[3].Timestamp.UnixMilli() != 9999 {
		t.Fatalf("Records() = %+v", recs[2])
	}
}

func TestDecodeMalformed(t *testing.T) {
	good := encodeBatch(dataBatch(0, -1, false, "abc"))
	tests := []struct {
		name   string
		mangle func(b []byte) []byte
		want   string
	}{
		{"record length past batch", func(b []byte) []byte { b[batchHeaderLen] = 0x7e; return b }, "truncated"},
		{"record count too high", func(b []byte) []byte { binary.BigEndian.PutUint32(b[57:], 2); return b }, "truncated"},
		{"value length past record", func(b []byte) []byte { b[batchHeaderLen+4] = 0x20; return b }, "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.mangle(slices.Clone(good))
			binary.BigEndian.PutUint32(b[17:], crc32.Checksum(b[21:], crc32c)) // past the CRC check
			rp := kmsg.NewFetchResponseTopicPartition()
			rp.RecordBatches = b
			_, _, err := decodePartition("t", 0, &rp, 0, ReadUncommitted)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want %q", err, tt.want)
			}
		})
	}
}

func TestRecordBatchFromRecords(t *testing.T) {
	recs := []*kgo.Record{
		{Offset: 4, Key: nil, Value: []byte("a"), Headers: []kgo.RecordHeader{{Key: "x", Value: []byte("y")}}},
		{Offset: 6, Key: []byte("k"), Value: nil},
	}
	b := recordBatchFromRecords("t", 1, recs)
	if b.Len() != 2 || b.Key(0) != nil || string(b.Value(0)) != "a" || string(b.Key(1)) != "k" || b.Value(1) != nil {
		t.Fatal("fields")
	}
	if h := b.Headers(0); len(h) != 1 || h[0].Key != "x" || string(h[0].Value) != "y" || b.Headers(1) != nil {
		t.Fatalf("headers %+v", h)
	}
}

// BenchmarkDecodePartition decodes one partition response of 100 batches
// of 500 tick-sized (31-byte) records, uncompressed, and reports ns per
// record.
func BenchmarkDecodePartition(b *testing.B) {
	var batches []testBatch
	for i := range 100 {
		tb := testBatch{base: int64(i * 500), firstTS: 1_700_000_000_000, lastDelta: -1}
		for j := range 500 {
			tb.recs = append(tb.recs, testRec{offDelta: int64(j), tsDelta: int64(j), val: []byte("\x06EUR123\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00")})
		}
		batches = append(batches, tb)
	}
	rp := partitionOf(batches...)
	b.SetBytes(int64(len(rp.RecordBatches)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		rb, _, err := decodePartition("t", 0, rp, 0, ReadUncommitted)
		if err != nil || rb.Len() != 50_000 {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*50_000), "ns/record")
}

// decodePartition decodes all of rp's records at or after pos into one
// RecordBatch and returns it with the next offset to fetch (see
// walkPartition): what the fetcher does chunk by chunk, in one piece for
// the tests. A malformed record
// ends it with an error, the batch holding the records before it and next
// the offset after them.
func decodePartition(topic string, partition int32, rp *kmsg.FetchResponseTopicPartition, pos int64, iso Isolation) (*RecordBatch, int64, error) {
	w, err := walkPartition(rp, pos, math.MaxInt64, iso)
	if err != nil {
		return nil, pos, err
	}
	out := &RecordBatch{Topic: topic, Partition: partition}
	c := chunker{data: w.data, pos: pos, end: math.MaxInt64}
	if _, err := c.fill(out, math.MaxInt); err != nil {
		next := pos
		if n := out.Len(); n > 0 {
			next = out.Offsets[n-1] + 1
		}
		return out, next, err
	}
	return out, w.next, nil
}
