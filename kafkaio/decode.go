package kafkaio

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"slices"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Record batch v2 layout (KIP-98): the fixed header, then the records.
const (
	batchHeaderLen = 61
	attrCodecMask  = 0x07
	attrLogAppend  = 0x08
	attrTxn        = 0x10
	attrControl    = 0x20
)

var crc32c = crc32.MakeTable(crc32.Castagnoli)

// errOldMagic says a batch predates record batches v2 (message sets v0/v1,
// Kafka < 0.11); those go through kgo's own parser.
var errOldMagic = errors.New("message set v0/v1")

// aborted tracks read_committed filtering across one partition's response:
// per producer, the first offsets of its aborted transactions, ascending
// (the broker need not send them sorted).
type aborted map[int64][]int64

func newAborted(rp *kmsg.FetchResponseTopicPartition) aborted {
	if len(rp.AbortedTransactions) == 0 {
		return nil
	}
	a := make(aborted)
	for _, t := range rp.AbortedTransactions {
		a[t.ProducerID] = append(a[t.ProducerID], t.FirstOffset)
	}
	for pid := range a {
		slices.Sort(a[pid])
	}
	return a
}

// skips reports whether a transactional batch of pid starting at first
// belongs to an aborted transaction.
func (a aborted) skips(pid, first int64) bool {
	starts := a[pid]
	return len(starts) > 0 && first >= starts[0]
}

// ended drops pid's oldest aborted transaction at its abort marker.
func (a aborted) ended(pid int64) {
	if starts := a[pid]; len(starts) > 1 {
		a[pid] = starts[1:]
	} else {
		delete(a, pid)
	}
}

// decodePartition decodes rp's record batches into a RecordBatch, keeping
// records at or after pos, dropping control batches and, under
// read_committed, aborted transactions. It returns the batch and the next
// offset to fetch: past the last complete batch, control and aborted ones
// included. A trailing partial batch (the response hit its byte limit) is
// left for the next fetch. A corrupt batch is an error only when nothing
// before it decoded; otherwise decoding stops there and the next fetch
// starts at it and reports it.
func decodePartition(topic string, partition int32, rp *kmsg.FetchResponseTopicPartition, pos int64, iso Isolation) (*RecordBatch, int64, error) {
	in := rp.RecordBatches
	// First pass over the headers: validate lengths and size the slices.
	n := 0
	for b := in; len(b) >= batchHeaderLen; {
		total := 12 + int(int32(binary.BigEndian.Uint32(b[8:])))
		if total < batchHeaderLen || total > len(b) {
			break
		}
		if b[16] != 2 {
			return nil, pos, errOldMagic
		}
		n += int(min(max(int32(binary.BigEndian.Uint32(b[57:])), 0), int32(total)))
		b = b[total:]
	}
	out := &RecordBatch{
		Topic:      topic,
		Partition:  partition,
		Offsets:    make([]int64, 0, n),
		Timestamps: make([]int64, 0, n),
		keys:       make([]span, 0, n),
		vals:       make([]span, 0, n),
		hdrs:       make([]span, 0, n),
	}
	var abort aborted
	if iso == ReadCommitted {
		abort = newAborted(rp)
	}
	next := pos
	for len(in) >= batchHeaderLen {
		total := 12 + int(int32(binary.BigEndian.Uint32(in[8:])))
		if total < batchHeaderLen || total > len(in) {
			break // partial batch at the end of the response
		}
		batch := in[:total]
		in = in[total:]
		n0, c0 := out.Len(), len(out.chunks)
		if err := decodeBatch(batch, out, &next, abort); err != nil {
			// Drop the bad batch's records: the next fetch starts at
			// it and reports it, with nothing delivered twice.
			out.truncate(n0)
			out.chunks = out.chunks[:c0]
			if n0 == 0 && next == pos {
				base := int64(binary.BigEndian.Uint64(batch))
				return nil, pos, fmt.Errorf("record batch at offset %d: %w", base, err)
			}
			break
		}
	}
	return out, next, nil
}

// decodeBatch appends batch's wanted records to out and moves *next past
// the batch.
func decodeBatch(batch []byte, out *RecordBatch, next *int64, abort aborted) error {
	base := int64(binary.BigEndian.Uint64(batch))
	if crc := binary.BigEndian.Uint32(batch[17:]); crc32.Checksum(batch[21:], crc32c) != crc {
		return errors.New("CRC mismatch")
	}
	attrs := binary.BigEndian.Uint16(batch[21:])
	last := base + int64(int32(binary.BigEndian.Uint32(batch[23:])))
	if last < *next {
		return nil // wholly before the position: the broker sent the batch holding it
	}
	firstTS := int64(binary.BigEndian.Uint64(batch[27:]))
	maxTS := int64(binary.BigEndian.Uint64(batch[35:]))
	pid := int64(binary.BigEndian.Uint64(batch[43:]))
	count := int(int32(binary.BigEndian.Uint32(batch[57:])))
	records := batch[batchHeaderLen:]

	if attrs&attrControl != 0 {
		// A transaction marker: nothing to deliver. Under read_committed,
		// an abort marker ends the producer's aborted transaction. The
		// marker's key is version int16, type int16 (0 abort, 1 commit).
		if abort != nil && attrs&attrCodecMask == 0 {
			if key := controlKey(records); len(key) >= 4 && key[2] == 0 && key[3] == 0 {
				abort.ended(pid)
			}
		}
		*next = max(*next, last+1)
		return nil
	}
	if attrs&attrTxn != 0 && abort.skips(pid, base) {
		*next = max(*next, last+1)
		return nil
	}
	if codec := kgo.CompressionCodecType(attrs & attrCodecMask); codec != kgo.CodecNone {
		var err error
		if records, err = decompressor.Decompress(records, codec); err != nil {
			return fmt.Errorf("decompressing: %w", err)
		}
	}
	if len(records) > 1<<31-1 {
		return errors.New("records exceed 2 GiB")
	}
	chunk := int32(len(out.chunks))
	out.chunks = append(out.chunks, records)
	logAppend := attrs&attrLogAppend != 0
	// Append to locals: the slices live in registers, not behind out.
	offs, tss, keys, vals, hdrs := out.Offsets, out.Timestamps, out.keys, out.vals, out.hdrs
	p := 0
	for i := 0; i < count; i++ {
		lu, q := uvarintAt(records, p)
		length := zigzag(lu)
		if q < 0 || length < 1 || int64(len(records)-q) < length {
			return fmt.Errorf("record %d of %d is truncated", i, count)
		}
		end := q + int(length)
		rec := records[:end]
		q++ // skip the record attributes
		// Timestamp delta, offset delta, key, value, header count:
		// written out with the inlined uvarintAt, since this runs once
		// per record and calls cost more than the work.
		var (
			u, hc             uint64
			tsDelta, offDelta int64
			key, val, hdr     span
		)
		u, q = uvarintAt(rec, q)
		tsDelta = zigzag(u)
		u, q = uvarintAt(rec, q)
		offDelta = zigzag(u)
		u, q = uvarintAt(rec, q)
		if key, q = spanOf(rec, q, zigzag(u), chunk); q < 0 {
			return fmt.Errorf("record %d of %d is malformed", i, count)
		}
		u, q = uvarintAt(rec, q)
		if val, q = spanOf(rec, q, zigzag(u), chunk); q < 0 {
			return fmt.Errorf("record %d of %d is malformed", i, count)
		}
		hc, q = uvarintAt(rec, q)
		switch n := zigzag(hc); {
		case q < 0 || n < 0:
			return fmt.Errorf("record %d of %d is malformed", i, count)
		case n == 0:
			hdr = span{chunk, int32(q), 0}
		default:
			// Headers are rare: validate them the slow way and keep
			// the block, count included, for RecordBatch.Headers.
			if hdr, q = headersAt(rec, q-varintLen(hc), chunk); q < 0 {
				return fmt.Errorf("record %d of %d has malformed headers", i, count)
			}
		}
		if q != end {
			return fmt.Errorf("record %d of %d is malformed", i, count)
		}
		p = end
		off := base + offDelta
		if off < *next {
			continue
		}
		ts := firstTS + tsDelta
		if logAppend {
			ts = maxTS
		}
		offs = append(offs, off)
		tss = append(tss, ts)
		keys = append(keys, key)
		vals = append(vals, val)
		hdrs = append(hdrs, hdr)
	}
	out.Offsets, out.Timestamps, out.keys, out.vals, out.hdrs = offs, tss, keys, vals, hdrs
	// The batch's last offset survives compaction even when its record
	// does not (KAFKA-5443): move past the whole batch.
	*next = max(*next, last+1)
	return nil
}

// uvarintAt reads an unsigned varint at b[p:] and returns it with the
// position after it, or position -1 if p < 0 or the varint is malformed
// (so that a chain of reads fails once at its end). Small enough to inline.
func uvarintAt(b []byte, p int) (uint64, int) {
	var u uint64
	for s := uint(0); p >= 0 && p < len(b) && s < 64; s += 7 {
		c := b[p]
		p++
		u |= uint64(c&0x7f) << s
		if c < 0x80 {
			return u, p
		}
	}
	return 0, -1
}

func zigzag(u uint64) int64 { return int64(u>>1) ^ -int64(u&1) }

// spanOf checks that n bytes (n == -1: null) follow b[p:] and returns their
// span in chunk with the position after them, or position -1.
func spanOf(b []byte, p int, n int64, chunk int32) (span, int) {
	if p < 0 || n < -1 || int64(len(b)-p) < n {
		return span{}, -1
	}
	if n < 0 {
		return span{chunk, int32(p), -1}, p
	}
	return span{chunk, int32(p), int32(n)}, p + int(n)
}

// varintLen is the encoded length of the varint u.
func varintLen(u uint64) int {
	n := 1
	for u >= 0x80 {
		u >>= 7
		n++
	}
	return n
}

// headersAt validates the header count and headers at b[p:] and returns
// them as one span (empty when there are none), to be parsed on demand.
func headersAt(b []byte, p int, chunk int32) (span, int) {
	start := p
	u, p := uvarintAt(b, p)
	n := zigzag(u)
	if p < 0 || n < 0 {
		return span{}, -1
	}
	for range n {
		var k span
		u, p = uvarintAt(b, p)
		if k, p = spanOf(b, p, zigzag(u), chunk); p < 0 || k.n < 0 {
			return span{}, -1
		}
		u, p = uvarintAt(b, p)
		if _, p = spanOf(b, p, zigzag(u), chunk); p < 0 {
			return span{}, -1
		}
	}
	return span{chunk, int32(start), int32(p - start)}, p
}

// controlKey returns the key of the first record of an uncompressed control
// batch.
func controlKey(records []byte) []byte {
	length, k := uvarintZigzag(records)
	if k <= 0 || length < 0 || int64(len(records)-k) < length {
		return nil
	}
	if length < 1 {
		return nil
	}
	r := recordReader{b: records[k+1 : k+int(length)], ok: true}
	r.varlong()
	r.varint()
	key := r.bytes()
	if !r.ok {
		return nil
	}
	return key
}

// uvarintZigzag reads a zigzag varint; k <= 0 means malformed.
func uvarintZigzag(b []byte) (int64, int) {
	u, k := binary.Uvarint(b)
	return int64(u>>1) ^ -int64(u&1), k
}

// recordReader reads the varint fields of one record; construct it with ok
// true. A failed read sets ok to false and makes every later read return
// zero values.
type recordReader struct {
	b  []byte
	ok bool
}

func (r *recordReader) varlong() int64 {
	if !r.ok {
		return 0
	}
	v, k := uvarintZigzag(r.b)
	if k <= 0 {
		r.ok, r.b = false, nil
		return 0
	}
	r.b = r.b[k:]
	return v
}

func (r *recordReader) varint() int64 { return r.varlong() }

// bytes reads a length-prefixed byte string; length -1 is nil.
func (r *recordReader) bytes() []byte {
	n := r.varlong()
	if !r.ok || n < 0 {
		return nil
	}
	if int64(len(r.b)) < n {
		r.ok, r.b = false, nil
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}
