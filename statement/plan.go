package statement

import (
	"slices"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/kafarr/kafarr/avroarrow"
	"github.com/kafarr/kafarr/internal/adbcerr"
	"github.com/kafarr/kafarr/internal/metacol"
	"github.com/kafarr/kafarr/internal/sqlparse"
	"github.com/kafarr/kafarr/jsonarrow"
	"github.com/kafarr/kafarr/kafkaio"
	"github.com/kafarr/kafarr/options"
	"github.com/kafarr/kafarr/protoarrow"
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
	// pin is what a partition descriptor fixed of the read (its offsets,
	// schema ids and inferred schemas); nil for a statement's own read.
	pin *pinned

	// Built columns: the value columns, then the metadata columns.
	valueArrow *arrow.Schema
	extra      []metacol.Column
	built      *arrow.Schema
	// out picks the result's columns out of the built ones; outSchema is
	// the result's schema, with the result metadata.
	out       []outCol
	outSchema *arrow.Schema

	// where is the WHERE condition with its constant parts folded; nil
	// when it is always true. empty says it is never true: nothing is
	// read.
	where sqlparse.Expr
	empty bool
	// push holds the records where can be true for (see pushdown.go): it
	// picks the partitions and offset ranges to read. ranging is push,
	// with timestamps coarsened when they would need too many lookups.
	push, ranging boxes
	// checkRecords says the read's ranges do not hold push exactly (it
	// narrows timestamps, or the read follows), so that each record is
	// checked against push before it is decoded.
	checkRecords bool
	// residual is what push does not decide: the conjuncts of where that
	// compare other columns (or all of where, when push was widened).
	// rowFilter is it bound to the built columns, checked on each batch.
	residual  sqlparse.Expr
	rowFilter rowExpr
}

// readValue says how values are decoded: in which format, with which
// reader schema, under which subject.
type readValue struct {
	// format is the settled kafarr.value.format: never auto.
	format   options.ValueFormat
	subject  string
	readerID int // registry id of the reader schema; 0 when unknown
	// framed says JSON values are in the Confluent wire format (a JSON
	// Schema from the registry), not plain JSON.
	framed bool
	// reader is an Avro reader schema; nil under the other formats, or
	// when no schema is known. cache is its decoder cache.
	reader *avroarrow.Schema
	cache  *avroarrow.DecoderCache
	// proto is a Protobuf reader schema and protoMsg the message read;
	// protoCache is its decoder cache.
	proto      *protoarrow.Schema
	protoMsg   protoreflect.MessageDescriptor
	protoCache *protoarrow.DecoderCache
	// jsonCols are a JSON value's columns (from the registry, given
	// inline, or inferred); jsonDec decodes them. inferred is set when
	// they were inferred from the data, which a partition descriptor then
	// carries.
	jsonCols *arrow.Schema
	jsonDec  *jsonarrow.Decoder
	inferred bool
	// text is the reader schema's text for the result metadata;
	// recordName the Avro record's or Protobuf message's full name.
	text, recordName string
	// stopOnNew (kafarr.read.schema=first) ends the read where the schema
	// changes from first's.
	stopOnNew bool
	first     int32
	// firstIndexes is the message-index list of the first framed
	// Protobuf message, when it decided the schema: its message is read.
	firstIndexes []int
}

// decoded reports whether values are decoded into columns, rather than
// copied raw into _value.
func (v *readValue) decoded() bool {
	switch v.format {
	case options.FormatAvro, options.FormatProtobuf, options.FormatJSON:
		return true
	}
	return false
}

// readKey says how _key is decoded, when it is built at all.
type readKey struct {
	format  options.KeyFormat // binary, string, avro, protobuf or json: auto is settled
	subject string            // of a registered key schema
	id      int               // registry id of the key schema; 0 when none
	framed  bool              // JSON keys are Confluent-framed
	// cols are the columns a decoded key fills (keyBB's schema); typ is
	// _key's type. One of cache, protoCache and jsonDec is set for a
	// decoded key.
	cols       *arrow.Schema
	cache      *avroarrow.DecoderCache
	protoCache *protoarrow.DecoderCache
	jsonDec    *jsonarrow.Decoder
	typ        arrow.DataType
	// inferred is set when cols were inferred from plain JSON keys.
	inferred bool
}

// newPlan starts a plan for q: it rejects what the grammar allows but
// kafarr cannot do, folds the WHERE clause's constants and splits it into
// the pushdown and the residual row filter.
func newPlan(sql string, q *sqlparse.Query, set options.ReadSettings) (*readPlan, error) {
	p := &readPlan{sql: sql, q: q, set: set}
	// The format may not be settled until the registry answers, after
	// the reader starts: assume a schema change may end the read, which
	// only makes recordBudget forgo its budget. chooseValue settles it.
	p.value.stopOnNew = set.Schema.Kind == options.SchemaFirst && set.ValueFormat != options.FormatString && set.ValueFormat != options.FormatBinary
	if o := q.OrderBy; o != nil {
		c := o.Column.String()
		if !metacol.IsPushdown(c) {
			return nil, adbcerr.NewState(adbc.StatusNotImplemented, adbcerr.FeatureNotSupported,
				"ORDER BY %s%s is not supported: kafarr orders by _offset, _timestamp or _partition; sort by other columns with %s",
				c, sqlparse.At(sql, o.Column.Pos), sqlparse.FullSQL)
		}
		if set.Follow {
			return nil, adbcerr.NewState(adbc.StatusNotImplemented, adbcerr.FeatureNotSupported,
				"ORDER BY cannot be combined with kafarr.read.follow=true, which has no end to sort up to")
		}
	}
	if err := checkMetaTerms(q.Where, sql); err != nil {
		return nil, err
	}
	where, err := fold(q.Where, sql)
	if err != nil {
		return nil, err
	}
	p.where = where
	if _, never := where.(*sqlparse.Const); never {
		// Folding leaves a constant only when it is FALSE or NULL.
		p.empty = true
		return p, nil
	}
	pd := &pushdown{}
	p.push = boxes{allBox}
	if where != nil {
		p.push, _ = pd.sets(where)
	}
	p.empty = len(p.push) == 0
	p.ranging = p.push.coarsened(maxTimestampLookups)
	p.checkRecords = !p.empty && (p.push.restricts(dimTimestamp) || (set.Follow && !p.push.isAll()))
	if pd.approx {
		p.residual = where
	} else {
		var rest []sqlparse.Expr
		for _, c := range sqlparse.Conjuncts(where) {
			if !metaOnly(c) {
				rest = append(rest, c)
			}
		}
		switch len(rest) {
		case 0:
		case 1:
			p.residual = rest[0]
		default:
			p.residual = &sqlparse.Logic{Op: sqlparse.And, Args: rest}
		}
	}
	return p, nil
}

// partitionFilter returns the snapshot's partition filter, nil when the
// condition does not narrow partitions.
func (p *readPlan) partitionFilter() func(int32) bool {
	if p.empty {
		return func(int32) bool { return false }
	}
	if !p.push.restricts(dimPartition) {
		return nil
	}
	parts := p.push.dimUnion(dimPartition)
	return func(part int32) bool { return parts.has(int64(part)) }
}

// recordBudget is how many records the reader may deliver: LIMIT, when
// every record read becomes a row (0 = no limit): no row filter, and the
// ranges read hold exactly the records the pushdown admits.
func (p *readPlan) recordBudget() int64 {
	if p.q.Limit >= 0 && p.q.OrderBy == nil && p.residual == nil && !p.checkRecords && p.set.OnError != options.OnErrorSkip && !p.value.stopOnNew {
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
