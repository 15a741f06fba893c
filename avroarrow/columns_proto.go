package avroarrow

import (
	"encoding/binary"
	"fmt"
	"unicode/utf8"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// This file holds the Column operations that formats other than Avro need:
// dictionaries that grow within a batch, and reopening the last value of a
// nested column. Protobuf (package protoarrow) uses them: its enums admit
// numbers the schema does not name, and a singular message field that
// occurs twice in one message merges into the first occurrence.

// MetaDictionary is the field metadata key of a dictionary<int32, utf8>
// column's dictionary, as a JSON array of strings, for formats other than
// Avro (whose enum columns use MetaSymbols). Every batch's dictionary
// starts with these values, in this order; AppendDictExtra adds more.
const MetaDictionary = "kafarr.dictionary"

// dictExtra holds the values a dictionary column added to the current
// batch's dictionary after the values of its metadata.
type dictExtra struct {
	values []string
	index  map[string]int32
}

// AppendDictExtra appends to a dictionary column the value v, which the
// dictionary of the column's metadata does not hold: it is added to this
// batch's dictionary (once per batch, whatever the number of rows holding
// it) and the row refers to it. The additions last until the batch is
// taken, so a batch's dictionary grows by at most one value per row. It
// reports false, appending nothing, when the batch's dictionary would pass
// 2 GiB of text.
func (c *Column) AppendDictExtra(v []byte) bool {
	x := c.dictExtra
	if x == nil {
		x = &dictExtra{index: map[string]int32{}}
		c.dictExtra = x
	}
	k, ok := x.index[string(v)]
	if !ok {
		if len(x.values) >= maxColumnOffset/2 {
			return false
		}
		k = int32(c.dict.Len() + len(x.values))
		s := string(v)
		x.values = append(x.values, s)
		x.index[s] = k
	}
	c.AppendInt32(k)
	return true
}

// batchDictionary returns the dictionary of the batch being finished, with
// a reference for the caller, and forgets the batch's additions.
func (c *Column) batchDictionary() *array.Data {
	x := c.dictExtra
	if x == nil || len(x.values) == 0 {
		c.dict.Retain()
		return c.dict
	}
	base := array.NewStringData(c.dict)
	defer base.Release()
	b := array.NewStringBuilder(c.mem)
	defer b.Release()
	b.Reserve(base.Len() + len(x.values))
	for i := range base.Len() {
		b.Append(base.Value(i))
	}
	b.AppendValues(x.values, nil)
	arr := b.NewArray()
	defer arr.Release()
	c.dictExtra = nil
	d := arr.Data().(*array.Data)
	d.Retain()
	return d
}

// IsValid reports whether value i of the column is not null.
func (c *Column) IsValid(i int) bool {
	if c.kind == kindNull {
		return false
	}
	return c.valid.b == nil || c.valid.b[i>>3]&(1<<(i&7)) != 0
}

// NumChildren returns the number of children of a struct or dense union
// column (1 for lists and maps).
func (c *Column) NumChildren() int { return len(c.children) }

// ReopenLast takes the last value of a struct, list or map column back so
// that more can be appended to it: a struct's children keep their values
// for that row, a list or map keeps its items and takes more. The caller
// ends the value again with AppendStruct, AppendList or AppendMap. It
// panics on an empty column or another kind.
func (c *Column) ReopenLast() {
	switch c.kind {
	case kindStruct, kindList, kindMap:
	default:
		panic(fmt.Sprintf("avroarrow: ReopenLast on a %s column", c.field.Type))
	}
	if c.n == 0 {
		panic("avroarrow: ReopenLast on an empty column")
	}
	c.n--
}

// ExtendLast appends v to the bytes of the last value of a binary column,
// which must be valid. It reports false, appending nothing, when the
// column's bytes would pass 2 GiB.
func (c *Column) ExtendLast(v []byte) bool {
	if c.kind != kindBinary || c.n == 0 {
		panic("avroarrow: ExtendLast needs a binary column with a value")
	}
	end := c.dataLen + len(v)
	if end > maxColumnOffset {
		return false
	}
	c.data.reserve(c.mem, end)
	copy(c.data.b[c.dataLen:end], v)
	c.dataLen = end
	binary.LittleEndian.PutUint32(c.offs.b[c.n*4:], uint32(end))
	c.updateFast()
	return true
}

// Root returns the struct column whose children are the value columns,
// after checking that they are the columns of value schema s (once per
// schema: decoders sharing a schema are checked once). A decoder of
// another format appends one row by appending one value to every child
// and then calling AppendStruct on the root; on failure it truncates the
// root back to its length before the row.
func (b *BatchBuilder) Root(s *arrow.Schema) (*Column, error) {
	if b.bound != s {
		if err := b.bind(s); err != nil {
			return nil, err
		}
	}
	return b.root, nil
}

// TryAppendInt32 appends v to a 4-byte column when the column has room
// and no validity bitmap, and reports whether it did; the caller calls
// AppendInt32 when it did not. Unlike AppendInt32 it is cheap enough for
// the compiler to inline into another package's decode loop.
func (c *Column) TryAppendInt32(v int32) bool {
	if i := c.n; i < c.fast {
		*(*int32)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(c.data.b)), i*4)) = v
		c.n = i + 1
		return true
	}
	return false
}

// TryAppendInt64 is TryAppendInt32 for 8-byte columns.
func (c *Column) TryAppendInt64(v int64) bool {
	if i := c.n; i < c.fast {
		*(*int64)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(c.data.b)), i*8)) = v
		c.n = i + 1
		return true
	}
	return false
}

// AppendUTF8 appends v to a utf8 column after checking that it is valid
// UTF-8, in one pass over the bytes where it can. It reports whether v was
// valid and whether it was appended (false also when the column's bytes
// would pass 2 GiB); nothing is appended unless both hold.
func (c *Column) AppendUTF8(v []byte) (valid, ok bool) {
	d := c.dataLen
	end := d + len(v)
	if i := c.n; i < c.fast && end <= len(c.data.b) {
		// Copy first, check after: the copy is dropped if the check
		// fails.
		if !copyASCII(c.data.b[d:end], v) && !utf8.Valid(v) {
			return false, false
		}
		c.dataLen = end
		*(*int32)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(c.offs.b)), (i+1)*4)) = int32(end)
		c.n = i + 1
		return true, true
	}
	if !validUTF8(v) {
		return false, false
	}
	return true, c.appendBytesSlow(v)
}
