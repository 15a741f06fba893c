package statement

import (
	"fmt"
	"math"

	"github.com/apache/arrow-adbc/go/adbc"

	"github.com/kafarr/kafarr/internal/sqlparse"
)

// Predicates on _partition, _offset and _timestamp are pushed down into the
// offsets a query reads, and are also checked on each record before it is
// decoded, so that the result is exact whatever the pushdown could narrow.

const (
	minBound = math.MinInt64
	maxBound = math.MaxInt64
)

// checkMetaTerm checks the literal types of a pushdown term: integers for
// _partition and _offset; TIMESTAMP, DATE or integer milliseconds for
// _timestamp.
func checkMetaTerm(t sqlparse.Term, sql string) error {
	col := t.Column.Path[0]
	for _, v := range t.Values {
		ok := v.Kind == sqlparse.LitInt
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
	return nil
}

// metaValue is a pushdown literal as int64: milliseconds for timestamps.
func metaValue(l sqlparse.Literal) int64 {
	if l.Kind == sqlparse.LitTimestamp || l.Kind == sqlparse.LitDate {
		return l.Time.UnixMilli()
	}
	return l.Int
}

// metaMatch evaluates one pushdown term on a value of its column.
func metaMatch(t sqlparse.Term, v int64) bool {
	switch t.Op {
	case sqlparse.OpEq:
		return v == metaValue(t.Values[0])
	case sqlparse.OpNe:
		return v != metaValue(t.Values[0])
	case sqlparse.OpLt:
		return v < metaValue(t.Values[0])
	case sqlparse.OpLe:
		return v <= metaValue(t.Values[0])
	case sqlparse.OpGt:
		return v > metaValue(t.Values[0])
	case sqlparse.OpGe:
		return v >= metaValue(t.Values[0])
	case sqlparse.OpBetween:
		return v >= metaValue(t.Values[0]) && v <= metaValue(t.Values[1])
	case sqlparse.OpIn:
		for _, l := range t.Values {
			if v == metaValue(l) {
				return true
			}
		}
		return false
	case sqlparse.OpIsNull:
		return false // metadata columns are never null
	case sqlparse.OpIsNotNull:
		return true
	}
	return false
}

// metaMatches reports whether v passes every term on column col.
func metaMatches(terms []sqlparse.Term, col string, v int64) bool {
	for _, t := range terms {
		if t.Column.Path[0] == col && !metaMatch(t, v) {
			return false
		}
	}
	return true
}

// recordMatches checks a record's partition, offset and timestamp (ms).
func recordMatches(terms []sqlparse.Term, partition int32, offset, millis int64) bool {
	for _, t := range terms {
		var v int64
		switch t.Column.Path[0] {
		case "_partition":
			v = int64(partition)
		case "_offset":
			v = offset
		default:
			v = millis
		}
		if !metaMatch(t, v) {
			return false
		}
	}
	return true
}

// bounds returns the half-open range [lo, hi) of values of col that every
// term on it admits; minBound and maxBound when unbounded.
func bounds(terms []sqlparse.Term, col string) (lo, hi int64) {
	lo, hi = minBound, maxBound
	lower := func(v int64) { lo = max(lo, v) }
	upper := func(v int64) { // v is exclusive
		hi = min(hi, v)
	}
	incl := func(v int64) int64 {
		if v == maxBound {
			return v
		}
		return v + 1
	}
	for _, t := range terms {
		if t.Column.Path[0] != col {
			continue
		}
		switch t.Op {
		case sqlparse.OpEq:
			v := metaValue(t.Values[0])
			lower(v)
			upper(incl(v))
		case sqlparse.OpLt:
			upper(metaValue(t.Values[0]))
		case sqlparse.OpLe:
			upper(incl(metaValue(t.Values[0])))
		case sqlparse.OpGt:
			lower(incl(metaValue(t.Values[0])))
		case sqlparse.OpGe:
			lower(metaValue(t.Values[0]))
		case sqlparse.OpBetween:
			lower(metaValue(t.Values[0]))
			upper(incl(metaValue(t.Values[1])))
		case sqlparse.OpIn:
			mn, mx := int64(maxBound), int64(minBound)
			for _, l := range t.Values {
				mn, mx = min(mn, metaValue(l)), max(mx, metaValue(l))
			}
			lower(mn)
			upper(incl(mx))
		case sqlparse.OpIsNull:
			lower(0)
			upper(0)
		}
	}
	return lo, hi
}
