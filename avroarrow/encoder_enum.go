package avroarrow

import (
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// encEnum writes text as an Avro enum: each value must be one of its
// symbols.
type encEnum struct {
	encLeaf
	syms map[string]int32
	src  BytesSource
}

func newEncEnum(l encLeaf, s *Schema) *encEnum {
	syms := make(map[string]int32, len(s.Symbols))
	for i, sym := range s.Symbols {
		syms[sym] = int32(i)
	}
	return &encEnum{encLeaf: l, syms: syms}
}

func (n *encEnum) bind(arr arrow.Array) *EncodeError {
	return encBindBytes(&n.encLeaf, &n.src, arr)
}

func (n *encEnum) encode(dst []byte, i int) ([]byte, *EncodeError) {
	if n.null(i) {
		return dst, n.nullErr()
	}
	b := n.src.At(i)
	idx, ok := n.syms[string(b)]
	if !ok {
		return dst, n.fail(b)
	}
	return encAppendLong(dst, int64(idx)), nil
}

func (n *encEnum) check(lo, hi int) (int, *EncodeError) {
	for i := lo; i < hi; i++ {
		if n.null(i) {
			return i, n.nullErr()
		}
		if b := n.src.At(i); !n.hasSymbol(b) {
			return i, n.fail(b)
		}
	}
	return 0, nil
}

func (n *encEnum) hasSymbol(b []byte) bool {
	_, ok := n.syms[string(b)]
	return ok
}

func (n *encEnum) fail(b []byte) *EncodeError {
	return n.valueErr(encStringText(string(b)), "is not a symbol of "+n.avro)
}

// encEnumDict writes a dictionary-encoded string column (a pandas
// categorical, or kafarr's own enum columns) as an Avro enum, mapping the
// dictionary to symbol indexes once per batch.
type encEnumDict struct {
	*encEnum
	arr     *array.Dictionary
	symbols []int32 // per dictionary entry: the symbol index, or -1
}

func (n *encEnumDict) bind(arr arrow.Array) *EncodeError {
	d, ok := encStorage(arr).(*array.Dictionary)
	if !ok {
		return encBindErr(&n.encLeaf, arr)
	}
	dict := d.Dictionary()
	if !n.src.Bind(dict) {
		return encBindErr(&n.encLeaf, dict)
	}
	n.arr = d
	n.symbols = n.symbols[:0]
	for k := 0; k < dict.Len(); k++ {
		idx := int32(-1)
		if dict.IsValid(k) {
			if v, ok := n.syms[string(n.src.At(k))]; ok {
				idx = v
			}
		}
		n.symbols = append(n.symbols, idx)
	}
	n.bindNulls(arr)
	return nil
}

func (n *encEnumDict) encode(dst []byte, i int) ([]byte, *EncodeError) {
	if n.null(i) {
		return dst, n.nullErr()
	}
	k := n.arr.GetValueIndex(i)
	if k < 0 || k >= len(n.symbols) {
		return dst, n.valueErr(strconv.Itoa(k), "is not an index into the column's dictionary")
	}
	if n.symbols[k] < 0 {
		return dst, n.failEntry(k)
	}
	return encAppendLong(dst, int64(n.symbols[k])), nil
}

func (n *encEnumDict) check(lo, hi int) (int, *EncodeError) {
	var scratch [10]byte
	for i := lo; i < hi; i++ {
		if _, err := n.encode(scratch[:0], i); err != nil {
			return i, err
		}
	}
	return 0, nil
}

func (n *encEnumDict) failEntry(k int) *EncodeError {
	dict := n.arr.Dictionary()
	if dict.IsNull(k) {
		return n.nullErr()
	}
	return n.fail(n.src.At(k))
}
