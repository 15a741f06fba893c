package statement

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/apache/arrow-adbc/go/adbc"

	"github.com/kafarr/kafarr/internal/sqlparse"
)

// tri is an SQL truth value. The order false < unknown < true makes AND
// the minimum and OR the maximum of its operands.
type tri uint8

const (
	triFalse tri = iota
	triUnknown
	triTrue
)

func triOf(b bool) tri {
	if b {
		return triTrue
	}
	return triFalse
}

func (t tri) not() tri { return triTrue - t }

// constOf is the folded condition for t: TRUE, FALSE or NULL.
func constOf(t tri) *sqlparse.Const {
	switch t {
	case triTrue:
		return &sqlparse.Const{Value: sqlparse.Literal{Kind: sqlparse.LitBool, Bool: true}}
	case triFalse:
		return &sqlparse.Const{Value: sqlparse.Literal{Kind: sqlparse.LitBool}}
	}
	return &sqlparse.Const{Value: sqlparse.Literal{Kind: sqlparse.LitNull}}
}

// constTruth returns the truth of a Const condition.
func constTruth(c *sqlparse.Const) tri {
	if c.Value.Kind == sqlparse.LitBool {
		return triOf(c.Value.Bool)
	}
	return triUnknown
}

// fold evaluates what a condition decides without any row: comparisons of
// literals (1 = 1), TRUE, FALSE and NULL, and the ANDs, ORs and NOTs they
// settle. What is left refers to columns, plus NULL constants where they
// still matter (NULL AND x is false where x is). A condition that is
// always true folds to nil.
func fold(e sqlparse.Expr, sql string) (sqlparse.Expr, error) {
	out, err := foldExpr(e, sql)
	if c, ok := out.(*sqlparse.Const); ok && constTruth(c) == triTrue {
		return nil, err
	}
	return out, err
}

func foldExpr(e sqlparse.Expr, sql string) (sqlparse.Expr, error) {
	switch e := e.(type) {
	case nil:
		return nil, nil
	case *sqlparse.Const:
		return e, nil
	case *sqlparse.Term:
		if e.Left == nil {
			return e, nil
		}
		t, err := literalTruth(e, sql)
		if err != nil {
			return nil, err
		}
		return constOf(t), nil
	case *sqlparse.Not:
		x, err := foldExpr(e.X, sql)
		if err != nil {
			return nil, err
		}
		if c, ok := x.(*sqlparse.Const); ok {
			return constOf(constTruth(c).not()), nil
		}
		return &sqlparse.Not{X: x}, nil
	case *sqlparse.Logic:
		// AND: a FALSE decides, TRUEs drop out; OR the other way round.
		decide, neutral := triFalse, triTrue
		if e.Op == sqlparse.Or {
			decide, neutral = triTrue, triFalse
		}
		var args []sqlparse.Expr
		unknown := false
		for _, a := range e.Args {
			x, err := foldExpr(a, sql)
			if err != nil {
				return nil, err
			}
			if c, ok := x.(*sqlparse.Const); ok {
				switch constTruth(c) {
				case decide:
					return constOf(decide), nil
				case neutral:
					continue
				}
				unknown = true
				continue
			}
			args = append(args, x)
		}
		if unknown {
			args = append(args, constOf(triUnknown))
		}
		switch len(args) {
		case 0:
			return constOf(neutral), nil
		case 1:
			return args[0], nil
		}
		return &sqlparse.Logic{Op: e.Op, Args: args}, nil
	}
	return e, nil
}

// literalTruth evaluates a comparison whose left side is a literal.
func literalTruth(t *sqlparse.Term, sql string) (tri, error) {
	left := *t.Left
	switch t.Op {
	case sqlparse.OpIsNull:
		return triOf(left.Kind == sqlparse.LitNull), nil
	case sqlparse.OpIsNotNull:
		return triOf(left.Kind != sqlparse.LitNull), nil
	case sqlparse.OpLike, sqlparse.OpILike:
		pat := t.Values[0]
		if left.Kind == sqlparse.LitNull || pat.Kind == sqlparse.LitNull {
			return triUnknown, nil
		}
		if left.Kind != sqlparse.LitString {
			return 0, adbc.Error{Code: adbc.StatusInvalidArgument, Msg: fmt.Sprintf(
				"kafarr: %s takes a string on its left, not %s%s", t.Op, left, sqlparse.At(sql, left.Pos))}
		}
		m, err := newLikeMatcher(t, sql)
		if err != nil {
			return 0, err
		}
		return triOf(m.match(left.Str)), nil
	}
	cmps := make([]func() (int, bool), len(t.Values))
	for k, v := range t.Values {
		if left.Kind == sqlparse.LitNull || v.Kind == sqlparse.LitNull {
			cmps[k] = func() (int, bool) { return 0, false }
			continue
		}
		c, err := compareLiterals(left, v)
		if err != nil {
			return 0, adbc.Error{Code: adbc.StatusInvalidArgument, Msg: fmt.Sprintf(
				"kafarr: cannot compare %s with %s%s: %v", left, v, sqlparse.At(sql, v.Pos), err)}
		}
		cmps[k] = func() (int, bool) { return c, true }
	}
	return termTruth(t.Op, len(t.Values), false, func(k int) (int, bool) { return cmps[k]() }), nil
}

// termTruth is the truth of a comparison: null says the left value is
// null; cmp(k) compares it with the k-th literal, ok false when that
// literal is NULL. Comparisons with NULL are unknown (SQL's rule), so IN
// with a NULL in its list is true or unknown, never false.
func termTruth(op sqlparse.Op, n int, null bool, cmp func(k int) (int, bool)) tri {
	switch op {
	case sqlparse.OpIsNull:
		return triOf(null)
	case sqlparse.OpIsNotNull:
		return triOf(!null)
	}
	if null {
		return triUnknown
	}
	test := func(k int, pass func(int) bool) tri {
		c, ok := cmp(k)
		if !ok {
			return triUnknown
		}
		return triOf(pass(c))
	}
	switch op {
	case sqlparse.OpIn:
		out := triFalse
		for k := range n {
			out = max(out, test(k, func(c int) bool { return c == 0 }))
			if out == triTrue {
				break
			}
		}
		return out
	case sqlparse.OpBetween:
		return min(test(0, func(c int) bool { return c >= 0 }), test(1, func(c int) bool { return c <= 0 }))
	case sqlparse.OpEq:
		return test(0, func(c int) bool { return c == 0 })
	case sqlparse.OpNe:
		return test(0, func(c int) bool { return c != 0 })
	case sqlparse.OpLt:
		return test(0, func(c int) bool { return c < 0 })
	case sqlparse.OpLe:
		return test(0, func(c int) bool { return c <= 0 })
	case sqlparse.OpGt:
		return test(0, func(c int) bool { return c > 0 })
	case sqlparse.OpGe:
		return test(0, func(c int) bool { return c >= 0 })
	}
	return triUnknown
}

// compareLiterals orders two non-NULL literals of comparable kinds:
// numbers exactly (as written), strings by bytes, booleans false first,
// dates and timestamps by instant.
func compareLiterals(a, b sqlparse.Literal) (int, error) {
	num := func(l sqlparse.Literal) bool { return l.Kind == sqlparse.LitInt || l.Kind == sqlparse.LitFloat }
	tm := func(l sqlparse.Literal) bool { return l.Kind == sqlparse.LitTimestamp || l.Kind == sqlparse.LitDate }
	switch {
	case num(a) && num(b):
		ra, ok1 := new(big.Rat).SetString(a.Text)
		rb, ok2 := new(big.Rat).SetString(b.Text)
		if !ok1 || !ok2 {
			return cmpOrdered(a.Float, b.Float), nil
		}
		return ra.Cmp(rb), nil
	case a.Kind == sqlparse.LitString && b.Kind == sqlparse.LitString:
		return strings.Compare(a.Str, b.Str), nil
	case a.Kind == sqlparse.LitBool && b.Kind == sqlparse.LitBool:
		switch {
		case a.Bool == b.Bool:
			return 0, nil
		case !a.Bool:
			return -1, nil
		}
		return 1, nil
	case tm(a) && tm(b):
		return a.Time.Compare(b.Time), nil
	}
	return 0, fmt.Errorf("%s and %s literals do not compare", a.Kind, b.Kind)
}
