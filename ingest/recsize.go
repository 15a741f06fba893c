package ingest

import (
	"encoding/json"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafarr/kafarr/avroarrow"
)

// A record must fit the topic's max.message.bytes, which the broker
// checks against the record batch: its 61-byte header and the records,
// after compression. A record too large for a batch of its own can never
// be produced, so a batch is refused when any of its rows is, before any
// of it is produced, as for a value that does not fit its schema. The
// producer checks the record before compression (as Kafka's Java producer
// does), so compression never lets a larger record through.
//
// Encoding every row twice to learn its size would cost a good part of
// an ingest, so each batch is first bounded from its Arrow data: a row's
// Avro encoding is at most its variable-length bytes plus a fixed
// allowance per value (elemSlack) and per record (recSlack, which covers
// the fields written from their defaults). When the bound of the largest
// row of every column together fits the limit, as for any ordinary batch,
// that is all; else the rows are bounded one by one, and only a row whose
// bound is over the limit is encoded to measure it.

const (
	// batchHeader is the size of a record batch with no records, as
	// the broker counts it (with the offset and length in front).
	batchHeader = 61
	// recordSlack bounds a record's framing around its key, value and
	// headers: its length, attributes, timestamp and offset deltas, the
	// key, value and header-count lengths (at most 5 bytes each), and
	// the 5-byte Confluent frames of an Avro value and key.
	recordSlack = 5 + 1 + 5 + 5 + 5 + 5 + 5 + 5
	// unbounded stands for a size no record reaches; sums saturate at it.
	unbounded = int64(1) << 60
	// heavyColumn is the bound of a column's largest value above which
	// a batch over the limit bounds that column row by row; lighter
	// columns count with their largest value.
	heavyColumn = 4 << 10
)

// sizeError is a row whose record is over the limit.
type sizeError struct {
	row   int
	size  int64
	limit recordLimit
}

func (e *sizeError) Error() string {
	return fmt.Sprintf("row %d is a record of %d bytes (as the broker counts a batch holding it alone), over the limit of %d bytes: %s",
		e.row, e.size, e.limit.bytes, e.limit.side)
}

// sizer bounds the encoding of Arrow values as Avro (with given writer
// schemas), Protobuf or JSON.
type sizer struct {
	// elemSlack bounds what the encoding of one value adds to its
	// variable-length bytes: a union index, a varint, a fixed of the
	// schemas' largest size, a uuid's text.
	elemSlack int64
	// recSlack bounds the fields of a record written from defaults.
	recSlack int64
	// varMul bounds the bytes a format writes per byte of a string or
	// binary value: 1 for Avro and Protobuf, 6 for JSON (a control
	// character escaped as \u00XX).
	varMul int64
	// frameExtra is what the value's and key's framing take beyond the
	// 5 bytes recordSlack counts for each: a Protobuf message-index list.
	frameExtra int64
}

// newSizer returns the sizer for the ingest's value and key formats.
func (r *ingestRun) newSizer() sizer {
	plans := []*encPlan{&r.val.encPlan}
	if r.key != nil {
		plans = append(plans, &r.key.encPlan)
	}
	var schemas []*avroarrow.Schema
	var extra int64
	json := false
	for _, p := range plans {
		schemas = append(schemas, p.avro)
		json = json || p.format == wireJSON || p.format == wireJSONSchema
		extra += int64(max(0, p.headerLen()-avroarrow.FrameHeaderSize))
	}
	z := newSizer(schemas...)
	z.frameExtra = extra
	if json {
		// Each value may come with its member name, quoted and escaped,
		// and its separators; a number or a date is text.
		z.varMul = 6
		z.elemSlack += 6*int64(longestName(r.in.Fields())) + 16
	}
	return z
}

// longestName is the length of the longest field name in fields, nested
// ones included.
func longestName(fields []arrow.Field) int {
	n := 0
	for _, f := range fields {
		n = max(n, len(f.Name))
		if nt, ok := f.Type.(arrow.NestedType); ok {
			n = max(n, longestName(nt.Fields()))
		}
	}
	return n
}

// newSizer returns a sizer for values written with the given schemas
// (nil ones are skipped).
func newSizer(schemas ...*avroarrow.Schema) sizer {
	var fixed, defaults int64
	seen := map[*avroarrow.Schema]bool{}
	var walk func(s *avroarrow.Schema)
	walk = func(s *avroarrow.Schema) {
		if s == nil || seen[s] {
			return
		}
		seen[s] = true
		if s.Type == avroarrow.TypeFixed {
			fixed = max(fixed, int64(s.Size))
		}
		for _, f := range s.Fields {
			if f.HasDefault {
				// An Avro value is at most 8 bytes per character of its
				// JSON (a float default "1" takes 4).
				js, err := json.Marshal(f.Default)
				if err != nil {
					defaults = unbounded
				}
				defaults = satAdd(defaults, 8*int64(len(js))+16)
			}
			walk(f.Type)
		}
		walk(s.Items)
		walk(s.Values)
		for _, b := range s.Branches {
			walk(b)
		}
	}
	for _, s := range schemas {
		walk(s)
	}
	return sizer{elemSlack: 64 + fixed, recSlack: 16 + defaults, varMul: 1}
}

func satAdd(a, b int64) int64 {
	if a >= unbounded-b {
		return unbounded
	}
	return a + b
}

func satMul(n, b int64) int64 {
	if n != 0 && b >= unbounded/n {
		return unbounded
	}
	return n * b
}

// fixedSlack bounds a fixed-width value of byteWidth bytes: a decimal as
// minimal two's complement, a 16-byte uuid as its 36-character text.
func (z *sizer) fixedSlack(byteWidth int) int64 { return z.elemSlack + 3*int64(byteWidth) }

// elem bounds the encoding of element i of a.
func (z *sizer) elem(a arrow.Array, i int) int64 {
	if a.NullN() > 0 && a.IsNull(i) {
		return z.elemSlack
	}
	switch a := a.(type) {
	case *array.Null:
		return z.elemSlack
	case array.ExtensionArray:
		return z.elem(a.Storage(), i)
	case *array.Dictionary:
		return satAdd(z.elemSlack, z.elem(a.Dictionary(), a.GetValueIndex(i)))
	case *array.String:
		return z.elemSlack + z.varMul*int64(a.ValueLen(i))
	case *array.LargeString:
		return z.elemSlack + z.varMul*int64(a.ValueLen(i))
	case *array.StringView:
		return z.elemSlack + z.varMul*int64(a.ValueLen(i))
	case *array.Binary:
		return z.elemSlack + z.varMul*int64(a.ValueLen(i))
	case *array.LargeBinary:
		return z.elemSlack + z.varMul*int64(a.ValueLen(i))
	case *array.BinaryView:
		return z.elemSlack + z.varMul*int64(a.ValueLen(i))
	case *array.Map:
		start, end := a.ValueOffsets(i)
		n := z.elemSlack
		for j := int(start); j < int(end); j++ {
			n = satAdd(n, satAdd(z.elem(a.Keys(), j), z.elem(a.Items(), j)))
		}
		return n
	case array.ListLike:
		start, end := a.ValueOffsets(i)
		n, vals := z.elemSlack, a.ListValues()
		for j := int(start); j < int(end); j++ {
			n = satAdd(n, z.elem(vals, j))
		}
		return n
	case *array.Struct:
		n := z.elemSlack + z.recSlack
		for k := 0; k < a.NumField(); k++ {
			n = satAdd(n, z.elem(a.Field(k), i))
		}
		return n
	case *array.SparseUnion:
		return satAdd(z.elemSlack, z.elem(a.Field(a.ChildID(i)), i))
	case *array.DenseUnion:
		return satAdd(z.elemSlack, z.elem(a.Field(a.ChildID(i)), int(a.ValueOffset(i))))
	}
	if fw, ok := a.DataType().(arrow.FixedWidthDataType); ok {
		return z.fixedSlack(fw.BitWidth() / 8)
	}
	return unbounded
}

// largest bounds the encoding of the largest element of a, looking at
// each element only when a cheaper bound exceeds limit.
func (z *sizer) largest(a arrow.Array, limit int64) int64 {
	n := a.Len()
	if n == 0 {
		return 0
	}
	var total int64
	switch a := a.(type) {
	case *array.Null:
		return z.elemSlack
	case array.ExtensionArray:
		return z.largest(a.Storage(), limit)
	case *array.Dictionary:
		return satAdd(z.elemSlack, z.largest(a.Dictionary(), limit))
	case *array.String:
		offs := a.ValueOffsets()
		total = int64(offs[n] - offs[0])
	case *array.LargeString:
		offs := a.ValueOffsets()
		total = offs[n] - offs[0]
	case *array.Binary:
		offs := a.ValueOffsets()
		total = int64(offs[n] - offs[0])
	case *array.LargeBinary:
		offs := a.ValueOffsets()
		total = offs[n] - offs[0]
	case *array.StringView, *array.BinaryView:
		total = 12 // at most inline, else in a data buffer
		for _, b := range a.Data().Buffers()[2:] {
			if b != nil {
				total += int64(b.Len())
			}
		}
	case *array.Struct:
		m := z.elemSlack + z.recSlack
		for k := 0; k < a.NumField(); k++ {
			m = satAdd(m, z.largest(a.Field(k), limit))
		}
		return m
	case array.Union:
		var m int64
		for k := 0; k < a.NumFields(); k++ {
			m = max(m, z.largest(a.Field(k), limit))
		}
		return satAdd(z.elemSlack, m)
	case *array.Map, array.ListLike:
		total = z.total(a)
	default:
		if fw, ok := a.DataType().(arrow.FixedWidthDataType); ok {
			return z.fixedSlack(fw.BitWidth() / 8)
		}
		return unbounded
	}
	if b := satAdd(z.elemSlack, satMul(z.varMul, total)); b <= limit {
		return b
	}
	// Too many bytes for the cheap bound: the longest value.
	var m int64
	switch a := a.(type) {
	case *array.String:
		m = int64(longest(a.ValueOffsets()))
	case *array.Binary:
		m = int64(longest(a.ValueOffsets()))
	case *array.LargeString:
		m = longest(a.ValueOffsets())
	case *array.LargeBinary:
		m = longest(a.ValueOffsets())
	default:
		for i := 0; i < n; i++ {
			m = max(m, z.elem(a, i))
		}
		return m
	}
	return satAdd(z.elemSlack, satMul(z.varMul, m))
}

// longest returns the longest value of an offsets buffer.
func longest[T int32 | int64](offs []T) T {
	var m T
	for i := 1; i < len(offs); i++ {
		m = max(m, offs[i]-offs[i-1])
	}
	return m
}

// total bounds the encodings of all elements of a together (of its
// children entire, when a is a slice).
func (z *sizer) total(a arrow.Array) int64 {
	n := int64(a.Len())
	switch a := a.(type) {
	case *array.Null:
		return satMul(n, z.elemSlack)
	case array.ExtensionArray:
		return z.total(a.Storage())
	case *array.Dictionary:
		return satMul(n, satAdd(z.elemSlack, z.largest(a.Dictionary(), unbounded)))
	case *array.String, *array.LargeString, *array.Binary, *array.LargeBinary, *array.StringView, *array.BinaryView:
		var data int64
		for _, b := range a.Data().Buffers()[1:] {
			if b != nil {
				data += int64(b.Len())
			}
		}
		return satAdd(satMul(n, z.elemSlack), satMul(z.varMul, data))
	case *array.Map:
		return satAdd(satMul(n, z.elemSlack), satAdd(z.total(a.Keys()), z.total(a.Items())))
	case array.ListLike:
		return satAdd(satMul(n, z.elemSlack), z.total(a.ListValues()))
	case *array.Struct:
		t := satMul(n, z.elemSlack+z.recSlack)
		for k := 0; k < a.NumField(); k++ {
			t = satAdd(t, z.total(a.Field(k)))
		}
		return t
	case array.Union:
		t := satMul(n, z.elemSlack)
		for k := 0; k < a.NumFields(); k++ {
			t = satAdd(t, z.total(a.Field(k)))
		}
		return t
	}
	if fw, ok := a.DataType().(arrow.FixedWidthDataType); ok {
		return satMul(n, z.fixedSlack(fw.BitWidth()/8))
	}
	return unbounded
}

// varintLen is the size of n as a Kafka (zigzag) varint.
func varintLen(n int) int64 {
	u := uint64(n<<1) ^ uint64(n>>63)
	l := int64(1)
	for u >= 0x80 {
		u >>= 7
		l++
	}
	return l
}

// batchSize is the size the broker gives a record batch holding rec
// alone, uncompressed.
func batchSize(rec *kgo.Record) int64 {
	body := int64(3) // attributes, timestamp and offset deltas of 0
	if rec.Key == nil {
		body += varintLen(-1)
	} else {
		body += varintLen(len(rec.Key)) + int64(len(rec.Key))
	}
	body += varintLen(len(rec.Value)) + int64(len(rec.Value))
	body += varintLen(len(rec.Headers))
	for _, h := range rec.Headers {
		body += varintLen(len(h.Key)) + int64(len(h.Key))
		if h.Value == nil {
			body += varintLen(-1)
		} else {
			body += varintLen(len(h.Value)) + int64(len(h.Value))
		}
	}
	return batchHeader + varintLen(int(body)) + body
}

// checkSizes refuses the first row of a checked batch whose record is
// over the limit, with a *sizeError naming the row within the batch.
func (r *ingestRun) checkSizes(rec, vals arrow.RecordBatch, meta batchMeta, keys arrow.RecordBatch) error {
	n := int(rec.NumRows())
	limit := r.limit.bytes
	z := &r.sizer
	// Every column counts towards the value (a designated column feeds a
	// value field of its name when there is one); the key and headers
	// columns count again as key and headers.
	cols := rec.Columns()
	twice := func(c int) bool { return c == r.meta.key || c == r.meta.hdr }
	fixed := int64(batchHeader+recordSlack) + z.recSlack + z.frameExtra
	largest := make([]int64, len(cols))
	all := fixed
	for c, col := range cols {
		largest[c] = z.largest(col, limit)
		if twice(c) {
			largest[c] = satMul(2, largest[c])
		}
		all = satAdd(all, largest[c])
	}
	if all <= limit {
		return nil
	}
	// Bound row by row the heavy columns, or every column when the light
	// ones together come near the limit.
	var heavy []int
	light := fixed
	for c := range cols {
		if largest[c] > heavyColumn {
			heavy = append(heavy, c)
		} else {
			light += largest[c]
		}
	}
	if light > limit/2 {
		heavy, light = heavy[:0], fixed
		for c := range cols {
			heavy = append(heavy, c)
		}
	}
	for i := 0; i < n; i++ {
		b := light
		for _, c := range heavy {
			e := z.elem(cols[c], i)
			if twice(c) {
				e = satMul(2, e)
			}
			b = satAdd(b, e)
		}
		if b <= limit {
			continue
		}
		size, err := r.measure(vals, meta, keys, i)
		if err != nil {
			return err
		}
		if size > limit {
			return &sizeError{row: i, size: size, limit: r.limit}
		}
	}
	return nil
}

// measure encodes row i of a checked batch (vals: what the value encoder
// reads) and returns the size of a record batch holding it alone.
func (r *ingestRun) measure(vals arrow.RecordBatch, meta batchMeta, keys arrow.RecordBatch, i int) (int64, error) {
	val, err := r.val.appendRow(nil, vals, i)
	if err != nil {
		return 0, err
	}
	kr := kgo.Record{Value: val}
	if meta.key != nil && !meta.key.IsNull(i) {
		if r.key != nil {
			if kr.Key, err = r.key.appendKey([]byte{}, keys, i); err != nil {
				return 0, err
			}
		} else {
			kr.Key = appendRawKey([]byte{}, meta.key, i)
		}
	}
	r.meta.fill(&kr, meta, i)
	return batchSize(&kr), nil
}
