package statement

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafarr/kafarr/avroarrow"
	"github.com/kafarr/kafarr/kafkaio"
)

var errEOF = io.EOF

// scan turns the records of a plan's Kafka reader into batches of the
// plan's built columns, filtered by its row terms: the streaming core under
// the record readers. It tracks which records the caller has consumed, so
// that a consumer group commits exactly those.
type scan struct {
	p   *readPlan
	mem memory.Allocator
	ctx context.Context

	bb    *avroarrow.BatchBuilder
	extra []extraCol
	keyBB *avroarrow.BatchBuilder // Avro keys, decoded beside bb
	keyOK []bool                  // per row: the key was not null

	lastID  int32
	lastDec *avroarrow.Decoder
	keyID   int32
	keyDec  *avroarrow.Decoder

	// The records fetched but not processed yet: first those the plan
	// peeked at to find its schema, then the rest of the current fetched
	// batch from index at on. Scanning a RecordBatch in place, rather than
	// as kgo records, costs no allocation per record or per fetch.
	peeked []*kgo.Record
	cur    *kafkaio.RecordBatch
	at     int
	rec    record     // the record being processed
	log    []logEntry // the records of the batch being built, in order
	pos    map[int32]int64
	left   map[int32]int64 // first unconsumed offset per partition, once stopped
	rows   map[int32]int64 // rows built per partition, for ORDER BY windows
	// runPart and runRows count the rows built in the current run of one
	// partition's records, added to rows when the partition changes and
	// when a batch ends: a map write per record costs a third of add.
	runPart int32
	runRows int64
	limit   int64 // rows still to deliver; -1 unlimited
	done    bool
	read    int64 // records processed
	// runs says records may go through addRun: no metadata predicates,
	// no Avro key, and only metadata columns addRun fills in bulk.
	runs bool
}

// extraCol is a built column beside the value columns.
type extraCol struct {
	kind extraKind
	col  *avroarrow.Column // nil for an Avro _key, which keyBB builds
}

// extraKind says what an extra column holds; a switch on it costs less per
// row than one on the column's name.
type extraKind uint8

const (
	extraTopic extraKind = iota
	extraPartition
	extraOffset
	extraTimestamp
	extraKey
	extraHeaders
	extraSchemaID
	extraValue
	extraError
)

var extraKinds = map[string]extraKind{
	"_topic": extraTopic, "_partition": extraPartition, "_offset": extraOffset,
	"_timestamp": extraTimestamp, "_key": extraKey, "_headers": extraHeaders,
	"_schema_id": extraSchemaID, colValue: extraValue, colError: extraError,
}

// logEntry is one processed record: row is its row in the batch, or -1
// when it gave no row (filtered on metadata, or skipped as undecodable).
type logEntry struct {
	partition int32
	row       int32
	offset    int64
}

// record is the scan's view of one Kafka record: a row of a fetched
// RecordBatch (bytes aliasing the fetch response), or a kgo record the
// plan peeked at. Timestamp is milliseconds since the epoch.
type record struct {
	Topic     string
	Partition int32
	Offset    int64
	Timestamp int64
	Key       []byte
	Value     []byte

	batch *kafkaio.RecordBatch // headers source, with index; nil for kr
	index int
	kr    *kgo.Record
}

// recordOf views a kgo record.
func recordOf(r *kgo.Record) record {
	return record{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset, Timestamp: r.Timestamp.UnixMilli(),
		Key: r.Key, Value: r.Value, kr: r}
}

// viewBatchRecord sets s.rec to record i of the current fetched batch,
// field by field: building a record value and copying it in cost more
// than decoding a tick.
func (s *scan) viewBatchRecord(i int) {
	b, r := s.cur, &s.rec
	r.Topic, r.Partition, r.batch, r.kr = b.Topic, b.Partition, b, nil
	r.Offset, r.Timestamp, r.index = b.Offsets[i], b.Timestamps[i], i
	r.Key, r.Value = b.Key(i), b.Value(i)
}

// headers returns the record's headers, decoded only when asked for.
func (r *record) headers() []kgo.RecordHeader {
	if r.batch != nil {
		return r.batch.Headers(r.index)
	}
	return r.kr.Headers
}

func newScan(ctx context.Context, p *readPlan, mem memory.Allocator) (*scan, error) {
	s := &scan{p: p, mem: mem, ctx: ctx, peeked: p.peeked, pos: map[int32]int64{}, rows: map[int32]int64{}, limit: p.q.Limit}
	p.peeked = nil
	if p.q.OrderBy != nil {
		// LIMIT applies after sorting.
		s.limit = -1
	}
	bb, err := avroarrow.NewBatchBuilder(mem, p.valueArrow)
	if err != nil {
		return nil, err
	}
	s.bb = bb
	for _, f := range p.extra {
		kind, ok := extraKinds[f.Name]
		if !ok {
			s.release()
			return nil, adbc.Error{Code: adbc.StatusInternal, Msg: fmt.Sprintf("kafarr: unknown metadata column %q", f.Name)}
		}
		if kind == extraKey && p.keyMode == "avro" {
			s.extra = append(s.extra, extraCol{kind: kind})
			continue
		}
		c, err := bb.AddColumn(f)
		if err != nil {
			s.release()
			return nil, err
		}
		s.extra = append(s.extra, extraCol{kind: kind, col: c})
	}
	if p.keyMode == "avro" && p.wantsColumn("_key") {
		if s.keyBB, err = avroarrow.NewBatchBuilder(mem, p.keyCache.Schema()); err != nil {
			s.release()
			return nil, err
		}
	}
	for _, r := range p.snap.Ranges {
		s.pos[r.Partition] = r.Start
	}
	s.runs = p.cache != nil && len(p.metaTerms) == 0 && s.keyBB == nil
	for _, e := range s.extra {
		switch e.kind {
		case extraPartition, extraOffset, extraTimestamp, extraTopic, extraKey, extraSchemaID, extraError:
		default:
			s.runs = false
		}
	}
	if err := p.openReader(); err != nil {
		s.release()
		return nil, err
	}
	return s, nil
}

func (s *scan) release() {
	if s.bb != nil {
		s.bb.Release()
		s.bb = nil
	}
	if s.keyBB != nil {
		s.keyBB.Release()
		s.keyBB = nil
	}
}

// next returns the next non-empty batch of built, filtered rows, or nil at
// the end. The caller releases the batch.
func (s *scan) next() (arrow.RecordBatch, error) {
	for !s.done {
		rec, err := s.fill()
		if err != nil {
			return nil, err
		}
		if rec != nil {
			return rec, nil
		}
	}
	return nil, nil
}

// fill reads records until a batch is full, the read ends or LIMIT is
// reached, and returns the batch's rows that pass the filters (nil when
// none do).
func (s *scan) fill() (arrow.RecordBatch, error) {
	p := s.p
	if s.limit == 0 {
		// LIMIT 0, or LIMIT met: checked before sizing the batch, which
		// would be 0 rows and never reach the check in the loop.
		s.stop()
		return s.finishBatch()
	}
	batchRows := p.set.batchRows
	if s.limit >= 0 && len(p.rowTerms) == 0 && int64(batchRows) > s.limit {
		batchRows = int(s.limit)
	}
	rows := s.reserveRows(batchRows)
	s.bb.Reserve(rows)
	if cap(s.log) < rows {
		s.log = make([]logEntry, 0, rows)
	}
	for s.bb.Len() < batchRows && !s.done {
		if s.limit == 0 {
			s.stop()
			break
		}
		if !s.hasPending() {
			if s.cur != nil {
				s.cur.Release()
				s.cur = nil
			}
			b, err := p.kr.NextBatch(s.ctx)
			if errors.Is(err, io.EOF) {
				s.done = true
				break
			}
			if err != nil {
				return nil, err
			}
			s.cur, s.at = b, 0
		}
		if len(s.peeked) > 0 {
			s.rec = recordOf(s.peeked[0])
		} else {
			if s.runs {
				if n := s.addRun(s.cur, s.at, min(batchRows-s.bb.Len(), s.cur.Len()-s.at)); n > 0 {
					s.at += n
					s.read += int64(n)
					continue
				}
			}
			s.viewBatchRecord(s.at)
		}
		stop, err := s.add(&s.rec)
		if err != nil {
			return nil, err
		}
		if stop {
			s.stop()
			break
		}
		if len(s.peeked) > 0 {
			s.peeked = s.peeked[1:]
		} else {
			s.at++
		}
		s.read++
	}
	return s.finishBatch()
}

// reserveRows is how many rows to reserve for the next batch: the batch
// size, up to 64 Ki rows, but no more than the records the read may still
// see (the snapshot's offsets left, an upper bound), so that reading a
// handful of records does not allocate and zero a whole batch.
func (s *scan) reserveRows(batchRows int) int {
	n := min(batchRows, 1<<16)
	if s.p.set.follow {
		return min(n, 1<<12)
	}
	left := s.p.snap.Total() - s.read
	return int(max(min(int64(n), left), 1))
}

// stop ends the read where it is: the records not processed stay
// unconsumed.
func (s *scan) stop() {
	s.done = true
	s.markLeftPending()
	if s.cur != nil {
		s.cur.Release()
	}
	s.peeked, s.cur, s.at = nil, nil, 0
}

// hasPending reports whether records fetched are still to be processed.
func (s *scan) hasPending() bool {
	return len(s.peeked) > 0 || (s.cur != nil && s.at < s.cur.Len())
}

// markLeftPending marks the records not processed yet unconsumed.
func (s *scan) markLeftPending() {
	for _, r := range s.peeked {
		s.markLeftAt(r.Partition, r.Offset)
	}
	if s.cur != nil && s.at < s.cur.Len() {
		// One partition in offset order: the first is the lowest.
		s.markLeftAt(s.cur.Partition, s.cur.Offsets[s.at])
	}
}

func (s *scan) markLeftAt(partition int32, offset int64) {
	if s.left == nil {
		s.left = map[int32]int64{}
	}
	if at, ok := s.left[partition]; !ok || offset < at {
		s.left[partition] = offset
	}
}

// add processes one record. stop is true when the record must not be read
// (the schema changed under kafarr.read.schema=first).
func (s *scan) add(rec *record) (stop bool, err error) {
	p := s.p
	if len(p.metaTerms) > 0 && !recordMatches(p.metaTerms, rec.Partition, rec.Offset, rec.Timestamp) {
		s.log = append(s.log, logEntry{partition: rec.Partition, row: -1, offset: rec.Offset})
		return false, nil
	}
	mark := s.bb.Mark()
	keyMark := 0
	if s.keyBB != nil {
		keyMark = s.keyBB.Mark()
	}
	var id int32 = -1
	cause, err := s.addValue(rec, &id)
	if err != nil {
		return false, err
	}
	if cause == errSchemaChanged {
		return true, nil
	}
	if cause == "" && s.keyBB != nil {
		cause = s.addKey(rec)
		if cause != "" {
			s.bb.Rollback(mark)
		}
	}
	if cause != "" {
		switch p.set.onError {
		case "skip":
			if s.keyBB != nil {
				s.keyBB.Rollback(keyMark)
				s.keyOK = s.keyOK[:keyMark]
			}
			s.log = append(s.log, logEntry{partition: rec.Partition, row: -1, offset: rec.Offset})
			return false, nil
		case "null":
			s.bb.AppendNullRow()
			if s.keyBB != nil && s.keyBB.Len() == keyMark {
				s.keyBB.AppendNullRow()
				s.keyOK = append(s.keyOK, false)
			}
		default:
			return false, adbc.Error{Code: adbc.StatusInvalidData, Msg: fmt.Sprintf(
				"kafarr: topic %q partition %d offset %d: %s (set kafarr.read.on_error=skip or null to read past it)",
				rec.Topic, rec.Partition, rec.Offset, cause)}
		}
	}
	s.appendExtra(rec, id, cause)
	if rec.Partition != s.runPart {
		s.flushRows()
		s.runPart = rec.Partition
	}
	s.runRows++
	s.log = append(s.log, logEntry{partition: rec.Partition, row: int32(mark), offset: rec.Offset})
	return false, nil
}

// addRun appends rows for up to max records of b from index at, as add
// would, and returns how many it took. It stops before a record that
// needs add's care (a null or unframed value, a schema id other than the
// last one, a value that does not decode), so that add handles it per
// kafarr.read.on_error. Taking runs of records lets the metadata columns
// be filled in bulk and keeps the per-record loop down to the decoding.
func (s *scan) addRun(b *kafkaio.RecordBatch, at, max int) int {
	p, dec, id := s.p, s.lastDec, s.lastID
	if dec == nil || (p.stopOnNew && id != p.firstID) {
		return 0
	}
	first := s.bb.Len()
	i, end := at, at+max
	for ; i < end; i++ {
		v := b.Value(i)
		if len(v) < avroarrow.FrameHeaderSize || v[0] != 0 || int32(binary.BigEndian.Uint32(v[1:])) != id {
			break // null, unframed, or another schema: add decides
		}
		if dec.Decode(v[avroarrow.FrameHeaderSize:], s.bb) != nil {
			break // nothing appended: add redoes it and reports
		}
	}
	n := i - at
	if n == 0 {
		return 0
	}
	for _, e := range s.extra {
		c := e.col
		switch e.kind {
		case extraPartition:
			c.AppendInt32Fill(b.Partition, n)
		case extraOffset:
			c.AppendInt64s(b.Offsets[at:i])
		case extraTimestamp:
			c.AppendInt64s(b.Timestamps[at:i])
		case extraSchemaID:
			c.AppendInt32Fill(id, n)
		case extraTopic:
			for range n {
				c.AppendString(b.Topic)
			}
		case extraKey:
			for k := at; k < i; k++ {
				if key := b.Key(k); key == nil {
					c.AppendNull()
				} else {
					s.appendChecked(c, key)
				}
			}
		case extraError:
			for range n {
				c.AppendNull()
			}
		}
	}
	if b.Partition != s.runPart {
		s.flushRows()
		s.runPart = b.Partition
	}
	s.runRows += int64(n)
	for k := range n {
		s.log = append(s.log, logEntry{partition: b.Partition, row: int32(first + k), offset: b.Offsets[at+k]})
	}
	return n
}

// errSchemaChanged is the cause addValue returns to stop a "first" read.
const errSchemaChanged = "\x00schema changed"

// addValue appends the record's value columns. It returns the cause when
// the value cannot be read (nothing appended), or an error that must end
// the read whatever kafarr.read.on_error says (the registry is
// unreachable).
func (s *scan) addValue(rec *record, id *int32) (string, error) {
	p := s.p
	if p.cache == nil || rec.Value == nil {
		// Raw formats, tombstones, or no value schema at all.
		if p.set.format == "avro" && rec.Value != nil {
			if _, _, err := avroarrow.SplitFrame(rec.Value); err != nil {
				return err.Error(), nil
			}
		}
		s.bb.AppendNullRow()
		return "", nil
	}
	sid, body, err := avroarrow.SplitFrame(rec.Value)
	if err != nil {
		return err.Error(), nil
	}
	*id = sid
	if p.stopOnNew && sid != p.firstID {
		return errSchemaChanged, nil
	}
	dec := s.lastDec
	if sid != s.lastID || dec == nil {
		dec, err = p.cache.Get(sid, func(id int32) (*avroarrow.Schema, error) {
			return p.sess.schemaByID(s.ctx, id)
		})
		if err != nil {
			if st := statusOf(err); st == adbc.StatusIO || st == adbc.StatusTimeout || st == adbc.StatusCancelled || st == adbc.StatusInvalidState {
				return "", adbc.Error{Code: st, Msg: fmt.Sprintf("kafarr: topic %q partition %d offset %d: looking up value schema id %d: %v",
					rec.Topic, rec.Partition, rec.Offset, sid, err)}
			}
			return fmt.Sprintf("value schema id %d: %v", sid, err), nil
		}
		s.lastID, s.lastDec = sid, dec
	}
	if err := dec.Decode(body, s.bb); err != nil {
		return fmt.Sprintf("decoding value with schema id %d: %v", sid, err), nil
	}
	return "", nil
}

// addKey decodes an Avro key into keyBB.
func (s *scan) addKey(rec *record) string {
	if rec.Key == nil {
		s.keyBB.AppendNullRow()
		s.keyOK = append(s.keyOK, false)
		return ""
	}
	sid, body, err := avroarrow.SplitFrame(rec.Key)
	if err != nil {
		return "key: " + err.Error()
	}
	dec := s.keyDec
	if sid != s.keyID || dec == nil {
		dec, err = s.p.keyCache.Get(sid, func(id int32) (*avroarrow.Schema, error) {
			return s.p.sess.schemaByID(s.ctx, id)
		})
		if err != nil {
			return fmt.Sprintf("key schema id %d: %v", sid, err)
		}
		s.keyID, s.keyDec = sid, dec
	}
	if err := dec.Decode(body, s.keyBB); err != nil {
		return fmt.Sprintf("decoding key with schema id %d: %v", sid, err)
	}
	s.keyOK = append(s.keyOK, true)
	return ""
}

// appendExtra appends the record's metadata columns.
func (s *scan) appendExtra(rec *record, id int32, cause string) {
	for _, e := range s.extra {
		c := e.col
		if c == nil {
			continue
		}
		switch e.kind {
		case extraTopic:
			c.AppendString(rec.Topic)
		case extraPartition:
			c.AppendInt32(rec.Partition)
		case extraOffset:
			c.AppendInt64(rec.Offset)
		case extraTimestamp:
			c.AppendInt64(rec.Timestamp)
		case extraKey:
			if rec.Key == nil {
				c.AppendNull()
			} else {
				s.appendChecked(c, rec.Key)
			}
		case extraHeaders:
			for _, h := range rec.headers() {
				c.MapKeys().AppendString(h.Key)
				c.MapValues().AppendBytes(h.Value)
			}
			c.AppendMap()
		case extraSchemaID:
			if id < 0 {
				c.AppendNull()
			} else {
				c.AppendInt32(id)
			}
		case extraValue:
			if rec.Value == nil {
				c.AppendNull()
			} else {
				s.appendChecked(c, rec.Value)
			}
		case extraError:
			if cause == "" {
				c.AppendNull()
			} else {
				c.AppendString(cause)
			}
		}
	}
}

// appendChecked appends raw bytes to a binary or utf8 column; bytes that
// are not UTF-8 become null in a utf8 column rather than invalid Arrow.
func (s *scan) appendChecked(c *avroarrow.Column, b []byte) {
	if c.Field().Type.ID() == arrow.STRING && !validUTF8(b) {
		c.AppendNull()
		return
	}
	c.AppendBytes(b)
}

// finishBatch turns the rows built since the last batch into a record,
// applies the row filters and LIMIT, and settles which records were
// consumed.
func (s *scan) finishBatch() (arrow.RecordBatch, error) {
	p := s.p
	s.flushRows()
	n := s.bb.Len()
	if n == 0 {
		s.consume(len(s.log))
		return nil, nil
	}
	built, err := s.assemble()
	if err != nil {
		return nil, err
	}
	keep := filterRows(built, p.rowTerms)
	rows := int64(n)
	if keep != nil {
		rows = int64(len(keep))
	}
	if s.limit >= 0 && rows >= s.limit {
		// LIMIT is reached in this batch: deliver exactly the rows it
		// allows; the records after the last of them stay unconsumed.
		rows = s.limit
		cut := -1
		switch {
		case rows == 0:
		case keep != nil:
			keep = keep[:rows]
			cut = int(keep[rows-1])
		default:
			cut = int(rows) - 1
		}
		s.consumeThroughRow(cut)
	} else {
		s.consume(len(s.log))
	}
	if s.limit >= 0 {
		s.limit -= rows
	}
	if rows == 0 {
		built.Release()
		return nil, nil
	}
	switch {
	case keep != nil:
		out, err := takeRows(s.ctx, s.mem, built, keep)
		built.Release()
		return out, err
	case rows < int64(n):
		out := built.NewSlice(0, rows)
		built.Release()
		return out, nil
	}
	return built, nil
}

// flushRows adds the current run's row count to rows.
func (s *scan) flushRows() {
	if s.runRows > 0 {
		s.rows[s.runPart] += s.runRows
		s.runRows = 0
	}
}

// consumeThroughRow settles consumption when LIMIT ends the read after
// row cut (-1 when no row was delivered): the records after it, and any
// not processed yet, stay unconsumed.
func (s *scan) consumeThroughRow(cut int) {
	last := -1
	if cut >= 0 {
		for i, e := range s.log {
			if int(e.row) == cut {
				last = i
				break
			}
		}
	}
	rest := append([]logEntry(nil), s.log[last+1:]...)
	s.consume(last + 1)
	for _, e := range rest {
		s.markLeftAt(e.partition, e.offset)
	}
	s.stop()
}

// consume marks the first k logged records consumed.
func (s *scan) consume(k int) {
	log := s.log[:k]
	for i, e := range log {
		// Offsets rise within a run of one partition's records: only
		// a run's last record moves the position.
		if i+1 < len(log) && log[i+1].partition == e.partition {
			continue
		}
		s.pos[e.partition] = e.offset + 1
	}
	s.log = s.log[:0]
}

// assemble builds the record of the built columns, splicing in an Avro
// _key built apart.
func (s *scan) assemble() (arrow.RecordBatch, error) {
	rec, err := s.bb.NewRecord()
	if err != nil {
		return nil, err
	}
	if s.keyBB == nil {
		out := array.NewRecordBatch(s.p.built, rec.Columns(), rec.NumRows())
		rec.Release()
		return out, nil
	}
	krec, err := s.keyBB.NewRecord()
	if err != nil {
		rec.Release()
		return nil, err
	}
	keyArr := keyArray(krec, s.keyOK, s.p.keyType)
	s.keyOK = s.keyOK[:0]
	krec.Release()
	cols := make([]arrow.Array, 0, s.p.built.NumFields())
	nv := s.p.valueArrow.NumFields()
	cols = append(cols, rec.Columns()[:nv]...)
	src := nv
	for _, e := range s.extra {
		if e.col == nil {
			cols = append(cols, keyArr)
			continue
		}
		cols = append(cols, rec.Column(src))
		src++
	}
	out := array.NewRecordBatch(s.p.built, cols, rec.NumRows())
	keyArr.Release()
	rec.Release()
	return out, nil
}

// keyArray makes the _key column of decoded Avro keys: the single column
// of a non-record key, or a struct of a record key's fields, null where the
// record had no key.
func keyArray(krec arrow.RecordBatch, ok []bool, typ arrow.DataType) arrow.Array {
	if _, isStruct := typ.(*arrow.StructType); !isStruct {
		a := krec.Column(0)
		a.Retain()
		return a
	}
	bits := make([]byte, (len(ok)+7)/8)
	nulls := 0
	for i, v := range ok {
		if v {
			bits[i/8] |= 1 << (i % 8)
		} else {
			nulls++
		}
	}
	children := make([]arrow.ArrayData, krec.NumCols())
	for i := range children {
		children[i] = krec.Column(i).Data()
	}
	data := array.NewData(typ, len(ok), []*memory.Buffer{memory.NewBufferBytes(bits)}, children, nulls, 0)
	defer data.Release()
	return array.MakeFromData(data)
}

// commitOffsets returns, per partition, the offset after the last record
// the caller consumed: the next offset a consumer group reads.
func (s *scan) commitOffsets(kr *kafkaio.Reader) map[int32]int64 {
	out := map[int32]int64{}
	positions := kr.Positions()
	s.markLeftPending()
	for part, at := range s.pos {
		out[part] = at
		if left, ok := s.left[part]; ok {
			out[part] = left
			continue
		}
		if s.done && !s.hasPending() {
			if p, ok := positions[part]; ok && p > at {
				// Past transaction markers and gaps behind the last
				// record the caller got.
				out[part] = p
			}
		}
	}
	return out
}
