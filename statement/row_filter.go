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

// rowExpr is a WHERE condition bound to the built columns: eval returns
// its truth on every row of a built batch.
type rowExpr interface {
	eval(rec arrow.RecordBatch) []tri
}

// rowTerm is a comparison bound to a built column: cmps compare the
// value at a row with each literal (-1, 0, 1; 2 for a NaN, which compares
// as greater than every number), nil for a NULL literal; like matches a
// LIKE pattern, nil for a NULL one.
type rowTerm struct {
	term *sqlparse.Term
	col  outCol
	cmps []func(a arrow.Array, i int) int
	like *likeMatcher
}

// rowLogic is AND (the minimum) or OR (the maximum) of its arguments.
type rowLogic struct {
	or   bool
	args []rowExpr
}

type rowNot struct{ x rowExpr }

type rowConst struct{ v tri }

// bindExpr binds a folded condition to the built columns, checking that
// its literals suit the columns' types.
func bindExpr(built *arrow.Schema, e sqlparse.Expr, sql string) (rowExpr, error) {
	switch e := e.(type) {
	case *sqlparse.Const:
		return rowConst{constTruth(e)}, nil
	case *sqlparse.Not:
		x, err := bindExpr(built, e.X, sql)
		if err != nil {
			return nil, err
		}
		return rowNot{x}, nil
	case *sqlparse.Logic:
		l := &rowLogic{or: e.Op == sqlparse.Or}
		for _, a := range e.Args {
			x, err := bindExpr(built, a, sql)
			if err != nil {
				return nil, err
			}
			l.args = append(l.args, x)
		}
		return l, nil
	case *sqlparse.Term:
		return bindTerm(built, e, sql)
	}
	return nil, adbc.Error{Code: adbc.StatusInternal, Msg: fmt.Sprintf("kafarr: cannot bind condition %T", e)}
}

// bindTerm binds a comparison to a built column.
func bindTerm(built *arrow.Schema, t *sqlparse.Term, sql string) (*rowTerm, error) {
	col, err := resolvePath(built, t.Column, sql)
	if err != nil {
		return nil, err
	}
	bt := &rowTerm{term: t, col: col}
	switch t.Op {
	case sqlparse.OpIsNull, sqlparse.OpIsNotNull:
		return bt, nil
	case sqlparse.OpLike, sqlparse.OpILike:
		if !isStringType(col.field.Type) {
			return nil, adbc.Error{Code: adbc.StatusInvalidArgument, Msg: fmt.Sprintf(
				"kafarr: %s needs a string column; column %s%s is %s", t.Op, t.Column, sqlparse.At(sql, t.Column.Pos), col.field.Type)}
		}
		if t.Values[0].Kind == sqlparse.LitNull {
			return bt, nil
		}
		bt.like, err = newLikeMatcher(t, sql)
		return bt, err
	}
	for _, lit := range t.Values {
		if lit.Kind == sqlparse.LitNull {
			// SQL: a comparison with NULL is unknown.
			bt.cmps = append(bt.cmps, nil)
			continue
		}
		cmp, err := comparator(col.field.Type, lit)
		if err != nil {
			return nil, adbc.Error{Code: adbc.StatusInvalidArgument, Msg: fmt.Sprintf(
				"kafarr: cannot compare column %s (%s) with %s%s: %v", t.Column, col.field.Type, lit, sqlparse.At(sql, lit.Pos), err)}
		}
		bt.cmps = append(bt.cmps, cmp)
	}
	return bt, nil
}

// isStringType reports whether LIKE applies to values of dt: utf8, large
// utf8, or a dictionary of them (an enum).
func isStringType(dt arrow.DataType) bool {
	switch t := dt.(type) {
	case *arrow.StringType, *arrow.LargeStringType:
		return true
	case *arrow.DictionaryType:
		return isStringType(t.ValueType)
	}
	return false
}

func (c rowConst) eval(rec arrow.RecordBatch) []tri {
	out := make([]tri, rec.NumRows())
	for i := range out {
		out[i] = c.v
	}
	return out
}

func (n rowNot) eval(rec arrow.RecordBatch) []tri {
	out := n.x.eval(rec)
	for i, v := range out {
		out[i] = v.not()
	}
	return out
}

func (l *rowLogic) eval(rec arrow.RecordBatch) []tri {
	out := l.args[0].eval(rec)
	for _, a := range l.args[1:] {
		more := a.eval(rec)
		for i, v := range more {
			if l.or {
				out[i] = max(out[i], v)
			} else {
				out[i] = min(out[i], v)
			}
		}
	}
	return out
}

// eval evaluates the comparison on every row. A field inside a record is
// null where any record on its path is.
func (b *rowTerm) eval(rec arrow.RecordBatch) []tri {
	n := int(rec.NumRows())
	arr := rec.Column(b.col.index)
	var parents []arrow.Array
	for _, ci := range b.col.path {
		parents = append(parents, arr)
		arr = arr.(*array.Struct).Field(ci)
	}
	out := make([]tri, n)
	var str func(i int) string
	if b.like != nil {
		str = stringsOf(arr)
	}
	for i := range n {
		null := arr.IsNull(i)
		for _, p := range parents {
			null = null || p.IsNull(i)
		}
		switch op := b.term.Op; {
		case op == sqlparse.OpLike || op == sqlparse.OpILike:
			if null || b.like == nil {
				out[i] = triUnknown
			} else {
				out[i] = triOf(b.like.match(str(i)))
			}
		default:
			out[i] = termTruth(op, len(b.cmps), null, func(k int) (int, bool) {
				if b.cmps[k] == nil {
					return 0, false
				}
				return b.cmps[k](arr, i), true
			})
		}
	}
	return out
}

// stringsOf returns the string at each row of a string or dictionary
// array.
func stringsOf(a arrow.Array) func(int) string {
	if d, ok := a.(*array.Dictionary); ok {
		dict := d.Dictionary()
		return func(i int) string { return stringAt(dict, d.GetValueIndex(i)) }
	}
	return func(i int) string { return stringAt(a, i) }
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
		return nil, fmt.Errorf("kafarr filters on this type are not supported; filter it with %s", sqlparse.FullSQL)
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

// filterRows evaluates the row filter on rec and returns the indices of
// the rows it is true for, or nil when it is true for every row (or there
// is no filter).
func filterRows(rec arrow.RecordBatch, filter rowExpr) []int32 {
	if filter == nil {
		return nil
	}
	truth := filter.eval(rec)
	keep := make([]int32, 0, len(truth))
	for i, v := range truth {
		if v == triTrue {
			keep = append(keep, int32(i))
		}
	}
	if len(keep) == len(truth) {
		return nil
	}
	return keep
}
