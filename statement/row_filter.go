package statement

import (
	"bytes"
	"fmt"
	"math"
	"math/big"
	"strings"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/kafarr/kafarr/internal/arrowcell"
	"github.com/kafarr/kafarr/internal/sqlparse"
)

// boundTerm is a WHERE term bound to a built column: cmp compares the value
// at a row with the term's literal (-1, 0, 1), after the row is known not
// to be null; in checks IN lists.
type boundTerm struct {
	term  sqlparse.Term
	col   outCol
	cmps  []func(a arrow.Array, i int) int // one per literal
	nulls bool                             // IS [NOT] NULL: no comparison
}

// bindTerm binds t to a built column, checking that its literals suit the
// column's type.
func bindTerm(built *arrow.Schema, t sqlparse.Term, sql string) (boundTerm, error) {
	col, err := resolvePath(built, t.Column, sql)
	if err != nil {
		return boundTerm{}, err
	}
	bt := boundTerm{term: t, col: col}
	if t.Op == sqlparse.OpIsNull || t.Op == sqlparse.OpIsNotNull {
		bt.nulls = true
		return bt, nil
	}
	for _, lit := range t.Values {
		if lit.Kind == sqlparse.LitNull {
			// SQL: a comparison with NULL is never true.
			bt.cmps = append(bt.cmps, nil)
			continue
		}
		cmp, err := comparator(col.field.Type, lit)
		if err != nil {
			return boundTerm{}, adbc.Error{Code: adbc.StatusInvalidArgument, Msg: fmt.Sprintf(
				"kafarr: cannot compare column %s (%s) with %s%s: %v", t.Column, col.field.Type, lit, sqlparse.At(sql, lit.Pos), err)}
		}
		bt.cmps = append(bt.cmps, cmp)
	}
	return bt, nil
}

// eval returns the term's truth on row i of arr, where arr is the column the
// term is bound to and null tells whether the row's value is null.
func (b *boundTerm) eval(arr arrow.Array, i int, null bool) bool {
	switch b.term.Op {
	case sqlparse.OpIsNull:
		return null
	case sqlparse.OpIsNotNull:
		return !null
	}
	if null {
		return false
	}
	test := func(k int) (int, bool) {
		if b.cmps[k] == nil {
			return 0, false
		}
		return b.cmps[k](arr, i), true
	}
	switch b.term.Op {
	case sqlparse.OpIn:
		for k := range b.cmps {
			if c, ok := test(k); ok && c == 0 {
				return true
			}
		}
		return false
	case sqlparse.OpBetween:
		lo, ok1 := test(0)
		hi, ok2 := test(1)
		return ok1 && ok2 && lo >= 0 && hi <= 0
	}
	c, ok := test(0)
	if !ok {
		return false
	}
	switch b.term.Op {
	case sqlparse.OpEq:
		return c == 0
	case sqlparse.OpNe:
		return c != 0
	case sqlparse.OpLt:
		return c < 0
	case sqlparse.OpLe:
		return c <= 0
	case sqlparse.OpGt:
		return c > 0
	case sqlparse.OpGe:
		return c >= 0
	}
	return false
}

func cmpOrdered[T int64 | uint64 | float64 | string](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// comparator returns a function comparing row i of an array of type dt
// with lit.
func comparator(dt arrow.DataType, lit sqlparse.Literal) (func(arrow.Array, int) int, error) {
	numeric := func() (float64, bool) {
		switch lit.Kind {
		case sqlparse.LitInt:
			return float64(lit.Int), true
		case sqlparse.LitFloat:
			return lit.Float, true
		}
		return 0, false
	}
	switch t := dt.(type) {
	case *arrow.Int8Type, *arrow.Int16Type, *arrow.Int32Type, *arrow.Int64Type,
		*arrow.Uint8Type, *arrow.Uint16Type, *arrow.Uint32Type, *arrow.Uint64Type:
		if lit.Kind == sqlparse.LitInt {
			v := lit.Int
			return func(a arrow.Array, i int) int { return cmpOrdered(arrowcell.Int64(a, i), v) }, nil
		}
		if f, ok := numeric(); ok {
			return func(a arrow.Array, i int) int { return cmpOrdered(float64(arrowcell.Int64(a, i)), f) }, nil
		}
	case *arrow.Float32Type, *arrow.Float64Type:
		if f, ok := numeric(); ok {
			return func(a arrow.Array, i int) int { return cmpFloat(floatAt(a, i), f) }, nil
		}
	case *arrow.BooleanType:
		if lit.Kind == sqlparse.LitBool {
			v := lit.Bool
			return func(a arrow.Array, i int) int {
				got := a.(*array.Boolean).Value(i)
				switch {
				case got == v:
					return 0
				case !got:
					return -1
				}
				return 1
			}, nil
		}
	case *arrow.StringType, *arrow.LargeStringType:
		if lit.Kind == sqlparse.LitString {
			v := lit.Str
			return func(a arrow.Array, i int) int { return strings.Compare(stringAt(a, i), v) }, nil
		}
	case *arrow.BinaryType, *arrow.LargeBinaryType, *arrow.FixedSizeBinaryType:
		if lit.Kind == sqlparse.LitString {
			v := []byte(lit.Str)
			return func(a arrow.Array, i int) int { return bytes.Compare(bytesAt(a, i), v) }, nil
		}
	case *arrow.DictionaryType:
		if lit.Kind == sqlparse.LitString {
			v := lit.Str
			return func(a arrow.Array, i int) int {
				d := a.(*array.Dictionary)
				return strings.Compare(stringAt(d.Dictionary(), d.GetValueIndex(i)), v)
			}, nil
		}
	case *arrow.TimestampType:
		var v int64
		switch lit.Kind {
		case sqlparse.LitTimestamp, sqlparse.LitDate:
			v = timeIn(lit, t.Unit)
		case sqlparse.LitInt:
			v = lit.Int
		default:
			return nil, fmt.Errorf("use TIMESTAMP '...'")
		}
		return func(a arrow.Array, i int) int { return cmpOrdered(int64(a.(*array.Timestamp).Value(i)), v) }, nil
	case *arrow.Date32Type:
		if lit.Kind == sqlparse.LitDate || lit.Kind == sqlparse.LitTimestamp {
			v := lit.Time.Unix() / 86400
			if lit.Time.Unix()%86400 != 0 && lit.Time.Unix() < 0 {
				v--
			}
			return func(a arrow.Array, i int) int { return cmpOrdered(int64(a.(*array.Date32).Value(i)), v) }, nil
		}
	case *arrow.Decimal128Type:
		if lit.Kind == sqlparse.LitInt || lit.Kind == sqlparse.LitFloat {
			want, ok := new(big.Rat).SetString(lit.Text)
			if !ok {
				break
			}
			scale := t.Scale
			return func(a arrow.Array, i int) int {
				n := a.(*array.Decimal128).Value(i)
				return decimalRat(n, scale).Cmp(want)
			}, nil
		}
	default:
		return nil, fmt.Errorf("kafarr filters on this type are not supported; filter it in DuckDB over the Arrow result")
	}
	return nil, fmt.Errorf("a %s literal does not fit", lit.Kind)
}

func decimalRat(n decimal128.Num, scale int32) *big.Rat {
	r := new(big.Rat).SetInt(n.BigInt())
	if scale > 0 {
		r.Quo(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)))
	}
	return r
}

func cmpFloat(a, b float64) int {
	if math.IsNaN(a) || math.IsNaN(b) {
		return 2 // never equal, never ordered
	}
	return cmpOrdered(a, b)
}

func timeIn(lit sqlparse.Literal, unit arrow.TimeUnit) int64 {
	switch unit {
	case arrow.Second:
		return lit.Time.Unix()
	case arrow.Millisecond:
		return lit.Time.UnixMilli()
	case arrow.Microsecond:
		return lit.Time.UnixMicro()
	}
	return lit.Time.UnixNano()
}

func floatAt(a arrow.Array, i int) float64 {
	if f, ok := a.(*array.Float32); ok {
		return float64(f.Value(i))
	}
	return a.(*array.Float64).Value(i)
}

func stringAt(a arrow.Array, i int) string {
	if s, ok := a.(*array.String); ok {
		return s.Value(i)
	}
	return a.(*array.LargeString).Value(i)
}

func bytesAt(a arrow.Array, i int) []byte {
	switch a := a.(type) {
	case *array.Binary:
		return a.Value(i)
	case *array.LargeBinary:
		return a.Value(i)
	case *array.FixedSizeBinary:
		return a.Value(i)
	}
	return nil
}

// filterRows evaluates terms on rec and returns the indices of the rows
// that pass them all, or nil when every row passes.
func filterRows(rec arrow.RecordBatch, terms []boundTerm) []int32 {
	if len(terms) == 0 {
		return nil
	}
	n := int(rec.NumRows())
	type target struct {
		arr     arrow.Array
		parents []arrow.Array // structs on the path, for their nulls
	}
	targets := make([]target, len(terms))
	for k, t := range terms {
		arr := rec.Column(t.col.index)
		var parents []arrow.Array
		for _, ci := range t.col.path {
			parents = append(parents, arr)
			arr = arr.(*array.Struct).Field(ci)
		}
		targets[k] = target{arr, parents}
	}
	keep := make([]int32, 0, n)
	for i := 0; i < n; i++ {
		ok := true
		for k := range terms {
			tg := targets[k]
			null := tg.arr.IsNull(i)
			for _, p := range tg.parents {
				null = null || p.IsNull(i)
			}
			if !terms[k].eval(tg.arr, i, null) {
				ok = false
				break
			}
		}
		if ok {
			keep = append(keep, int32(i))
		}
	}
	if len(keep) == n {
		return nil
	}
	return keep
}
