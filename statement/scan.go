package statement

import (
	"errors"
	"io"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/kafarr/kafarr/avroarrow"
	"github.com/kafarr/kafarr/codec"
	"github.com/kafarr/kafarr/internal/adbcerr"
	"github.com/kafarr/kafarr/internal/metacol"
	"github.com/kafarr/kafarr/kafkaio"
	"github.com/kafarr/kafarr/options"
)

// scan turns the records of an execution into batches of the plan's built
// columns, filtered by its row terms: the streaming core under the record
// readers. Values (and Avro keys) are decoded by the plan's codec.Decoders,
// whose format the scan does not know. It tracks which records the caller
// has consumed, so that a consumer group commits exactly those.
type scan struct {
	p   *readPlan
	e   *execution
	mem memory.Allocator

	bb    *avroarrow.BatchBuilder
	extra []extraCol
	keyBB *avroarrow.BatchBuilder // Avro keys, decoded beside bb
	keyOK []bool                  // per row: the key was not null

	value codec.Decoder
	key   codec.Decoder // nil unless keys are Avro

	// cur is the fetched batch being scanned, from index at on. Scanning
	// a RecordBatch in place costs no allocation per record or per fetch.
	cur  *kafkaio.RecordBatch
	at   int
	log  []logEntry // the records of the batch being built, in order
	pos  map[int32]int64
	left map[int32]int64 // first unconsumed offset per partition, once stopped
	rows map[int32]int64 // rows built per partition, for ORDER BY windows
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

// extraCol is a built metadata column beside the value columns.
type extraCol struct {
	kind metacol.Kind
	col  *avroarrow.Column // nil for an Avro _key, which keyBB builds
}

// logEntry is one processed record: row is its row in the batch, or -1
// when it gave no row (filtered on metadata, or skipped as undecodable).
type logEntry struct {
	partition int32
	row       int32
	offset    int64
}

func newScan(e *execution, mem memory.Allocator) (*scan, error) {
	p := e.plan
	s := &scan{p: p, e: e, mem: mem, pos: map[int32]int64{}, rows: map[int32]int64{}, limit: p.q.Limit}
	s.value, s.key = p.decoders(e.sess)
	if p.q.OrderBy != nil {
		// LIMIT applies after sorting.
		s.limit = -1
	}
	bb, err := avroarrow.NewBatchBuilder(mem, p.valueArrow)
	if err != nil {
		return nil, err
	}
	s.bb = bb
	for _, c := range p.extra {
		if c.Kind == metacol.Key && s.key != nil {
			s.extra = append(s.extra, extraCol{kind: c.Kind})
			continue
		}
		col, err := bb.AddColumn(p.built.Field(p.built.FieldIndices(c.Name)[0]))
		if err != nil {
			s.release()
			return nil, err
		}
		s.extra = append(s.extra, extraCol{kind: c.Kind, col: col})
	}
	if s.key != nil {
		if s.keyBB, err = avroarrow.NewBatchBuilder(mem, p.key.cols); err != nil {
			s.release()
			return nil, err
		}
	}
	for _, r := range e.ranges {
		if _, ok := s.pos[r.Partition]; !ok {
			// A partition read in several ranges starts at its first.
			s.pos[r.Partition] = r.Start
		}
	}
	s.runs = p.value.decoded() && !p.checkRecords && s.keyBB == nil
	for _, c := range s.extra {
		switch c.kind {
		case metacol.Partition, metacol.Offset, metacol.Timestamp, metacol.Topic, metacol.Key, metacol.SchemaID, metacol.Error:
		default:
			s.runs = false
		}
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
	batchRows := p.set.BatchRows
	if s.limit >= 0 && p.rowFilter == nil && int64(batchRows) > s.limit {
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
			b, err := s.e.next()
			if errors.Is(err, io.EOF) {
				s.done = true
				break
			}
			if err != nil {
				return nil, err
			}
			s.cur, s.at = b, 0
		}
		if s.runs {
			if n := s.addRun(s.cur, s.at, min(batchRows-s.bb.Len(), s.cur.Len()-s.at)); n > 0 {
				s.at += n
				s.read += int64(n)
				continue
			}
		}
		stop, err := s.add(s.cur, s.at)
		if err != nil {
			return nil, err
		}
		if stop {
			s.stop()
			break
		}
		s.at++
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
	if s.p.set.Follow {
		return min(n, 1<<12)
	}
	left := kafkaio.Snapshot{Ranges: s.e.ranges}.Total() - s.read
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
	s.cur, s.at = nil, 0
}

// hasPending reports whether records of the current batch are still to be
// processed.
func (s *scan) hasPending() bool {
	return s.cur != nil && s.at < s.cur.Len()
}

// markLeftPending marks the records fetched but not processed yet
// unconsumed.
func (s *scan) markLeftPending() {
	if s.cur != nil && s.at < s.cur.Len() {
		// One partition in offset order: the first is the lowest.
		s.markLeftAt(s.cur.Partition, s.cur.Offsets[s.at])
	}
	for _, b := range s.e.pending {
		if b.Len() > 0 {
			s.markLeftAt(b.Partition, b.Offsets[0])
		}
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

// add processes record i of b. stop is true when the record must not be
// read (the schema changed under kafarr.read.schema=first).
func (s *scan) add(b *kafkaio.RecordBatch, i int) (stop bool, err error) {
	p := s.p
	part, offset := b.Partition, b.Offsets[i]
	if p.checkRecords && !p.push.has(part, offset, b.Timestamps[i]) {
		s.log = append(s.log, logEntry{partition: part, row: -1, offset: offset})
		return false, nil
	}
	mark := s.bb.Mark()
	keyMark := 0
	if s.keyBB != nil {
		keyMark = s.keyBB.Mark()
	}
	var (
		id    int32 = -1
		cause string
	)
	if v := b.Value(i); v == nil {
		// A tombstone: its value columns are null in every format.
		s.bb.AppendNullRow()
	} else if id, cause, err = s.value.Append(s.e.ctx, v, s.bb); err != nil {
		if err == codec.ErrSchemaChanged {
			return true, nil
		}
		return false, adbcerr.Wrap(err, "topic %q partition %d offset %d", b.Topic, part, offset)
	}
	if cause == "" && s.keyBB != nil {
		if cause, err = s.addKey(b.Key(i)); err != nil {
			return false, adbcerr.Wrap(err, "topic %q partition %d offset %d", b.Topic, part, offset)
		}
		if cause != "" {
			s.bb.Rollback(mark)
		}
	}
	if cause != "" {
		switch p.set.OnError {
		case options.OnErrorSkip:
			if s.keyBB != nil {
				s.keyBB.Rollback(keyMark)
				s.keyOK = s.keyOK[:keyMark]
			}
			s.log = append(s.log, logEntry{partition: part, row: -1, offset: offset})
			return false, nil
		case options.OnErrorNull:
			s.bb.AppendNullRow()
			if s.keyBB != nil && s.keyBB.Len() == keyMark {
				s.keyBB.AppendNullRow()
				s.keyOK = append(s.keyOK, false)
			}
		default:
			return false, adbcerr.New(adbc.StatusInvalidData,
				"topic %q partition %d offset %d: %s (set kafarr.read.on_error=skip or null to read past it)",
				b.Topic, part, offset, cause)
		}
	}
	s.appendExtra(b, i, id, cause)
	if part != s.runPart {
		s.flushRows()
		s.runPart = part
	}
	s.runRows++
	s.log = append(s.log, logEntry{partition: part, row: int32(mark), offset: offset})
	return false, nil
}

// addRun appends rows for up to max records of b from index at, as add
// would, and returns how many it took. The value decoder takes the run
// and stops before a record that needs add's care (a null or malformed
// value, another schema), so that add handles it per
// kafarr.read.on_error. Taking runs of records lets the metadata columns
// be filled in bulk and keeps the per-record loop down to the decoding.
func (s *scan) addRun(b *kafkaio.RecordBatch, at, max int) int {
	first := s.bb.Len()
	n, id := s.value.AppendRun(b, at, max, s.bb)
	if n == 0 {
		return 0
	}
	i := at + n
	for _, e := range s.extra {
		c := e.col
		switch e.kind {
		case metacol.Partition:
			c.AppendInt32Fill(b.Partition, n)
		case metacol.Offset:
			c.AppendInt64s(b.Offsets[at:i])
		case metacol.Timestamp:
			c.AppendInt64s(b.Timestamps[at:i])
		case metacol.SchemaID:
			c.AppendInt32Fill(id, n)
		case metacol.Topic:
			for range n {
				c.AppendString(b.Topic)
			}
		case metacol.Key:
			for k := at; k < i; k++ {
				if key := b.Key(k); key == nil {
					c.AppendNull()
				} else {
					s.appendChecked(c, key)
				}
			}
		case metacol.Error:
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

// addKey decodes an Avro key into keyBB. It returns the cause when the
// key cannot be read (nothing appended), or an error that must end the
// read.
func (s *scan) addKey(key []byte) (string, error) {
	if key == nil {
		s.keyBB.AppendNullRow()
		s.keyOK = append(s.keyOK, false)
		return "", nil
	}
	_, cause, err := s.key.Append(s.e.ctx, key, s.keyBB)
	if err != nil || cause != "" {
		return cause, err
	}
	s.keyOK = append(s.keyOK, true)
	return "", nil
}

// appendExtra appends the metadata columns of record i of b.
func (s *scan) appendExtra(b *kafkaio.RecordBatch, i int, id int32, cause string) {
	for _, e := range s.extra {
		c := e.col
		if c == nil {
			continue
		}
		switch e.kind {
		case metacol.Topic:
			c.AppendString(b.Topic)
		case metacol.Partition:
			c.AppendInt32(b.Partition)
		case metacol.Offset:
			c.AppendInt64(b.Offsets[i])
		case metacol.Timestamp:
			c.AppendInt64(b.Timestamps[i])
		case metacol.Key:
			if key := b.Key(i); key == nil {
				c.AppendNull()
			} else {
				s.appendChecked(c, key)
			}
		case metacol.Headers:
			for _, h := range b.Headers(i) {
				c.MapKeys().AppendString(h.Key)
				c.MapValues().AppendBytes(h.Value)
			}
			c.AppendMap()
		case metacol.SchemaID:
			if id < 0 {
				c.AppendNull()
			} else {
				c.AppendInt32(id)
			}
		case metacol.Value:
			if v := b.Value(i); v == nil {
				c.AppendNull()
			} else {
				s.appendChecked(c, v)
			}
		case metacol.Error:
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
	keep := filterRows(built, p.rowFilter)
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
		out, err := takeRows(s.e.ctx, s.mem, built, keep)
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
	keyArr := keyArray(krec, s.keyOK, s.p.key.typ)
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
	// Records logged but not consumed belong to a batch the caller never
	// got: the read failed or was cancelled while building it (every
	// batch handed out consumed its log).
	for _, e := range s.log {
		s.markLeftAt(e.partition, e.offset)
	}
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
