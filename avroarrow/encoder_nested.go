package avroarrow

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// encStruct writes an Arrow struct column as an Avro record.
type encStruct struct {
	encLeaf
	fields []encField
}

func (n *encStruct) bind(arr arrow.Array) *EncodeError {
	a, ok := encStorage(arr).(*array.Struct)
	if !ok {
		return encBindErr(&n.encLeaf, arr)
	}
	n.bindNulls(a)
	for k := range n.fields {
		if f := &n.fields[k]; f.node != nil {
			if err := f.node.bind(a.Field(f.col)); err != nil {
				return err
			}
		}
	}
	return nil
}

func (n *encStruct) encode(dst []byte, i int) ([]byte, *EncodeError) {
	if n.null(i) {
		return dst, n.nullErr()
	}
	for k := range n.fields {
		f := &n.fields[k]
		if f.node == nil {
			dst = append(dst, f.def...)
			continue
		}
		var err *EncodeError
		if dst, err = f.node.encode(dst, i); err != nil {
			return dst, err
		}
	}
	return dst, nil
}

func (n *encStruct) check(lo, hi int) (int, *EncodeError) {
	if bad, err := n.checkNulls(lo, hi); err != nil {
		return bad, err
	}
	for k := range n.fields {
		if f := &n.fields[k]; f.node != nil {
			if bad, err := f.node.check(lo, hi); err != nil {
				return bad, err
			}
		}
	}
	return 0, nil
}

// encList writes an Arrow list-like column as an Avro array: one block
// holding every item, then the empty block that ends the array.
type encList struct {
	encLeaf
	items encNode
	arr   array.ListLike
	// contiguous is set for lists whose items follow each other (all but
	// list views), so check can validate the items in one pass.
	contiguous bool
}

func (n *encList) bind(arr arrow.Array) *EncodeError {
	a, ok := encStorage(arr).(array.ListLike)
	if !ok {
		return encBindErr(&n.encLeaf, arr)
	}
	n.arr = a
	switch a.DataType().ID() {
	case arrow.LIST_VIEW, arrow.LARGE_LIST_VIEW:
		n.contiguous = false
	default:
		n.contiguous = true
	}
	n.bindNulls(a)
	return n.items.bind(a.ListValues())
}

func (n *encList) encode(dst []byte, i int) ([]byte, *EncodeError) {
	if n.null(i) {
		return dst, n.nullErr()
	}
	start, end := n.arr.ValueOffsets(i)
	if end > start {
		dst = encAppendLong(dst, end-start)
		for j := int(start); j < int(end); j++ {
			var err *EncodeError
			if dst, err = n.items.encode(dst, j); err != nil {
				return dst, err
			}
		}
	}
	return append(dst, 0), nil
}

func (n *encList) check(lo, hi int) (int, *EncodeError) {
	return encCheckChildren(&n.encLeaf, n.arr, n.contiguous, n.items, lo, hi)
}

// encCheckChildren checks elements [lo, hi) of a list-like array whose
// items node is child, returning the index of the list element holding
// the first bad item.
func encCheckChildren(l *encLeaf, arr array.ListLike, contiguous bool, child encNode, lo, hi int) (int, *EncodeError) {
	if bad, err := l.checkNulls(lo, hi); err != nil {
		return bad, err
	}
	if lo >= hi {
		return 0, nil
	}
	if contiguous {
		start, _ := arr.ValueOffsets(lo)
		_, end := arr.ValueOffsets(hi - 1)
		bad, err := child.check(int(start), int(end))
		if err == nil {
			return 0, nil
		}
		// The first element whose items end past the bad one holds it.
		k := sort.Search(hi-lo, func(k int) bool {
			_, e := arr.ValueOffsets(lo + k)
			return int(e) > bad
		})
		return lo + k, err
	}
	for i := lo; i < hi; i++ {
		start, end := arr.ValueOffsets(i)
		if end > start {
			if _, err := child.check(int(start), int(end)); err != nil {
				return i, err
			}
		}
	}
	return 0, nil
}

// encMap writes an Arrow map column with string keys as an Avro map.
// Duplicate keys are written as they are; Avro readers keep the last.
type encMap struct {
	encLeaf
	values encNode
	arr    *array.Map
	keys   BytesSource
}

func (n *encMap) bind(arr arrow.Array) *EncodeError {
	a, ok := encStorage(arr).(*array.Map)
	if !ok {
		return encBindErr(&n.encLeaf, arr)
	}
	if !n.keys.Bind(a.Keys()) {
		return encBindErr(&n.encLeaf, a.Keys())
	}
	n.arr = a
	n.bindNulls(a)
	return n.values.bind(a.Items())
}

func (n *encMap) encode(dst []byte, i int) ([]byte, *EncodeError) {
	if n.null(i) {
		return dst, n.nullErr()
	}
	start, end := n.arr.ValueOffsets(i)
	if end > start {
		dst = encAppendLong(dst, end-start)
		for j := int(start); j < int(end); j++ {
			dst = encAppendBytes(dst, n.keys.At(j))
			var err *EncodeError
			if dst, err = n.values.encode(dst, j); err != nil {
				return dst, err
			}
		}
	}
	return append(dst, 0), nil
}

func (n *encMap) check(lo, hi int) (int, *EncodeError) {
	return encCheckChildren(&n.encLeaf, n.arr, true, n.values, lo, hi)
}

// encBranch writes a column into a union through one branch: the null
// branch for nulls (when the union has one), branch idx for the rest.
// This covers [null, T] and any column that one branch of a wider union
// takes whole.
type encBranch struct {
	encLeaf
	inner     encNode // nil when every value is null
	nullIdx   int     // -1 when the union has no null branch
	prefix    []byte  // the encoded index of the value branch
	nullBytes []byte  // the encoded index of the null branch
	valid     encValidity
}

func newEncBranch(l encLeaf, idx, nullIdx int, inner encNode) *encBranch {
	n := &encBranch{encLeaf: l, inner: inner, nullIdx: nullIdx}
	if idx >= 0 {
		n.prefix = encAppendLong(nil, int64(idx))
	}
	if nullIdx >= 0 {
		n.nullBytes = encAppendLong(nil, int64(nullIdx))
	}
	if inner != nil {
		// With a null branch, this node writes the nulls; without one the
		// inner node refuses them.
		inner.base().nullable = nullIdx >= 0
	}
	return n
}

func (n *encBranch) bind(arr arrow.Array) *EncodeError {
	n.valid.bind(arr)
	if n.inner == nil {
		return nil
	}
	return n.inner.bind(arr)
}

func (n *encBranch) encode(dst []byte, i int) ([]byte, *EncodeError) {
	if n.nullIdx >= 0 && (n.inner == nil || n.valid.has && n.valid.isNull(i)) {
		return append(dst, n.nullBytes...), nil
	}
	return n.inner.encode(append(dst, n.prefix...), i)
}

func (n *encBranch) check(lo, hi int) (int, *EncodeError) {
	switch {
	case n.inner == nil:
		return 0, nil
	case n.nullIdx < 0 || !n.valid.has:
		return n.inner.check(lo, hi)
	}
	// Check the runs of non-null values; what lies under a null is
	// never written.
	for i := lo; i < hi; {
		for i < hi && n.valid.isNull(i) {
			i++
		}
		j := i
		for j < hi && !n.valid.isNull(j) {
			j++
		}
		if j > i {
			if bad, err := n.inner.check(i, j); err != nil {
				return bad, err
			}
		}
		i = j
	}
	return 0, nil
}

// encUnionChild is one child of a struct of branches or an Arrow union.
type encUnionChild struct {
	branch int
	node   encNode // nil for a child standing for the null branch
	prefix []byte
	valid  encValidity
}

func encUnionPrefixes(children []encUnionChild) {
	for k := range children {
		children[k].prefix = encAppendLong(nil, int64(children[k].branch))
	}
}

// encUnionNull writes the null branch, or refuses a null when the union
// has none.
func encUnionNull(l *encLeaf, dst []byte, nullIdx int) ([]byte, *EncodeError) {
	if nullIdx < 0 {
		return dst, &EncodeError{Column: l.path.col, Field: l.path.field, Row: -1, Msg: "null into " + l.avro + ", which has no null branch"}
	}
	return encAppendLong(dst, int64(nullIdx)), nil
}

// encUnionStruct writes a struct with one nullable child per union branch,
// the shape kafarr reads multi-branch unions as: exactly one child is set
// per row; a null struct, or one with no child set, is the null branch.
type encUnionStruct struct {
	encLeaf
	nullIdx  int
	children []encUnionChild
	valid    encValidity
}

func (n *encUnionStruct) bind(arr arrow.Array) *EncodeError {
	a, ok := encStorage(arr).(*array.Struct)
	if !ok {
		return encBindErr(&n.encLeaf, arr)
	}
	n.valid.bind(a)
	for k := range n.children {
		ch := &n.children[k]
		field := a.Field(k)
		ch.valid.bind(field)
		if ch.node != nil {
			if err := ch.node.bind(field); err != nil {
				return err
			}
		}
	}
	return nil
}

// pick returns the child set at row i, or -1 for the null branch.
func (n *encUnionStruct) pick(i int) (int, *EncodeError) {
	if n.valid.has && n.valid.isNull(i) {
		return -1, nil
	}
	set := -1
	for k := range n.children {
		ch := &n.children[k]
		if ch.node == nil || ch.valid.has && ch.valid.isNull(i) {
			continue
		}
		if set >= 0 {
			return -1, n.twoSet(i)
		}
		set = k
	}
	return set, nil
}

func (n *encUnionStruct) twoSet(i int) *EncodeError {
	var names []string
	for k := range n.children {
		ch := &n.children[k]
		if ch.node != nil && !(ch.valid.has && ch.valid.isNull(i)) {
			names = append(names, strconv.Quote(ch.node.base().path.col[len(n.path.col)+1:]))
		}
	}
	return &EncodeError{Column: n.path.col, Field: n.path.field, Row: -1,
		Msg: fmt.Sprintf("%d branches are set (%s); a value of %s takes exactly one", len(names), strings.Join(names, ", "), n.avro)}
}

func (n *encUnionStruct) encode(dst []byte, i int) ([]byte, *EncodeError) {
	k, err := n.pick(i)
	if err != nil {
		return dst, err
	}
	if k < 0 {
		return encUnionNull(&n.encLeaf, dst, n.nullIdx)
	}
	ch := &n.children[k]
	return ch.node.encode(append(dst, ch.prefix...), i)
}

func (n *encUnionStruct) check(lo, hi int) (int, *EncodeError) {
	var scratch [10]byte
	for i := lo; i < hi; i++ {
		k, err := n.pick(i)
		if err == nil && k < 0 {
			_, err = encUnionNull(&n.encLeaf, scratch[:0], n.nullIdx)
		}
		if err == nil && k >= 0 {
			_, err = n.children[k].node.check(i, i+1)
		}
		if err != nil {
			return i, err
		}
	}
	return 0, nil
}

// encUnionArrow writes an Arrow sparse or dense union column, whose
// children are named after the Avro branches. A null child value is the
// null branch.
type encUnionArrow struct {
	encLeaf
	nullIdx  int
	children []encUnionChild
	dense    bool
	codes    []arrow.UnionTypeCode
	childIDs []int
	offsets  []int32
}

func (n *encUnionArrow) bind(arr arrow.Array) *EncodeError {
	a, ok := encStorage(arr).(array.Union)
	if !ok {
		return encBindErr(&n.encLeaf, arr)
	}
	n.codes, n.childIDs, n.offsets = a.RawTypeCodes(), a.UnionType().ChildIDs(), nil
	if d, ok := a.(*array.DenseUnion); ok {
		n.offsets = d.RawValueOffsets()
	}
	for k := range n.children {
		ch := &n.children[k]
		field := a.Field(k)
		ch.valid.bind(field)
		if ch.node != nil {
			if err := ch.node.bind(field); err != nil {
				return err
			}
		}
	}
	return nil
}

// pick returns the child holding row i and the row's index in it; the
// child is -1 for the null branch.
func (n *encUnionArrow) pick(i int) (int, int) {
	k := n.childIDs[n.codes[i]]
	j := i
	if n.offsets != nil {
		j = int(n.offsets[i])
	}
	ch := &n.children[k]
	if ch.node == nil || ch.valid.has && ch.valid.isNull(j) {
		return -1, j
	}
	return k, j
}

func (n *encUnionArrow) encode(dst []byte, i int) ([]byte, *EncodeError) {
	k, j := n.pick(i)
	if k < 0 {
		return encUnionNull(&n.encLeaf, dst, n.nullIdx)
	}
	ch := &n.children[k]
	return ch.node.encode(append(dst, ch.prefix...), j)
}

func (n *encUnionArrow) check(lo, hi int) (int, *EncodeError) {
	var scratch [10]byte
	for i := lo; i < hi; i++ {
		k, j := n.pick(i)
		var err *EncodeError
		if k < 0 {
			_, err = encUnionNull(&n.encLeaf, scratch[:0], n.nullIdx)
		} else {
			_, err = n.children[k].node.check(j, j+1)
		}
		if err != nil {
			return i, err
		}
	}
	return 0, nil
}

// encDict writes a dictionary-encoded column through the node for its
// value type, bound to the dictionary.
type encDict struct {
	encLeaf
	values encNode
	arr    *array.Dictionary
	size   int // the dictionary's length
}

func (n *encDict) bind(arr arrow.Array) *EncodeError {
	d, ok := encStorage(arr).(*array.Dictionary)
	if !ok {
		return encBindErr(&n.encLeaf, arr)
	}
	n.arr = d
	n.bindNulls(d)
	dict := d.Dictionary()
	n.size = dict.Len()
	return n.values.bind(dict)
}

func (n *encDict) index(i int) (int, *EncodeError) {
	k := n.arr.GetValueIndex(i)
	if k < 0 || k >= n.size {
		return 0, n.valueErr(strconv.Itoa(k), "is not an index into the column's dictionary")
	}
	return k, nil
}

func (n *encDict) encode(dst []byte, i int) ([]byte, *EncodeError) {
	if n.null(i) {
		return dst, n.nullErr()
	}
	k, err := n.index(i)
	if err != nil {
		return dst, err
	}
	return n.values.encode(dst, k)
}

func (n *encDict) check(lo, hi int) (int, *EncodeError) {
	for i := lo; i < hi; i++ {
		if n.null(i) {
			return i, n.nullErr()
		}
		k, err := n.index(i)
		if err == nil {
			_, err = n.values.check(k, k+1)
		}
		if err != nil {
			return i, err
		}
	}
	return 0, nil
}
