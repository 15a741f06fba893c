package statement

import (
	"math"
	"slices"
)

// A pushed-down WHERE clause describes the records it can be true for as
// a union of boxes over (_partition, _offset, _timestamp), each side of a
// box a set of half-open intervals. This file holds those sets.

const (
	minBound = math.MinInt64
	maxBound = math.MaxInt64 // an exclusive bound meaning "no upper bound"
)

// span is the half-open interval [lo, hi) of int64 values.
type span struct{ lo, hi int64 }

// spans is a set of int64 values: sorted, disjoint, non-adjacent,
// non-empty intervals. nil is the empty set.
type spans []span

// allValues is the set of every value (MaxInt64 aside, which no offset,
// timestamp or partition reaches).
var allValues = spans{{minBound, maxBound}}

// point is the set {v}.
func point(v int64) spans {
	if v == maxBound {
		return nil
	}
	return spans{{v, v + 1}}
}

// interval is [lo, hi), empty when lo >= hi.
func interval(lo, hi int64) spans {
	if lo >= hi {
		return nil
	}
	return spans{{lo, hi}}
}

// below is (-inf, v], above [v, +inf) and after (v, +inf).
func below(v int64) spans {
	if v == maxBound {
		return allValues
	}
	return interval(minBound, v+1)
}

func above(v int64) spans { return interval(v, maxBound) }

func after(v int64) spans {
	if v == maxBound {
		return nil
	}
	return interval(v+1, maxBound)
}

// normSpans turns any intervals into a set: sorted, merged, empty ones
// dropped.
func normSpans(in []span) spans {
	in = slices.DeleteFunc(slices.Clone(in), func(s span) bool { return s.lo >= s.hi })
	if len(in) == 0 {
		return nil
	}
	slices.SortFunc(in, func(a, b span) int {
		switch {
		case a.lo < b.lo:
			return -1
		case a.lo > b.lo:
			return 1
		}
		return 0
	})
	out := spans{in[0]}
	for _, s := range in[1:] {
		last := &out[len(out)-1]
		if s.lo <= last.hi {
			last.hi = max(last.hi, s.hi)
			continue
		}
		out = append(out, s)
	}
	return out
}

func (a spans) isAll() bool { return len(a) == 1 && a[0] == span{minBound, maxBound} }

// or is the union of a and b.
func (a spans) or(b spans) spans {
	switch {
	case len(a) == 0:
		return b
	case len(b) == 0:
		return a
	}
	return normSpans(append(slices.Clone(a), b...))
}

// and is the intersection of a and b.
func (a spans) and(b spans) spans {
	var out spans
	for i, j := 0, 0; i < len(a) && j < len(b); {
		lo, hi := max(a[i].lo, b[j].lo), min(a[i].hi, b[j].hi)
		if lo < hi {
			out = append(out, span{lo, hi})
		}
		if a[i].hi < b[j].hi {
			i++
		} else {
			j++
		}
	}
	return out
}

// not is the complement of a.
func (a spans) not() spans {
	var out spans
	at := int64(minBound)
	for _, s := range a {
		if s.lo > at {
			out = append(out, span{at, s.lo})
		}
		at = s.hi
	}
	if at < maxBound {
		out = append(out, span{at, maxBound})
	}
	return out
}

// has reports whether v is in a.
func (a spans) has(v int64) bool {
	i, _ := slices.BinarySearchFunc(a, v, func(s span, v int64) int {
		switch {
		case s.hi <= v:
			return -1
		case s.lo > v:
			return 1
		}
		return 0
	})
	return i < len(a) && a[i].lo <= v && v < a[i].hi
}

// contains reports whether a holds every value of b.
func (a spans) contains(b spans) bool { return slices.Equal(a.and(b), b) }

// hull is the smallest interval holding a; {0, 0} for an empty set.
func (a spans) hull() span {
	if len(a) == 0 {
		return span{}
	}
	return span{a[0].lo, a[len(a)-1].hi}
}
