package avroarrow

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
)

// Decoder reads Avro binary written with one writer schema into Arrow
// columns laid out for a reader schema, applying Avro schema resolution.
// It is compiled once per (writer, reader, options) by CompileDecoder into
// a tree of typed steps that append straight into Column buffers: decoding
// a message allocates nothing. A Decoder is immutable and safe for
// concurrent use; each goroutine appends to its own BatchBuilder.
type Decoder struct {
	writer, reader *Schema
	schema         *arrow.Schema
	root           *node
	maxItems       int
}

// Schema returns the Arrow schema of the value columns the decoder fills:
// the projected reader fields. Build the BatchBuilder from it.
func (d *Decoder) Schema() *arrow.Schema { return d.schema }

// Writer returns the writer schema the decoder reads.
func (d *Decoder) Writer() *Schema { return d.writer }

// Reader returns the reader schema the decoder resolves to.
func (d *Decoder) Reader() *Schema { return d.reader }

// Decode reads one Avro-encoded value (the body after any Confluent
// framing) and appends it to b as one row, or, on error, appends nothing:
// whatever the row had appended is rolled back. Data after the value is an
// error too, since it means the writer schema is not the one the data was
// written with. Errors are *DecodeError, or an error saying that b's value
// columns are not the decoder's.
func (d *Decoder) Decode(body []byte, b *BatchBuilder) error {
	if b.bound != d.schema {
		if err := b.bind(d.schema); err != nil {
			return err
		}
	}
	r := reader{buf: body, items: d.maxItems}
	rows := b.root.n
	d.root.exec(&r, b.root)
	if r.err == nil && r.pos != len(body) {
		r.failf("%d bytes left after the value: the data was not written with the writer schema", len(body)-r.pos)
	}
	if r.err != nil {
		b.root.Truncate(rows)
		return r.err
	}
	return nil
}

// op is what a node does.
type op uint8

const (
	// Reads of writer data into a reader column.
	opNull          op = iota // append null (writer null)
	opBool                    // boolean -> bool
	opInt                     // int -> int32, date32, time32
	opIntToLong               // int -> int64
	opIntToFloat              // int -> float32
	opIntToDouble             // int -> float64
	opLong                    // long -> int64, time64, timestamp
	opLongToFloat             // long -> float32
	opLongToDouble            // long -> float64
	opFloat                   // float -> float32
	opFloatToDouble           // float -> float64
	opDouble                  // double -> float64
	opBinary                  // bytes or string -> binary
	opUTF8                    // bytes or string -> utf8, checked
	opFixed                   // fixed -> fixed_size_binary
	opDecimalBytes            // bytes -> decimal128/256
	opDecimalFixed            // fixed -> decimal128/256
	opUUIDFixed               // fixed(16) -> utf8 uuid text
	opDuration                // fixed(12) -> month_day_nano_interval
	opEnum                    // enum index -> dictionary index
	opRecord                  // record -> struct
	opArray                   // array -> list
	opMap                     // map -> map
	opWriterUnion             // union index picks a branch node
	opStructBranch            // the value goes to one child of a struct-mode union
	opDenseBranch             // the value goes to one child of a dense union
	opFail                    // a writer union branch the reader cannot take

	// Skips of writer data that no column wants.
	opSkipNull
	opSkipBool
	opSkipVarint
	opSkipFixed
	opSkipBytes
	opSkipRecord
	opSkipArray
	opSkipMap
	opSkipUnion
)

// node is one step of a compiled decoder.
type node struct {
	op op
	// size is the byte size of a fixed; for arrays and maps the fewest
	// bytes an item takes.
	size int
	// zero marks skipped arrays and maps whose items take no bytes at all.
	zero bool

	steps    []step         // opRecord, opSkipRecord: the writer's fields in order
	defaults []defaultValue // opRecord: reader fields the writer lacks
	items    *node          // opArray, opMap, opSkipArray, opSkipMap: items or values
	branches []*node        // opWriterUnion, opSkipUnion: one node per writer branch
	child    int            // opStructBranch, opDenseBranch: the reader union's child
	inner    *node          // opStructBranch, opDenseBranch: reads the value
	enumMap  []int32        // opEnum: writer symbol index -> reader index, or -1
	symbols  []string       // opEnum: the writer's symbols, for errors
	reader   string         // opEnum: the reader enum's name, for errors
	err      error          // opFail: why
}

// step reads one writer field of a record.
type step struct {
	op    op // node.op, kept here for the record loop's dispatch
	node  *node
	child int    // the reader struct's child to append to, or -1 to skip
	name  string // the field, for error paths
}

// defaultValue fills a reader field the writer lacks: data is the default
// encoded as Avro binary, which node reads like any other value.
type defaultValue struct {
	node  *node
	child int
	data  []byte
}

// exec reads one value of the node's writer type and appends it to c (nil
// for skips). Errors are left in r.err.
func (n *node) exec(r *reader, c *Column) {
	switch n.op {
	case opNull:
		c.AppendNull()
	case opBool:
		c.AppendBool(r.boolean())
	case opInt:
		c.AppendInt32(r.int())
	case opIntToLong:
		c.AppendInt64(int64(r.int()))
	case opIntToFloat:
		c.AppendFloat32(float32(r.int()))
	case opIntToDouble:
		c.AppendFloat64(float64(r.int()))
	case opLong:
		c.AppendInt64(r.long())
	case opLongToFloat:
		c.AppendFloat32(float32(r.long()))
	case opLongToDouble:
		c.AppendFloat64(float64(r.long()))
	case opFloat:
		c.AppendInt32(int32(r.float()))
	case opFloatToDouble:
		c.AppendFloat64(float64(math.Float32frombits(r.float())))
	case opDouble:
		c.AppendInt64(int64(r.double()))
	case opBinary:
		if b := r.bytes(); !c.AppendBytes(b) {
			r.failf("%d bytes do not fit the batch column's 2 GiB", len(b))
		}
	case opUTF8:
		b := r.bytes()
		if !validUTF8(b) {
			r.failf("string is not valid UTF-8")
			return
		}
		if !c.AppendBytes(b) {
			r.failf("%d bytes do not fit the batch column's 2 GiB", len(b))
		}
	case opFixed:
		c.AppendFixed(r.fixed(n.size))
	case opDecimalBytes:
		putDecimal(r, c.fixedSlot(), r.bytes())
	case opDecimalFixed:
		putDecimal(r, c.fixedSlot(), r.fixed(n.size))
	case opUUIDFixed:
		b := r.fixed(16)
		if r.err != nil {
			return
		}
		if c.dataLen+36 > maxColumnOffset {
			r.failf("value does not fit the batch column's 2 GiB")
			return
		}
		putUUID(c.varSlot(36), b)
	case opDuration:
		putDuration(r, c, r.fixed(12))
	case opEnum:
		i := r.long()
		if r.err != nil {
			return
		}
		if uint64(i) >= uint64(len(n.enumMap)) {
			r.failf("enum index %d out of range for %d symbols", i, len(n.enumMap))
			return
		}
		ri := n.enumMap[i]
		if ri < 0 {
			r.failf("enum symbol %q is not a symbol of reader enum %q, which has no default", n.symbols[i], n.reader)
			return
		}
		c.AppendInt32(ri)
	case opRecord:
		n.record(r, c)
	case opArray:
		n.array(r, c)
	case opMap:
		n.mapValue(r, c)
	case opWriterUnion, opSkipUnion:
		i := r.long()
		if r.err != nil {
			return
		}
		if uint64(i) >= uint64(len(n.branches)) {
			r.failf("union branch index %d out of range for %d branches", i, len(n.branches))
			return
		}
		if r.depth++; r.depth > maxDecodeDepth {
			r.failf("values nested deeper than %d levels", maxDecodeDepth)
			return
		}
		n.branches[i].exec(r, c)
		r.depth--
	case opStructBranch:
		for j, ch := range c.children {
			if j != n.child {
				ch.AppendNull()
			}
		}
		c.AppendStruct()
		n.inner.exec(r, c.children[n.child])
	case opDenseBranch:
		n.inner.exec(r, c.appendUnionSlot(n.child))
	case opFail:
		r.fail(n.err)
	case opSkipNull:
	case opSkipBool:
		r.skip(1)
	case opSkipVarint:
		r.long()
	case opSkipFixed:
		r.skip(int64(n.size))
	case opSkipBytes:
		r.skip(r.long())
	case opSkipRecord:
		if r.depth++; r.depth > maxDecodeDepth {
			r.failf("values nested deeper than %d levels", maxDecodeDepth)
			return
		}
		for i := range n.steps {
			s := &n.steps[i]
			s.node.exec(r, nil)
			if r.err != nil {
				r.err.prependField(s.name)
				return
			}
		}
		r.depth--
	case opSkipArray, opSkipMap:
		n.skipBlocks(r)
	default:
		r.failf("internal error: unknown decoder op %d", n.op)
	}
}

// record reads a record into struct column c. The common flat cases are
// handled inline, with the column appenders' fast paths inlined by hand:
// this loop is the decoder's hot path.
func (n *node) record(r *reader, c *Column) {
	if r.depth++; r.depth > maxDecodeDepth {
		r.failf("values nested deeper than %d levels", maxDecodeDepth)
		return
	}
	c.AppendStruct()
	children := c.children
	for i := range n.steps {
		s := &n.steps[i]
		var col *Column
		if s.child >= 0 {
			col = children[s.child]
		}
		switch s.op {
		case opLong:
			v := r.long()
			if j := col.n; j < col.fast {
				*(*int64)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(col.data.b)), j*8)) = v
				col.n = j + 1
			} else {
				col.appendInt64Slow(v)
			}
		case opInt:
			v := r.long()
			if v != int64(int32(v)) {
				r.failf("int value %d out of the 32-bit range", v)
				break
			}
			if j := col.n; j < col.fast {
				*(*int32)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(col.data.b)), j*4)) = int32(v)
				col.n = j + 1
			} else {
				col.appendInt32Slow(int32(v))
			}
		case opFloat:
			v := r.float()
			if j := col.n; j < col.fast {
				*(*uint32)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(col.data.b)), j*4)) = v
				col.n = j + 1
			} else {
				col.appendInt32Slow(int32(v))
			}
		case opDouble:
			v := r.double()
			if j := col.n; j < col.fast {
				*(*uint64)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(col.data.b)), j*8)) = v
				col.n = j + 1
			} else {
				col.appendInt64Slow(int64(v))
			}
		case opUTF8:
			b := r.bytes()
			d := col.dataLen
			end := d + len(b)
			if j := col.n; j < col.fast && end <= len(col.data.b) {
				// Copy first, check after: the copy is dropped with the
				// row if the check fails.
				if !copyASCII(col.data.b[d:end], b) && !utf8.Valid(b) {
					r.failf("string is not valid UTF-8")
					break
				}
				col.dataLen = end
				*(*int32)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(col.offs.b)), (j+1)*4)) = int32(end)
				col.n = j + 1
			} else if !validUTF8(b) {
				r.failf("string is not valid UTF-8")
			} else if !col.appendBytesSlow(b) {
				r.failf("%d bytes do not fit the batch column's 2 GiB", len(b))
			}
		default:
			s.node.exec(r, col)
		}
		if r.err != nil {
			r.err.prependField(s.name)
			return
		}
	}
	for i := range n.defaults {
		d := &n.defaults[i]
		dr := reader{buf: d.data, items: DefaultMaxItems}
		d.node.exec(&dr, children[d.child])
		if dr.err != nil {
			// Defaults are encoded at compile time; failing to read one
			// back is a bug, reported rather than leaving a short row.
			r.err = dr.err
			r.err.Err = fmt.Errorf("internal error reading a default: %w", dr.err.Err)
			return
		}
	}
	r.depth--
}

func (n *node) array(r *reader, c *Column) {
	if r.depth++; r.depth > maxDecodeDepth {
		r.failf("values nested deeper than %d levels", maxDecodeDepth)
		return
	}
	items := c.children[0]
	idx := 0
	for {
		count := r.blockCount(n.size)
		if count == 0 || r.err != nil {
			break
		}
		if items.n+count > maxColumnOffset {
			r.failf("%d items do not fit the batch column's int32 offsets", count)
			return
		}
		for k := 0; k < count; k++ {
			n.items.exec(r, items)
			if r.err != nil {
				r.err.prependIndex(strconv.Itoa(idx))
				return
			}
			idx++
		}
	}
	if r.err != nil {
		return
	}
	c.AppendList()
	r.depth--
}

func (n *node) mapValue(r *reader, c *Column) {
	if r.depth++; r.depth > maxDecodeDepth {
		r.failf("values nested deeper than %d levels", maxDecodeDepth)
		return
	}
	entries := c.children[0]
	keys, values := entries.children[0], entries.children[1]
	for {
		count := r.blockCount(n.size)
		if count == 0 || r.err != nil {
			break
		}
		if keys.n+count > maxColumnOffset {
			r.failf("%d entries do not fit the batch column's int32 offsets", count)
			return
		}
		for k := 0; k < count; k++ {
			key := r.bytes()
			if r.err != nil {
				return
			}
			if !validUTF8(key) {
				r.failf("map key is not valid UTF-8")
				return
			}
			if !keys.AppendBytes(key) {
				r.failf("map key of %d bytes does not fit the batch column's 2 GiB", len(key))
				return
			}
			n.items.exec(r, values)
			if r.err != nil {
				r.err.prependIndex(quoteKey(key))
				return
			}
		}
	}
	if r.err != nil {
		return
	}
	c.AppendMap()
	r.depth--
}

// skipBlocks skips an array or map. Blocks that carry their byte size are
// jumped over whole.
func (n *node) skipBlocks(r *reader) {
	if r.depth++; r.depth > maxDecodeDepth {
		r.failf("values nested deeper than %d levels", maxDecodeDepth)
		return
	}
	idx := 0
	for {
		count := r.long()
		if r.err != nil || count == 0 {
			break
		}
		if count < 0 {
			if count == math.MinInt64 {
				r.failf("block count %d out of range", count)
				return
			}
			r.skip(r.long())
			idx += int(-count)
			continue
		}
		if n.zero {
			idx += int(count)
			continue
		}
		if left := len(r.buf) - r.pos; n.size > 0 && count > int64(left/n.size) {
			r.failf("block of %d items cannot fit the %d bytes left: %w", count, left, ErrTruncated)
			return
		}
		for k := int64(0); k < count; k++ {
			if n.op == opSkipMap {
				r.skip(r.long())
			}
			n.items.exec(r, nil)
			if r.err != nil {
				r.err.prependIndex(strconv.Itoa(idx))
				return
			}
			idx++
		}
	}
	if r.err == nil {
		r.depth--
	}
}

// putDecimal stores a big-endian two's complement integer b in dst as a
// little-endian one of len(dst) bytes (decimal128 or decimal256).
func putDecimal(r *reader, dst, b []byte) {
	if r.err != nil {
		return
	}
	var sign byte
	if len(b) > 0 && b[0]&0x80 != 0 {
		sign = 0xff
	}
	if extra := len(b) - len(dst); extra > 0 {
		// Longer encodings are fine when the extra bytes only repeat the
		// sign.
		for _, x := range b[:extra] {
			if x != sign {
				r.failf("decimal value of %d bytes does not fit %d bytes", len(b), len(dst))
				return
			}
		}
		b = b[extra:]
		if (b[0]&0x80 != 0) != (sign == 0xff) {
			r.failf("decimal value of %d bytes does not fit %d bytes", len(b)+extra, len(dst))
			return
		}
	}
	last := len(b) - 1
	for i := range b {
		dst[i] = b[last-i]
	}
	for i := len(b); i < len(dst); i++ {
		dst[i] = sign
	}
}

const hexDigits = "0123456789abcdef"

// putUUID writes 16 bytes as the canonical 36-character uuid text.
func putUUID(dst, b []byte) {
	j := 0
	for i, x := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst[j] = '-'
			j++
		}
		dst[j], dst[j+1] = hexDigits[x>>4], hexDigits[x&15]
		j += 2
	}
}

// putDuration converts Avro's duration (three little-endian uint32:
// months, days, milliseconds) to Arrow's month_day_nano_interval (int32
// months, int32 days, int64 nanoseconds).
func putDuration(r *reader, c *Column, b []byte) {
	if r.err != nil {
		return
	}
	months := binary.LittleEndian.Uint32(b)
	days := binary.LittleEndian.Uint32(b[4:])
	millis := binary.LittleEndian.Uint32(b[8:])
	if months > math.MaxInt32 || days > math.MaxInt32 {
		r.failf("duration of %d months and %d days exceeds Arrow's int32 fields", months, days)
		return
	}
	dst := c.fixedSlot()
	binary.LittleEndian.PutUint32(dst, months)
	binary.LittleEndian.PutUint32(dst[4:], days)
	binary.LittleEndian.PutUint64(dst[8:], uint64(millis)*1e6)
}

// String describes the decoder for logs and errors.
func (d *Decoder) String() string {
	return fmt.Sprintf("avroarrow.Decoder(writer %s, reader %s)", d.writer.BranchName(), d.reader.BranchName())
}
