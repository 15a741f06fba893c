package statement

import (
	"slices"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/kafarr/kafarr/avroarrow"
	"github.com/kafarr/kafarr/internal/adbcerr"
	"github.com/kafarr/kafarr/internal/metacol"
	"github.com/kafarr/kafarr/internal/sqlparse"
	"github.com/kafarr/kafarr/kafkaio"
	"github.com/kafarr/kafarr/options"
)

// readPlan is a SELECT planned against a topic: the offsets to read, how
// to decode values and keys, the columns to build and return, and the row
// filters. The planner makes it from the parsed query, the read settings
// and what the cluster and registry said (planRanges, planSchemas and
// planColumns do no I/O); once made it does not change. An execution runs
// it.
type readPlan struct {
	sql string
	q   *sqlparse.Query
	set options.ReadSettings

	// snap holds the ranges to read; under ORDER BY ... LIMIT they are
	// windows of full, which the execution widens when gaps leave too few
	// rows.
	snap kafkaio.Snapshot
	full []kafkaio.PartitionRange
	// offsetsKnown is false for a plan made without asking for offsets
	// (the catalog's), which therefore has no ranges.
	offsetsKnown bool

	value readValue
	key   readKey

	// Built columns: the value columns, then the metadata columns.
	valueArrow *arrow.Schema
	extra      []metacol.Column
	built      *arrow.Schema
	// out picks the result's columns out of the built ones; outSchema is
	// the result's schema, with the result metadata.
	out       []outCol
	outSchema *arrow.Schema

	metaTerms []sqlparse.Term // on _partition/_offset/_timestamp, checked before decoding
	rowTerms  []boundTerm     // on built columns, checked on each batch
}

// readValue says how values are decoded: with which reader schema, under
// which subject.
type readValue struct {
	subject  string
	readerID int               // registry id of the reader schema; 0 when unknown
	reader   *avroarrow.Schema // nil under raw formats, or when no schema is known
	cache    *avroarrow.DecoderCache
	// stopOnNew (kafarr.read.schema=first) ends the read where the schema
	// changes from first's.
	stopOnNew bool
	first     int32
}

// readKey says how _key is decoded, when it is built at all.
type readKey struct {
	format  options.KeyFormat // binary, string or avro: auto is settled
	subject string            // of an Avro key's schema
	id      int               // registry id of an Avro key's schema
	cache   *avroarrow.DecoderCache
	typ     arrow.DataType
	// pinnedID, when not 0, is the Avro key schema a partition
	// descriptor fixed: looked up by id instead of the subject's latest.
	pinnedID int
}

// newPlan starts a plan for q: it rejects what the grammar allows but
// kafarr cannot do and sorts the WHERE terms into pushdown and row terms.
func newPlan(sql string, q *sqlparse.Query, set options.ReadSettings) (*readPlan, error) {
	p := &readPlan{sql: sql, q: q, set: set}
	p.value.stopOnNew = set.ValueFormat == options.FormatAvro && set.Schema.Kind == options.SchemaFirst
	if o := q.OrderBy; o != nil {
		c := o.Column.String()
		if !metacol.IsPushdown(c) {
			return nil, adbcerr.NewState(adbc.StatusNotImplemented, adbcerr.FeatureNotSupported,
				"ORDER BY %s%s is not supported: kafarr orders by _offset, _timestamp or _partition; sort by other columns in DuckDB or pandas over the Arrow result",
				c, sqlparse.At(sql, o.Column.Pos))
		}
		if set.Follow {
			return nil, adbcerr.NewState(adbc.StatusNotImplemented, adbcerr.FeatureNotSupported,
				"ORDER BY cannot be combined with kafarr.read.follow=true, which has no end to sort up to")
		}
	}
	for _, t := range q.Where {
		if isPushdown(t) {
			if err := checkMetaTerm(t, sql); err != nil {
				return nil, err
			}
			p.metaTerms = append(p.metaTerms, t)
		}
	}
	return p, nil
}

// isPushdown reports whether t narrows the offsets to read.
func isPushdown(t sqlparse.Term) bool {
	return len(t.Column.Path) == 1 && metacol.IsPushdown(t.Column.Path[0])
}

// rowTermsOf returns the WHERE terms that are not pushed down.
func (p *readPlan) rowTermsOf() []sqlparse.Term {
	var out []sqlparse.Term
	for _, t := range p.q.Where {
		if !isPushdown(t) {
			out = append(out, t)
		}
	}
	return out
}

// partitionFilter returns the snapshot's partition filter for the
// pushed-down _partition terms, nil when there are none.
func (p *readPlan) partitionFilter() func(int32) bool {
	if len(p.metaTerms) == 0 {
		return nil
	}
	terms := p.metaTerms
	return func(part int32) bool { return metaMatches(terms, "_partition", int64(part)) }
}

// timestampBounds returns the _timestamp bounds the pushdown terms set, in
// milliseconds: lo > minBound asks for the offsets of lo, hi < maxBound
// for those of hi.
func (p *readPlan) timestampBounds() (lo, hi int64) { return bounds(p.metaTerms, "_timestamp") }

// planRanges narrows the snapshot's ranges by the pushed-down predicates
// and, under ORDER BY ... LIMIT, cuts them to windows. tsStart and tsEnd
// are the offsets of the _timestamp bounds per partition (nil when
// unbounded). Every narrowed range stays inside the snapshot's: a bound
// outside the log (a negative offset, an offset past the end) gives an
// empty range, never an offset the log does not have.
func (p *readPlan) planRanges(snap kafkaio.Snapshot, tsStart, tsEnd map[int32]int64) {
	p.snap, p.offsetsKnown = snap, true
	if len(snap.Ranges) == 0 {
		return
	}
	p.snap.Ranges = slices.Clone(snap.Ranges)
	lo, hi := bounds(p.metaTerms, "_offset")
	for i := range p.snap.Ranges {
		r := &p.snap.Ranges[i]
		start, end := r.Start, r.End
		r.Start = max(r.Start, lo)
		if v, ok := tsStart[r.Partition]; ok {
			r.Start = max(r.Start, v)
		}
		if !p.set.Follow {
			r.End = min(r.End, hi)
			if v, ok := tsEnd[r.Partition]; ok {
				r.End = min(r.End, v)
			}
			r.Start = min(r.Start, end)
			r.End = max(r.End, start)
		}
		if r.Start > r.End {
			r.Start = r.End
		}
	}
	if o := p.q.OrderBy; o != nil && p.q.Limit >= 0 && len(p.rowTermsOf()) == 0 && o.Column.String() != "_partition" {
		// The latest (or earliest) n rows of the whole topic are among
		// the latest (earliest) n of each partition; the execution
		// widens the window when gaps leave fewer rows than that.
		p.full = slices.Clone(p.snap.Ranges)
		p.snap = windowed(p.snap, p.q.Limit, o.Desc)
	}
}

// windowed cuts each range to its first or last n offsets.
func windowed(s kafkaio.Snapshot, n int64, tail bool) kafkaio.Snapshot {
	out := s
	out.Ranges = slices.Clone(s.Ranges)
	for i := range out.Ranges {
		r := &out.Ranges[i]
		if tail {
			r.Start = max(r.Start, r.End-n)
		} else if r.End-r.Start > n {
			r.End = r.Start + n
		}
	}
	return out
}

// recordBudget is how many records the reader may deliver: LIMIT, when
// every record read becomes a row (0 = no limit).
func (p *readPlan) recordBudget() int64 {
	if p.q.Limit >= 0 && p.q.OrderBy == nil && len(p.q.Where) == 0 && p.set.OnError != options.OnErrorSkip && !p.value.stopOnNew {
		return p.q.Limit
	}
	return 0
}

// wantsColumn reports whether the query selects, filters or sorts on the
// top-level column name (SELECT * selects the listed metadata columns).
func (p *readPlan) wantsColumn(name string) bool {
	if p.q.Star && slices.Contains(p.set.MetadataColumns, name) {
		return true
	}
	return p.q.OrderBy != nil && p.q.OrderBy.Column.Path[0] == name || p.q.Refers(name)
}
