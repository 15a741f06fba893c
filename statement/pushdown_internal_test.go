package statement

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/kafarr/kafarr/internal/sqlparse"
	"github.com/kafarr/kafarr/kafkaio"
)

func TestSpans(t *testing.T) {
	a := normSpans([]span{{5, 10}, {0, 3}, {3, 4}, {20, 20}, {8, 12}})
	if want := (spans{{0, 4}, {5, 12}}); !slices.Equal(a, want) {
		t.Fatalf("normSpans = %v, want %v", a, want)
	}
	b := spans{{2, 6}, {11, 30}}
	for _, c := range []struct {
		name      string
		got, want spans
	}{
		{"and", a.and(b), spans{{2, 4}, {5, 6}, {11, 12}}},
		{"or", a.or(b), spans{{0, 30}}},
		{"not", a.not(), spans{{minBound, 0}, {4, 5}, {12, maxBound}}},
		{"not not", a.not().not(), a},
		{"not all", allValues.not(), nil},
		{"not empty", spans(nil).not(), allValues},
		{"point max", point(maxBound), nil},
		{"below max", below(maxBound), allValues},
		{"after max", after(maxBound), nil},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	for v, want := range map[int64]bool{-1: false, 0: true, 3: true, 4: false, 5: true, 11: true, 12: false, maxBound: false} {
		if a.has(v) != want {
			t.Errorf("has(%d) = %v", v, !want)
		}
	}
}

// TestSpansAgainstSets checks the set operations against a brute-force
// set of small integers.
func TestSpansAgainstSets(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	random := func() (spans, map[int64]bool) {
		var in []span
		for range r.IntN(5) {
			lo := int64(r.IntN(40) - 5)
			in = append(in, span{lo, lo + int64(r.IntN(8))})
		}
		s := normSpans(in)
		m := map[int64]bool{}
		for v := int64(-10); v < 50; v++ {
			m[v] = s.has(v)
		}
		return s, m
	}
	for range 2000 {
		a, ma := random()
		b, mb := random()
		for v := int64(-10); v < 50; v++ {
			if a.and(b).has(v) != (ma[v] && mb[v]) || a.or(b).has(v) != (ma[v] || mb[v]) || a.not().has(v) == ma[v] {
				t.Fatalf("%v, %v at %d", a, b, v)
			}
		}
		if !slices.Equal(a.or(b), normSpans(append(slices.Clone(a), b...))) {
			t.Fatalf("or not normal: %v", a.or(b))
		}
	}
}

// where parses the WHERE clause of a query on topic t.
func where(t *testing.T, cond string) sqlparse.Expr {
	t.Helper()
	stmt, err := sqlparse.Parse("SELECT * FROM t WHERE " + cond)
	if err != nil {
		t.Fatal(err)
	}
	return stmt.(*sqlparse.Query).Where
}

// TestPushdownSets checks the boxes of conditions against evaluating them
// record by record, on a grid of partitions, offsets and timestamps.
func TestPushdownSets(t *testing.T) {
	for _, c := range []struct {
		cond  string
		truth func(p, o, ts int64) tri
		exact bool
	}{
		{"_partition = 0 OR _partition = 2", func(p, o, ts int64) tri { return triOf(p == 0 || p == 2) }, true},
		{"_offset < 3 OR _offset >= 7", func(p, o, ts int64) tri { return triOf(o < 3 || o >= 7) }, true},
		{"NOT (_partition = 1 OR _offset BETWEEN 2 AND 5)", func(p, o, ts int64) tri { return triOf(!(p == 1 || (o >= 2 && o <= 5))) }, true},
		{"(_partition = 0 AND _offset < 2) OR (_partition = 1 AND _timestamp >= 5)",
			func(p, o, ts int64) tri { return triOf((p == 0 && o < 2) || (p == 1 && ts >= 5)) }, true},
		{"_offset IN (1, NULL)", func(p, o, ts int64) tri {
			if o == 1 {
				return triTrue
			}
			return triUnknown
		}, true},
		{"NOT (_offset IN (1, NULL))", func(p, o, ts int64) tri {
			if o == 1 {
				return triFalse
			}
			return triUnknown
		}, true},
		{"_offset = NULL OR _partition <> 1", func(p, o, ts int64) tri {
			if p != 1 {
				return triTrue
			}
			return triUnknown
		}, true},
		{"_partition IS NULL OR _offset IS NOT NULL AND _offset <> 4", func(p, o, ts int64) tri { return triOf(o != 4) }, true},
	} {
		e := where(t, c.cond)
		pd := &pushdown{}
		tr, fa := pd.sets(e)
		if pd.approx != !c.exact {
			t.Errorf("%s: approx %v", c.cond, pd.approx)
		}
		for p := int64(0); p < 3; p++ {
			for o := int64(0); o < 10; o++ {
				for ts := int64(0); ts < 10; ts++ {
					want := c.truth(p, o, ts)
					if tr.has(int32(p), o, ts) != (want == triTrue) || fa.has(int32(p), o, ts) != (want == triFalse) {
						t.Fatalf("%s at (%d, %d, %d): true %v, false %v, want %v", c.cond, p, o, ts,
							tr.has(int32(p), o, ts), fa.has(int32(p), o, ts), want)
					}
				}
			}
		}
	}
}

// TestPushdownValueColumns checks that conditions on other columns admit
// every record, and that OR with one narrows nothing.
func TestPushdownValueColumns(t *testing.T) {
	pd := &pushdown{}
	tr, fa := pd.sets(where(t, "px = 1 OR _offset < 5"))
	if !tr.isAll() || fa.has(0, 6, 0) != true || fa.has(0, 1, 0) {
		t.Fatalf("true %v, false %v", tr, fa)
	}
	tr, _ = pd.sets(where(t, "px = 1 AND _offset < 5"))
	if tr.has(0, 5, 0) || !tr.has(0, 4, 0) {
		t.Fatalf("true %v", tr)
	}
	if metaOnly(where(t, "px = 1 OR _offset < 5")) || !metaOnly(where(t, "_offset = 1 OR NOT _partition = 2")) {
		t.Fatal("metaOnly")
	}
}

// TestPushdownWidens checks that a union past maxBoxes is widened to one
// box (a superset) and marked approximate, and that long chains plan in
// time linear-ish in their length (no quadratic union).
func TestPushdownWidens(t *testing.T) {
	var terms []string
	for i := range 200 {
		terms = append(terms, fmt.Sprintf("(_partition = %d AND _offset = %d)", i, i))
	}
	pd := &pushdown{}
	tr, _ := pd.sets(where(t, strings.Join(terms, " OR ")))
	if !pd.approx || len(tr) != 1 || !tr.has(7, 7, 0) || !tr.has(7, 8, 0) {
		t.Fatalf("approx %v, boxes %d", pd.approx, len(tr))
	}
	// 100,000 partitions ORed merge into one box, exactly.
	terms = terms[:0]
	for i := range 100000 {
		terms = append(terms, fmt.Sprintf("_partition = %d", 2*i))
	}
	pd = &pushdown{}
	tr, fa := pd.sets(where(t, strings.Join(terms, " OR ")))
	if pd.approx || len(tr) != 1 || !tr.has(4, 0, 0) || tr.has(5, 0, 0) || !fa.has(5, 0, 0) {
		t.Fatalf("approx %v, boxes %d", pd.approx, len(tr))
	}
	pd = &pushdown{}
	tr, _ = pd.sets(where(t, "NOT ("+strings.Join(terms, " OR ")+")"))
	if pd.approx || tr.has(4, 0, 0) || !tr.has(5, 0, 0) {
		t.Fatal("NOT of a long OR")
	}
}

func TestFold(t *testing.T) {
	for cond, want := range map[string]string{
		"1 = 1":                                  "",
		"TRUE AND px = 1":                        "px = 1",
		"FALSE OR px = 1":                        "px = 1",
		"px = 1 AND 1 = 0":                       "FALSE",
		"px = 1 OR 1 = 1":                        "",
		"NULL":                                   "NULL",
		"NOT NULL":                               "NULL",
		"NULL AND px = 1":                        "px = 1 AND NULL",
		"NULL OR px = 1":                         "px = 1 OR NULL",
		"NULL AND FALSE":                         "FALSE",
		"NULL OR TRUE":                           "",
		"NOT (1 IN (2, NULL))":                   "NULL",
		"1 IN (1, NULL)":                         "",
		"1.0 = 1 AND 0.1 <> 0.10":                "FALSE",
		"2 BETWEEN NULL AND 1":                   "FALSE",
		"'ab' LIKE 'a_' AND NOT 'ab' ILIKE 'A%'": "FALSE",
		"NULL IS NOT NULL OR px = 2":             "px = 2",
		"NOT (px = 1 AND 1 = 1)":                 "NOT px = 1",
	} {
		got, err := fold(where(t, cond), "")
		if err != nil {
			t.Errorf("fold(%s): %v", cond, err)
			continue
		}
		s := ""
		if got != nil {
			s = got.String()
		}
		if s != want {
			t.Errorf("fold(%s) = %q, want %q", cond, s, want)
		}
	}
}

func TestLikeMatcher(t *testing.T) {
	for _, c := range []struct {
		op      sqlparse.Op
		pattern string
		esc     string
		yes, no []string
	}{
		{sqlparse.OpLike, "abc", "", []string{"abc"}, []string{"ab", "abcd", "ABC"}},
		{sqlparse.OpLike, "a%", "", []string{"a", "abc"}, []string{"ba", ""}},
		{sqlparse.OpLike, "%a%b%", "", []string{"ab", "xaxbx", "bab"}, []string{"ba", "a"}},
		{sqlparse.OpLike, "%aa%aa", "", []string{"aaaa", "aaxaa"}, []string{"aaa"}},
		{sqlparse.OpLike, "a_c", "", []string{"abc", "a\nc", "aéc"}, []string{"ac", "abbc"}},
		{sqlparse.OpLike, "a!%", "!", []string{"a%"}, []string{"ab", "a!%"}},
		{sqlparse.OpLike, "a!_%", "!", []string{"a_", "a_x"}, []string{"ab"}},
		{sqlparse.OpLike, "a!!", "!", []string{"a!"}, []string{"a!!"}},
		{sqlparse.OpLike, `a\%`, "", []string{`a\`, `a\x`}, []string{"a"}},
		{sqlparse.OpLike, ".*[x]$", "", []string{".*[x]$"}, []string{"x", "a[x]"}},
		{sqlparse.OpILike, "ab%", "", []string{"AB", "aBc"}, []string{"b"}},
		{sqlparse.OpILike, "straße", "", []string{"Straße", "STRAẞE"}, []string{"strasse"}},
	} {
		vals := []sqlparse.Literal{{Kind: sqlparse.LitString, Str: c.pattern}}
		if c.esc != "" {
			vals = append(vals, sqlparse.Literal{Kind: sqlparse.LitString, Str: c.esc})
		}
		m, err := newLikeMatcher(&sqlparse.Term{Op: c.op, Values: vals}, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range c.yes {
			if !m.match(s) {
				t.Errorf("%q %s %q: no match", s, c.op, c.pattern)
			}
		}
		for _, s := range c.no {
			if m.match(s) {
				t.Errorf("%q %s %q: match", s, c.op, c.pattern)
			}
		}
	}
}

func pr(p int32, start, end int64) kafkaio.PartitionRange {
	return kafkaio.PartitionRange{Partition: p, Start: start, End: end}
}

func TestWindowed(t *testing.T) {
	rs := []kafkaio.PartitionRange{pr(0, 0, 10), pr(0, 90, 100), pr(1, 5, 5), pr(2, 0, 3)}
	for _, c := range []struct {
		n    int64
		tail bool
		want []kafkaio.PartitionRange
	}{
		{12, true, []kafkaio.PartitionRange{pr(0, 8, 10), pr(0, 90, 100), pr(1, 5, 5), pr(2, 0, 3)}},
		{12, false, []kafkaio.PartitionRange{pr(0, 0, 10), pr(0, 90, 92), pr(1, 5, 5), pr(2, 0, 3)}},
		{3, true, []kafkaio.PartitionRange{pr(0, 97, 100), pr(1, 5, 5), pr(2, 0, 3)}},
		{0, true, []kafkaio.PartitionRange{pr(0, 100, 100), pr(1, 5, 5), pr(2, 3, 3)}},
		{0, false, []kafkaio.PartitionRange{pr(0, 0, 0), pr(1, 5, 5), pr(2, 0, 0)}},
	} {
		if got := windowed(rs, c.n, c.tail); !slices.Equal(got, c.want) {
			t.Errorf("windowed(%d, %v) = %v, want %v", c.n, c.tail, got, c.want)
		}
	}
}
