package avroarrow

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// colKind is the physical layout of a Column.
type colKind uint8

const (
	kindNull       colKind = iota // length only
	kindBool                      // bit-packed values
	kindFixed                     // width bytes per value
	kindBinary                    // int32 offsets + bytes (binary, utf8)
	kindList                      // int32 offsets + one child
	kindMap                       // int32 offsets + entries struct child (key, value)
	kindStruct                    // children of equal length
	kindDenseUnion                // int8 type ids + int32 offsets + children
	kindDict                      // int32 indices into a fixed dictionary
)

// maxColumnOffset bounds the int32 offsets of binary, list and map
// columns: a batch column holds at most this many bytes or child items.
const maxColumnOffset = math.MaxInt32

// colBuf is one growable Arrow buffer. b is the whole allocation, used or
// not; the owning Column tracks how much is used.
type colBuf struct {
	buf *memory.Buffer
	b   []byte
	// hint is the capacity the buffer had when its batch was taken: the
	// next batch likely needs as much, so its first real growth goes
	// straight there. Allocating it at take time instead would cost a
	// batch's worth of zeroed memory after the last batch too.
	hint int
}

// reserve makes len(b) at least need, growing geometrically.
func (cb *colBuf) reserve(mem memory.Allocator, need int) {
	if need <= len(cb.b) {
		return
	}
	newCap := max(need, 2*len(cb.b), 64)
	if cb.hint > newCap {
		// The first growth after a take: the size of the last batch's
		// buffer, which the pool may hold free.
		newCap = cb.hint
	}
	cb.hint = 0
	if newCap > maxColumnOffset && need <= maxColumnOffset {
		// Binary data never needs more than int32 offsets can address.
		newCap = maxColumnOffset
	}
	if cb.buf == nil {
		cb.buf = memory.NewResizableBuffer(mem)
	}
	cb.buf.Reserve(newCap)
	cb.b = cb.buf.Buf()
}

// take hands the buffer over with used bytes, leaving cb empty; the caller
// owns the returned reference. A never-used buffer gives a fresh empty one,
// so arrays never see nil buffers where their layout needs one.
func (cb *colBuf) take(mem memory.Allocator, used int) *memory.Buffer {
	if cb.buf == nil {
		cb.reserve(mem, 1)
	}
	buf := cb.buf
	buf.ResizeNoShrink(used)
	cb.hint = len(cb.b)
	cb.buf, cb.b = nil, nil
	return buf
}

func (cb *colBuf) release() {
	if cb.buf != nil {
		cb.buf.Release()
		cb.buf, cb.b = nil, nil
	}
}

// Column is a growable Arrow column with typed appenders, built on
// allocator buffers. Unlike arrow-go's builders it can be truncated back to
// any earlier length in O(1) for flat columns, which is how a row that
// fails to decode is rolled back. Decoders append value columns through
// it; the read path uses it for its metadata columns (NewColumn).
//
// Each appender must match the column's type: AppendInt32 for int32,
// date32 and time32 columns, AppendInt64 for int64, time64, timestamp and
// duration columns, AppendBytes/AppendString for binary and utf8, and so
// on. A Column is not safe for concurrent use.
type Column struct {
	mem      memory.Allocator
	field    arrow.Field
	kind     colKind
	nullable bool
	width    int // bytes per value of kindFixed and kindDict
	n        int // length
	// fast is how many values the inlined fast paths of the appenders may
	// hold: the capacity of a fixed-width or binary column without a
	// validity bitmap, else 0 so that every append takes the slow path.
	fast int

	valid    colBuf // validity bitmap, allocated at the first null
	data     colBuf // values, bool bits, var-width bytes or union type ids
	dataLen  int    // bytes of data used by kindBinary
	offs     colBuf // int32 offsets: n+1 for binary/list/map, n for unions
	children []*Column

	dict      *array.Data // kindDict: the dictionary, shared by every batch
	dictExtra *dictExtra  // kindDict: values added to this batch's dictionary (columns_proto.go)
	codes     []int8      // kindDenseUnion: type code of each child
	nullChild int         // kindDenseUnion: the null-typed child, or -1
}

// NewColumn returns an empty column for field. Supported types: null,
// bool, all fixed-width numeric, temporal, decimal and interval types,
// fixed_size_binary, binary, utf8, list, map, struct, dense_union, and
// dictionary<int32, utf8> when the field's MetaSymbols (or MetaDictionary) metadata lists the
// dictionary (as ArrowSchema sets it for enums).
func NewColumn(mem memory.Allocator, field arrow.Field) (*Column, error) {
	c := &Column{mem: mem, field: field, nullable: field.Nullable, nullChild: -1}
	dt := field.Type
	switch dt.ID() {
	case arrow.NULL:
		c.kind = kindNull
	case arrow.BOOL:
		c.kind = kindBool
	case arrow.STRING, arrow.BINARY:
		c.kind = kindBinary
	case arrow.LIST:
		c.kind = kindList
		if err := c.addChildren(dt.(*arrow.ListType).ElemField()); err != nil {
			return nil, err
		}
	case arrow.MAP:
		c.kind = kindMap
		if err := c.addChildren(dt.(*arrow.MapType).ElemField()); err != nil {
			return nil, err
		}
	case arrow.STRUCT:
		c.kind = kindStruct
		if err := c.addChildren(dt.(*arrow.StructType).Fields()...); err != nil {
			return nil, err
		}
	case arrow.DENSE_UNION:
		c.kind = kindDenseUnion
		ut := dt.(*arrow.DenseUnionType)
		if err := c.addChildren(ut.Fields()...); err != nil {
			return nil, err
		}
		for i, code := range ut.TypeCodes() {
			c.codes = append(c.codes, int8(code))
			if ut.Fields()[i].Type.ID() == arrow.NULL && c.nullChild < 0 {
				c.nullChild = i
			}
		}
	case arrow.DICTIONARY:
		d := dt.(*arrow.DictionaryType)
		if d.IndexType.ID() != arrow.INT32 || d.ValueType.ID() != arrow.STRING {
			return nil, fmt.Errorf("column %q: unsupported dictionary type %s", field.Name, dt)
		}
		dict, err := enumDictionary(mem, field)
		if err != nil {
			return nil, err
		}
		c.kind, c.width, c.dict = kindDict, 4, dict
	default:
		fw, ok := dt.(arrow.FixedWidthDataType)
		if !ok || fw.BitWidth()%8 != 0 {
			return nil, fmt.Errorf("column %q: unsupported Arrow type %s", field.Name, dt)
		}
		c.kind, c.width = kindFixed, fw.BitWidth()/8
	}
	c.resetOffsets()
	return c, nil
}

func (c *Column) addChildren(fields ...arrow.Field) error {
	for _, f := range fields {
		child, err := NewColumn(c.mem, f)
		if err != nil {
			c.Release()
			return err
		}
		c.children = append(c.children, child)
	}
	return nil
}

// enumDictionary builds the utf8 dictionary of an enum column from the
// field's MetaSymbols metadata (MetaDictionary for formats other than Avro).
func enumDictionary(mem memory.Allocator, field arrow.Field) (*array.Data, error) {
	i := field.Metadata.FindKey(MetaSymbols)
	if i < 0 {
		i = field.Metadata.FindKey(MetaDictionary)
	}
	if i < 0 {
		return nil, fmt.Errorf("column %q: a dictionary column needs its symbols in the %s metadata", field.Name, MetaSymbols)
	}
	var symbols []string
	if err := json.Unmarshal([]byte(field.Metadata.Values()[i]), &symbols); err != nil {
		return nil, fmt.Errorf("column %q: bad %s metadata: %v", field.Name, MetaSymbols, err)
	}
	b := array.NewStringBuilder(mem)
	defer b.Release()
	b.AppendValues(symbols, nil)
	arr := b.NewArray()
	defer arr.Release()
	d := arr.Data().(*array.Data)
	d.Retain()
	return d, nil
}

// resetOffsets writes the leading 0 offset of an empty var-width or list
// column.
func (c *Column) resetOffsets() {
	switch c.kind {
	case kindBinary, kindList, kindMap:
		c.offs.reserve(c.mem, 4)
		binary.LittleEndian.PutUint32(c.offs.b, 0)
	}
}

// updateFast recomputes fast after a buffer grew or a bitmap appeared.
func (c *Column) updateFast() {
	c.fast = 0
	if c.valid.b != nil {
		return
	}
	switch c.kind {
	case kindFixed, kindDict:
		if c.width > 0 { // fixed(0) takes the slow path
			c.fast = len(c.data.b) / c.width
		}
	case kindBinary:
		c.fast = len(c.offs.b)/4 - 1
	}
}

// Field returns the Arrow field the column was made for.
func (c *Column) Field() arrow.Field { return c.field }

// Len returns the number of values appended since the last NewArray.
func (c *Column) Len() int { return c.n }

// Child returns the i-th child of a struct or dense union column, the item
// column of a list, or the entries struct of a map.
func (c *Column) Child(i int) *Column { return c.children[i] }

// setValid records that value c.n (about to be appended) is valid. Without
// a bitmap every value is valid, so only columns that saw a null pay.
func (c *Column) setValid() {
	if c.valid.b != nil {
		c.setValidSlow()
	}
}

func (c *Column) setValidSlow() {
	i := c.n >> 3
	if i >= len(c.valid.b) {
		c.valid.reserve(c.mem, i+1)
	}
	c.valid.b[i] |= 1 << (c.n & 7)
}

// setNull records that value c.n (about to be appended) is null,
// allocating the bitmap with all earlier values valid at the first null.
func (c *Column) setNull() {
	i := c.n >> 3
	if c.valid.b == nil {
		c.valid.reserve(c.mem, max(i+1, (c.data.cap(c.width)+7)>>3))
		for j := range c.valid.b[:i] {
			c.valid.b[j] = 0xff
		}
		c.valid.b[i] = 0
		for j := 0; j < c.n&7; j++ {
			c.valid.b[i] |= 1 << j
		}
	} else if i >= len(c.valid.b) {
		c.valid.reserve(c.mem, i+1)
	}
	c.valid.b[i] &^= 1 << (c.n & 7)
	c.fast = 0
}

// cap returns how many values of width bytes fit the buffer; a sizing hint.
func (cb *colBuf) cap(width int) int {
	if width <= 0 {
		return 0
	}
	return len(cb.b) / width
}

// AppendNull appends a null. On a column whose field is not nullable (a
// child of a null struct, say) it appends the type's zero value instead:
// Arrow lets a null parent hide any child value.
func (c *Column) AppendNull() {
	if !c.nullable {
		c.appendZero()
		return
	}
	switch c.kind {
	case kindNull:
		c.n++
		return
	case kindDenseUnion:
		// Unions have no validity bitmap: a null goes to the null branch,
		// or to a null in the first branch.
		k := max(c.nullChild, 0)
		c.appendUnionSlot(k).AppendNull()
		return
	}
	c.setNull()
	c.appendZeroValue()
}

// appendZero appends a valid zero value: 0, false, empty, or a struct of
// zero values.
func (c *Column) appendZero() {
	switch c.kind {
	case kindNull:
		c.n++
		return
	case kindDenseUnion:
		c.appendUnionSlot(max(c.nullChild, 0)).AppendNull()
		return
	}
	c.setValid()
	c.appendZeroValue()
}

// appendZeroValue appends the value slot of a zero or null value after its
// validity bit is set.
func (c *Column) appendZeroValue() {
	switch c.kind {
	case kindBool:
		c.putBit(false)
	case kindFixed, kindDict:
		i := c.n * c.width
		c.data.reserve(c.mem, i+c.width)
		clear(c.data.b[i : i+c.width])
	case kindBinary:
		c.putOffset(c.dataLen)
	case kindList:
		c.putOffset(c.children[0].n)
	case kindMap:
		c.putOffset(c.children[0].n)
	case kindStruct:
		for _, ch := range c.children {
			ch.AppendNull()
		}
	}
	c.n++
}

// putOffset writes offset c.n+1 of a var-width or list column.
func (c *Column) putOffset(v int) {
	i := (c.n + 1) * 4
	if i+4 > len(c.offs.b) {
		c.offs.reserve(c.mem, i+4)
	}
	binary.LittleEndian.PutUint32(c.offs.b[i:], uint32(v))
}

// putBit writes value bit c.n of a bool column.
func (c *Column) putBit(v bool) {
	i := c.n >> 3
	if i >= len(c.data.b) {
		c.data.reserve(c.mem, i+1)
	}
	if v {
		c.data.b[i] |= 1 << (c.n & 7)
	} else {
		c.data.b[i] &^= 1 << (c.n & 7)
	}
}

// AppendBool appends to a bool column.
func (c *Column) AppendBool(v bool) {
	c.setValid()
	c.putBit(v)
	c.n++
}

// AppendInt32 appends to a 4-byte integer column (int32, date32, time32,
// and the indices of a dictionary column).
func (c *Column) AppendInt32(v int32) {
	if i := c.n; i < c.fast {
		// i < fast guarantees the slot exists.
		*(*int32)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(c.data.b)), i*4)) = v
		c.n = i + 1
		return
	}
	c.appendInt32Slow(v)
}

func (c *Column) appendInt32Slow(v int32) {
	i := c.n * 4
	c.data.reserve(c.mem, i+4)
	binary.LittleEndian.PutUint32(c.data.b[i:], uint32(v))
	c.setValid()
	c.n++
	c.updateFast()
}

// AppendInt64 appends to an 8-byte integer column (int64, time64,
// timestamp, duration).
func (c *Column) AppendInt64(v int64) {
	if i := c.n; i < c.fast {
		*(*int64)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(c.data.b)), i*8)) = v
		c.n = i + 1
		return
	}
	c.appendInt64Slow(v)
}

func (c *Column) appendInt64Slow(v int64) {
	i := c.n * 8
	c.data.reserve(c.mem, i+8)
	binary.LittleEndian.PutUint64(c.data.b[i:], uint64(v))
	c.setValid()
	c.n++
	c.updateFast()
}

// AppendInt64s appends vs to an 8-byte integer column, in one copy when
// the column has room and no validity bitmap.
func (c *Column) AppendInt64s(vs []int64) {
	if i := c.n; i+len(vs) <= c.fast {
		dst := unsafe.Slice((*int64)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(c.data.b)), i*8)), len(vs))
		copy(dst, vs)
		c.n = i + len(vs)
		return
	}
	for _, v := range vs {
		c.AppendInt64(v)
	}
}

// AppendInt32Fill appends v n times to a 4-byte integer column.
func (c *Column) AppendInt32Fill(v int32, n int) {
	if i := c.n; i+n <= c.fast {
		dst := unsafe.Slice((*int32)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(c.data.b)), i*4)), n)
		for k := range dst {
			dst[k] = v
		}
		c.n = i + n
		return
	}
	for range n {
		c.AppendInt32(v)
	}
}

// AppendFloat32 appends to a float32 column.
func (c *Column) AppendFloat32(v float32) { c.AppendInt32(int32(math.Float32bits(v))) }

// AppendFloat64 appends to a float64 column.
func (c *Column) AppendFloat64(v float64) { c.AppendInt64(int64(math.Float64bits(v))) }

// AppendFixed appends to a fixed-width column (fixed_size_binary, decimal,
// interval) the value's little-endian bytes; v must be exactly the width.
func (c *Column) AppendFixed(v []byte) {
	i := c.n * c.width
	if i+c.width > len(c.data.b) {
		c.data.reserve(c.mem, i+c.width)
	}
	copy(c.data.b[i:i+c.width], v)
	c.setValid()
	c.n++
}

// fixedSlot appends a valid value to a fixed-width column and returns its
// bytes for the caller to fill.
func (c *Column) fixedSlot() []byte {
	i := c.n * c.width
	if i+c.width > len(c.data.b) {
		c.data.reserve(c.mem, i+c.width)
	}
	c.setValid()
	c.n++
	return c.data.b[i : i+c.width]
}

// AppendBytes appends to a binary or utf8 column. It does not check UTF-8:
// callers appending to a utf8 column must. A column holds at most 2 GiB of
// bytes per batch (int32 offsets); AppendBytes reports false, appending
// nothing, when v would not fit.
func (c *Column) AppendBytes(v []byte) bool {
	d := c.dataLen
	end := d + len(v)
	if i := c.n; i < c.fast && end <= len(c.data.b) {
		copy(c.data.b[d:end], v)
		c.dataLen = end
		*(*int32)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(c.offs.b)), (i+1)*4)) = int32(end)
		c.n = i + 1
		return true
	}
	return c.appendBytesSlow(v)
}

func (c *Column) appendBytesSlow(v []byte) bool {
	d := c.dataLen
	end := d + len(v)
	if end > maxColumnOffset {
		return false
	}
	c.data.reserve(c.mem, end)
	copy(c.data.b[d:end], v)
	c.dataLen = end
	c.putOffset(end)
	c.setValid()
	c.n++
	c.updateFast()
	return true
}

// AppendString is AppendBytes for a string.
func (c *Column) AppendString(v string) bool {
	d := c.dataLen
	end := d + len(v)
	if end > maxColumnOffset {
		return false
	}
	c.data.reserve(c.mem, end)
	copy(c.data.b[d:end], v)
	c.dataLen = end
	c.putOffset(end)
	c.setValid()
	c.n++
	c.updateFast()
	return true
}

// varSlot appends a valid value of n bytes to a binary or utf8 column and
// returns them for the caller to fill. The caller checked the size limit.
func (c *Column) varSlot(n int) []byte {
	d := c.dataLen
	end := d + n
	if end > len(c.data.b) {
		c.data.reserve(c.mem, end)
	}
	c.dataLen = end
	c.putOffset(end)
	c.setValid()
	c.n++
	return c.data.b[d:end]
}

// AppendStruct appends a valid row to a struct column; the caller appends
// one value to every child.
func (c *Column) AppendStruct() {
	c.setValid()
	c.n++
}

// ListValues returns the item column of a list column.
func (c *Column) ListValues() *Column { return c.children[0] }

// AppendList appends a valid list holding the items appended to
// ListValues since the previous list.
func (c *Column) AppendList() {
	c.putOffset(c.children[0].n)
	c.setValid()
	c.n++
}

// MapKeys returns the key column of a map column.
func (c *Column) MapKeys() *Column { return c.children[0].children[0] }

// MapValues returns the value column of a map column.
func (c *Column) MapValues() *Column { return c.children[0].children[1] }

// AppendMap appends a valid map holding the entries appended to MapKeys
// and MapValues (one value per key) since the previous map.
func (c *Column) AppendMap() {
	entries := c.children[0]
	entries.n = entries.children[0].n
	c.putOffset(entries.n)
	c.setValid()
	c.n++
}

// appendUnionSlot appends a row of a dense union column taking child k,
// and returns the child for the caller to append the value to.
func (c *Column) appendUnionSlot(k int) *Column {
	child := c.children[k]
	if c.n >= len(c.data.b) {
		c.data.reserve(c.mem, c.n+1)
	}
	c.data.b[c.n] = byte(c.codes[k])
	i := c.n * 4
	if i+4 > len(c.offs.b) {
		c.offs.reserve(c.mem, i+4)
	}
	binary.LittleEndian.PutUint32(c.offs.b[i:], uint32(child.n))
	c.n++
	return child
}

// AppendUnion appends a row of a dense union column taking child k, and
// returns that child; the caller appends exactly one value to it.
func (c *Column) AppendUnion(k int) *Column { return c.appendUnionSlot(k) }

// Reserve makes room for n more values without reallocating, for the
// fixed-width parts of the column (values, offsets, struct children); the
// byte and item counts of binary and list values cannot be known.
func (c *Column) Reserve(n int) {
	total := c.n + n
	switch c.kind {
	case kindBool:
		c.data.reserve(c.mem, (total+7)>>3)
	case kindFixed, kindDict:
		c.data.reserve(c.mem, total*c.width)
	case kindBinary, kindList, kindMap:
		c.offs.reserve(c.mem, (total+1)*4)
	case kindStruct:
		for _, ch := range c.children {
			ch.Reserve(n)
		}
	case kindDenseUnion:
		c.data.reserve(c.mem, total)
		c.offs.reserve(c.mem, total*4)
	}
	if c.valid.b != nil {
		c.valid.reserve(c.mem, (total+7)>>3)
	}
	c.updateFast()
}
