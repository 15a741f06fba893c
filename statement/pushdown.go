package statement

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/apache/arrow-adbc/go/adbc"

	"github.com/kafarr/kafarr/internal/sqlparse"
)

// Pushdown: what the WHERE clause says about _partition, _offset and
// _timestamp narrows what is fetched. The planner computes, for the whole
// condition, the records it can be true for (true under SQL's
// three-valued logic) as a union of boxes, each box a set of partitions
// times a set of offsets times a set of timestamps:
//
//   - a comparison of a metadata column is exact (metadata columns are
//     never null): _offset < 10 is offsets (-inf, 10), its negation
//     offsets [10, +inf);
//   - any other comparison may be true for any record, and so may its
//     negation;
//   - AND intersects, OR unites, and NOT swaps where a condition is true
//     with where it is false (both are computed, so that NOT (a OR b)
//     is NOT a AND NOT b, with unknown in neither).
//
// The partitions of the boxes pick the partitions to read, their offsets
// and timestamps (through ListOffsets by timestamp) the offset ranges of
// each, and a record outside every box is dropped before it is decoded.
// The union is kept to maxBoxes boxes; past that it is widened to one box
// (still a superset), and the whole condition is then checked per row.

// maxBoxes bounds the boxes of a pushdown, so that a long chain of ORs of
// ANDs cannot make planning quadratic.
const maxBoxes = 64

// The dimensions of a box.
const (
	dimPartition = iota
	dimOffset
	dimTimestamp
	numDims
)

// metaDims maps the pushdown metadata columns to their dimension.
var metaDims = map[string]int{"_partition": dimPartition, "_offset": dimOffset, "_timestamp": dimTimestamp}

// box is a set of records: those whose partition, offset and timestamp
// (ms) are each in the box's set of that dimension.
type box [numDims]spans

var allBox = box{allValues, allValues, allValues}

func (b box) empty() bool {
	for _, s := range b {
		if len(s) == 0 {
			return true
		}
	}
	return false
}

func (b box) and(c box) box {
	var out box
	for d := range b {
		out[d] = b[d].and(c[d])
	}
	return out
}

func (b box) has(partition int32, offset, millis int64) bool {
	return b[dimPartition].has(int64(partition)) && b[dimOffset].has(offset) && b[dimTimestamp].has(millis)
}

func (b box) contains(c box) bool {
	for d := range b {
		if !b[d].contains(c[d]) {
			return false
		}
	}
	return true
}

// boxes is a union of boxes; nil is no record.
type boxes []box

// has reports whether the record is in some box.
func (bs boxes) has(partition int32, offset, millis int64) bool {
	for _, b := range bs {
		if b.has(partition, offset, millis) {
			return true
		}
	}
	return false
}

// isAll reports whether bs holds every record.
func (bs boxes) isAll() bool { return len(bs) == 1 && bs[0].contains(allBox) }

// dimUnion is the union of every box's set of dimension d.
func (bs boxes) dimUnion(d int) spans {
	var all []span
	for _, b := range bs {
		all = append(all, b[d]...)
	}
	return normSpans(all)
}

// restricts reports whether some box narrows dimension d.
func (bs boxes) restricts(d int) bool {
	for _, b := range bs {
		if !b[d].isAll() {
			return true
		}
	}
	return false
}

// pushdown computes a condition's boxes. approx is set when the union had
// to be widened, so that the boxes are no longer exact for the metadata
// comparisons.
type pushdown struct {
	approx bool
}

// simplify drops empty boxes, merges boxes that differ in one dimension
// only, drops boxes inside another, and widens the union to one box past
// maxBoxes. It costs O(n log n) in the boxes, plus O(n²) for the
// containment check when there are few enough.
func (pd *pushdown) simplify(bs boxes) boxes {
	bs = slices.DeleteFunc(bs, box.empty)
	for d := range numDims {
		bs = mergeAlong(bs, d)
	}
	if len(bs) <= 2*maxBoxes {
		for i := 0; i < len(bs); i++ {
			for j := 0; j < len(bs); j++ {
				if i != j && bs[i].contains(bs[j]) {
					bs = slices.Delete(bs, j, j+1)
					if j < i {
						i--
					}
					j--
				}
			}
		}
	}
	if len(bs) > maxBoxes {
		pd.approx = true
		var hull box
		for d := range hull {
			hull[d] = bs.dimUnion(d)
		}
		return boxes{hull}
	}
	return bs
}

// mergeAlong merges the boxes that agree in every dimension but d into
// one, uniting their sets of d.
func mergeAlong(bs boxes, d int) boxes {
	if len(bs) < 2 {
		return bs
	}
	groups := map[string]int{} // key of the other dimensions -> index in out
	var parts [][]span
	out := bs[:0:0]
	var key []byte
	for _, b := range bs {
		key = key[:0]
		for o := range numDims {
			if o == d {
				continue
			}
			for _, sp := range b[o] {
				key = strconv.AppendInt(key, sp.lo, 16)
				key = append(key, ',')
				key = strconv.AppendInt(key, sp.hi, 16)
				key = append(key, ';')
			}
			key = append(key, '|')
		}
		if i, ok := groups[string(key)]; ok {
			parts[i] = append(parts[i], b[d]...)
			continue
		}
		groups[string(key)] = len(out)
		out = append(out, b)
		parts = append(parts, slices.Clone(b[d]))
	}
	for i := range out {
		out[i][d] = normSpans(parts[i])
	}
	return out
}

// union unites sets of boxes at once (rather than pairwise, which would
// cost quadratic time over a long chain of ORs).
func (pd *pushdown) union(sets []boxes) boxes {
	var all boxes
	for _, s := range sets {
		all = append(all, s...)
	}
	return pd.simplify(all)
}

// intersection intersects sets of boxes. Sets of one box each (a chain
// of ANDed comparisons) are intersected per dimension at once, as the
// complement of the union of complements, in O(n log n); others pairwise.
func (pd *pushdown) intersection(sets []boxes) boxes {
	single := true
	for _, s := range sets {
		if len(s) == 0 {
			return nil
		}
		single = single && len(s) == 1
	}
	if !single {
		out := sets[0]
		for _, s := range sets[1:] {
			out = pd.and(out, s)
		}
		return out
	}
	var b box
	for d := range b {
		var outside []span
		for _, s := range sets {
			if !s[0][d].isAll() {
				outside = append(outside, s[0][d].not()...)
			}
		}
		b[d] = normSpans(outside).not()
	}
	if b.empty() {
		return nil
	}
	return boxes{b}
}

func (pd *pushdown) and(a, b boxes) boxes {
	var out boxes
	for _, x := range a {
		for _, y := range b {
			if z := x.and(y); !z.empty() {
				out = append(out, z)
			}
		}
	}
	return pd.simplify(out)
}

// sets returns where e is true and where it is false, each a superset
// (exact for conditions on metadata columns only, unless approx).
func (pd *pushdown) sets(e sqlparse.Expr) (t, f boxes) {
	switch e := e.(type) {
	case *sqlparse.Const:
		switch constTruth(e) {
		case triTrue:
			return boxes{allBox}, nil
		case triFalse:
			return nil, boxes{allBox}
		}
		return nil, nil
	case *sqlparse.Not:
		t, f := pd.sets(e.X)
		return f, t
	case *sqlparse.Logic:
		// AND: true where every argument is, false where any is; OR
		// the other way round.
		meets := make([]boxes, len(e.Args))
		joins := make([]boxes, len(e.Args))
		for i, a := range e.Args {
			at, af := pd.sets(a)
			if e.Op == sqlparse.Or {
				at, af = af, at
			}
			meets[i], joins[i] = at, af
		}
		meet, join := pd.intersection(meets), pd.union(joins)
		if e.Op == sqlparse.Or {
			return join, meet
		}
		return meet, join
	case *sqlparse.Term:
		d, ok := metaDim(e)
		if !ok {
			return boxes{allBox}, boxes{allBox}
		}
		ts, fs := metaSpans(e)
		return dimBox(d, ts), dimBox(d, fs)
	}
	return boxes{allBox}, boxes{allBox}
}

// dimBox is the records whose dimension d is in s.
func dimBox(d int, s spans) boxes {
	if len(s) == 0 {
		return nil
	}
	b := allBox
	b[d] = s
	return boxes{b}
}

// metaDim returns the dimension a term compares, if it is a pushdown one.
func metaDim(t *sqlparse.Term) (int, bool) {
	if t.Left != nil || len(t.Column.Path) != 1 || t.Op == sqlparse.OpLike || t.Op == sqlparse.OpILike {
		return 0, false
	}
	d, ok := metaDims[t.Column.Path[0]]
	return d, ok
}

// metaOnly reports whether every comparison of e is on a pushdown
// metadata column, so that the boxes decide e exactly.
func metaOnly(e sqlparse.Expr) bool {
	for _, t := range sqlparse.Terms(e) {
		if _, ok := metaDim(t); !ok {
			return false
		}
	}
	return true
}

// metaSpans returns the values for which a comparison of a metadata
// column is true and those for which it is false. A NULL literal makes
// its comparison unknown: in neither set.
func metaSpans(t *sqlparse.Term) (tr, fa spans) {
	known := func(k int) bool { return t.Values[k].Kind != sqlparse.LitNull }
	v := func(k int) int64 { return metaValue(t.Values[k]) }
	// cmp is a comparison with one literal: false is then the complement.
	cmp := func(k int, s func(int64) spans) (spans, spans) {
		if !known(k) {
			return nil, nil
		}
		tr := s(v(k))
		return tr, tr.not()
	}
	switch t.Op {
	case sqlparse.OpIsNull:
		return nil, allValues
	case sqlparse.OpIsNotNull:
		return allValues, nil
	case sqlparse.OpEq:
		return cmp(0, point)
	case sqlparse.OpNe:
		f, tr := cmp(0, point)
		return tr, f
	case sqlparse.OpLt:
		return cmp(0, func(x int64) spans { return interval(minBound, x) })
	case sqlparse.OpLe:
		return cmp(0, below)
	case sqlparse.OpGt:
		return cmp(0, after)
	case sqlparse.OpGe:
		return cmp(0, above)
	case sqlparse.OpBetween:
		t0, f0 := cmp(0, above)
		t1, f1 := cmp(1, below)
		return t0.and(t1), f0.or(f1)
	case sqlparse.OpIn:
		var pts []span
		hasNull := false
		for k := range t.Values {
			if !known(k) {
				hasNull = true
				continue
			}
			pts = append(pts, point(v(k))...)
		}
		tr := normSpans(pts)
		if hasNull {
			return tr, nil
		}
		return tr, tr.not()
	}
	return allValues, allValues
}

// checkMetaTerms checks the literal types of every comparison of a
// pushdown metadata column: integers (or NULL) for _partition and
// _offset; TIMESTAMP, DATE or integer milliseconds for _timestamp.
func checkMetaTerms(e sqlparse.Expr, sql string) error {
	for _, t := range sqlparse.Terms(e) {
		if _, ok := metaDim(t); !ok {
			continue
		}
		col := t.Column.Path[0]
		for _, v := range t.Values {
			ok := v.Kind == sqlparse.LitInt || v.Kind == sqlparse.LitNull
			if col == "_timestamp" {
				ok = ok || v.Kind == sqlparse.LitTimestamp || v.Kind == sqlparse.LitDate
			}
			if !ok {
				want := "an integer"
				if col == "_timestamp" {
					want = "a TIMESTAMP '...' literal or integer milliseconds since the epoch"
				}
				return adbc.Error{Code: adbc.StatusInvalidArgument, Msg: fmt.Sprintf(
					"kafarr: %s is compared with a %s%s; it takes %s", col, v.Kind, sqlparse.At(sql, v.Pos), want)}
			}
		}
	}
	return nil
}

// metaValue is a pushdown literal as int64: milliseconds for timestamps.
func metaValue(l sqlparse.Literal) int64 {
	if l.Kind == sqlparse.LitTimestamp || l.Kind == sqlparse.LitDate {
		return l.Time.UnixMilli()
	}
	return l.Int
}
