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

// walk is the header-level reading of one partition's share of a fetch
// response: the complete record batches holding records to deliver, and
// where the next fetch starts. Walking reads a few header fields per batch
// (and checks its CRC), so the fetcher can ask for more before decoding a
// single record.
type walk struct {
	data [][]byte // data batches to decode, in offset order
	next int64    // past the last complete batch, control and aborted ones included
	// settled counts the records certainly in [pos, end): those of dense
	// batches wholly inside. It is a lower bound for record budgets.
	settled int64
}

// walkPartition walks rp's record batches from pos, leaving out control
// batches and, under read_committed, aborted transactions. A trailing
// partial batch (the response hit its byte limit) is left for the next
// fetch. A batch that fails its CRC is an error when nothing precedes it;
// otherwise the walk stops before it, and the next fetch starts at it and
// reports it. Message sets v0/v1 give errOldMagic.
func walkPartition(rp *kmsg.FetchResponseTopicPartition, pos, end int64, iso Isolation) (walk, error) {
	w := walk{next: pos}
	var abort aborted
	if iso == ReadCommitted {
		abort = newAborted(rp)
	}
	for in := rp.RecordBatches; len(in) >= batchHeaderLen; {
		total := 12 + int(int32(binary.BigEndian.Uint32(in[8:])))
		if total < batchHeaderLen || total > len(in) {
			break // partial batch at the end of the response
		}
		batch := in[:total]
		in = in[total:]
		if batch[16] != 2 {
			return walk{next: pos}, errOldMagic
		}
		base := int64(binary.BigEndian.Uint64(batch))
		if crc := binary.BigEndian.Uint32(batch[17:]); crc32.Checksum(batch[21:], crc32c) != crc {
			if len(w.data) == 0 && w.next == pos {
				return walk{next: pos}, fmt.Errorf("record batch at offset %d: CRC mismatch", base)
			}
			break
		}
		attrs := binary.BigEndian.Uint16(batch[21:])
		last := base + int64(int32(binary.BigEndian.Uint32(batch[23:])))
		if last < w.next {
			continue // wholly before the position: the broker sent the batch holding it
		}
		pid := int64(binary.BigEndian.Uint64(batch[43:]))
		switch {
		case attrs&attrControl != 0:
			// A transaction marker: nothing to deliver. Under
			// read_committed, an abort marker ends the producer's
			// aborted transaction. The marker's key is version int16,
			// type int16 (0 abort, 1 commit).
			if abort != nil && attrs&attrCodecMask == 0 {
				if key := controlKey(batch[batchHeaderLen:]); len(key) >= 4 && key[2] == 0 && key[3] == 0 {
					abort.ended(pid)
				}
			}
		case attrs&attrTxn != 0 && abort.skips(pid, base):
		default:
			w.data = append(w.data, batch)
			if count := int64(int32(binary.BigEndian.Uint32(batch[57:]))); base >= pos && last < end && count == last-base+1 {
				w.settled += count
			}
		}
		// The batch's last offset survives compaction even when its
		// record does not (KAFKA-5443): move past the whole batch.
		w.next = last + 1
	}
	return w, nil
}

// chunker decodes the records of walked data batches into RecordBatches
// of bounded length, resuming inside a batch where the last one ended, so
// that the first records reach the caller while the rest are decoded.
type chunker struct {
	data     [][]byte // batches not started yet
	pos, end int64    // records delivered: offsets in [pos, end)

	// The batch being decoded; open is false between batches.
	open         bool
	recs         []byte // its records, decompressed
	base         int64
	firstTS      int64
	maxTS        int64
	logAppend    bool
	count, i, at int   // records declared, next record, its byte position
	chunk        int32 // index of recs in the chunks of the batch being filled
}

// fill appends up to n records to out and reports whether records may
// remain. A malformed record ends the decoding with an error; the records
// before it stay in out.
func (c *chunker) fill(out *RecordBatch, n int) (more bool, err error) {
	// The open batch's bytes join out's chunks before one of its records
	// goes to out: a batch may span several RecordBatches.
	added := false
	for out.Len() < n {
		if !c.open {
			if len(c.data) == 0 {
				return false, nil
			}
			if err := c.start(c.data[0]); err != nil {
				return false, err
			}
			c.data, added = c.data[1:], false
		}
		if !added {
			c.chunk = int32(len(out.chunks))
			out.chunks = append(out.chunks, c.recs)
			added = true
		}
		stop, err := c.decode(out, n)
		if err != nil {
			return false, err
		}
		if stop {
			// Past end: the rest of the response is beyond the range.
			c.open, c.data = false, nil
			return false, nil
		}
	}
	return c.open || len(c.data) > 0, nil
}

// start opens batch for decoding.
func (c *chunker) start(batch []byte) error {
	c.base = int64(binary.BigEndian.Uint64(batch))
	attrs := binary.BigEndian.Uint16(batch[21:])
	c.firstTS = int64(binary.BigEndian.Uint64(batch[27:]))
	c.maxTS = int64(binary.BigEndian.Uint64(batch[35:]))
	c.count = int(int32(binary.BigEndian.Uint32(batch[57:])))
	c.logAppend = attrs&attrLogAppend != 0
	records := batch[batchHeaderLen:]
	if codec := kgo.CompressionCodecType(attrs & attrCodecMask); codec != kgo.CodecNone {
		var err error
		if records, err = decompressor.Decompress(records, codec); err != nil {
			return fmt.Errorf("record batch at offset %d: decompressing: %w", c.base, err)
		}
	}
	if len(records) > 1<<31-1 {
		return fmt.Errorf("record batch at offset %d: records exceed 2 GiB", c.base)
	}
	c.recs, c.i, c.at, c.open = records, 0, 0, true
	return nil
}

// decode appends the open batch's records to out until out holds n or the
// batch ends (then it closes the batch). stop reports a record at or past
// end.
func (c *chunker) decode(out *RecordBatch, n int) (stop bool, err error) {
	records, chunk, count, p := c.recs, c.chunk, c.count, c.at
	// Append to locals: the slices live in registers, not behind out.
	offs, tss, keys, vals, hdrs := out.Offsets, out.Timestamps, out.keys, out.vals, out.hdrs
	defer func() {
		out.Offsets, out.Timestamps, out.keys, out.vals, out.hdrs = offs, tss, keys, vals, hdrs
	}()
	i := c.i
	for ; i < count && len(offs) < n; i++ {
		lu, q := uvarintAt(records, p)
		length := zigzag(lu)
		if q < 0 || length < 1 || int64(len(records)-q) < length {
			return false, fmt.Errorf("record batch at offset %d: record %d of %d is truncated", c.base, i, count)
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
			return false, fmt.Errorf("record batch at offset %d: record %d of %d is malformed", c.base, i, count)
		}
		u, q = uvarintAt(rec, q)
		if val, q = spanOf(rec, q, zigzag(u), chunk); q < 0 {
			return false, fmt.Errorf("record batch at offset %d: record %d of %d is malformed", c.base, i, count)
		}
		hc, q = uvarintAt(rec, q)
		switch h := zigzag(hc); {
		case q < 0 || h < 0:
			return false, fmt.Errorf("record batch at offset %d: record %d of %d is malformed", c.base, i, count)
		case h == 0:
			hdr = span{chunk, int32(q), 0}
		default:
			// Headers are rare: validate them the slow way and keep
			// the block, count included, for RecordBatch.Headers.
			if hdr, q = headersAt(rec, q-varintLen(hc), chunk); q < 0 {
				return false, fmt.Errorf("record batch at offset %d: record %d of %d has malformed headers", c.base, i, count)
			}
		}
		if q != end {
			return false, fmt.Errorf("record batch at offset %d: record %d of %d is malformed", c.base, i, count)
		}
		p = end
		off := c.base + offDelta
		if off < c.pos {
			continue
		}
		if off >= c.end {
			return true, nil
		}
		ts := c.firstTS + tsDelta
		if c.logAppend {
			ts = c.maxTS
		}
		offs = append(offs, off)
		tss = append(tss, ts)
		keys = append(keys, key)
		vals = append(vals, val)
		hdrs = append(hdrs, hdr)
	}
	c.i, c.at = i, p
	if i >= count {
		c.open = false
	}
	return false, nil
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
