package statement

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/kafarr/kafarr/avroarrow"
	"github.com/kafarr/kafarr/internal/adbcerr"
	"github.com/kafarr/kafarr/internal/metacol"
	"github.com/kafarr/kafarr/internal/sqlparse"
	"github.com/kafarr/kafarr/jsonarrow"
	"github.com/kafarr/kafarr/options"
	"github.com/kafarr/kafarr/protoarrow"
)

// outCol is one column of the result: a built column, or a field inside a
// built struct column when the query names a nested path.
type outCol struct {
	name  string
	index int   // index of the top-level column in the built batch
	path  []int // child indices into nested structs
	field arrow.Field
}

// columnNames lists what a query may select, for error messages.
func columnNames(fields []arrow.Field, extra []string) string {
	names := make([]string, 0, len(fields)+len(extra))
	for _, f := range fields {
		names = append(names, f.Name)
	}
	names = append(names, extra...)
	return strings.Join(names, ", ")
}

// resolvePath finds a column path in the built schema: the first element
// names a top-level column, the rest walk struct children.
func resolvePath(built *arrow.Schema, ref sqlparse.ColumnRef, sql string) (outCol, error) {
	idx := built.FieldIndices(ref.Path[0])
	if len(idx) == 0 {
		return outCol{}, unknownColumn(ref, sql, built.Fields())
	}
	f := built.Field(idx[0])
	oc := outCol{name: ref.String(), index: idx[0], field: f}
	for _, name := range ref.Path[1:] {
		st, ok := f.Type.(*arrow.StructType)
		if !ok {
			return outCol{}, adbcerr.NewState(adbc.StatusInvalidArgument, adbcerr.ColumnNotFound,
				"column %s%s: %q is not a record (it is %s), so it has no field %q",
				ref, sqlparse.At(sql, ref.Pos), f.Name, f.Type, name)
		}
		i, ok := st.FieldIdx(name)
		if !ok {
			return outCol{}, adbcerr.NewState(adbc.StatusInvalidArgument, adbcerr.ColumnNotFound,
				"column %s%s: record %q has no field %q (it has %s)",
				ref, sqlparse.At(sql, ref.Pos), f.Name, name, columnNames(st.Fields(), nil))
		}
		f = st.Field(i)
		oc.path = append(oc.path, i)
	}
	oc.field = arrow.Field{Name: oc.name, Type: f.Type, Nullable: f.Nullable || len(oc.path) > 0, Metadata: f.Metadata}
	return oc, nil
}

func unknownColumn(ref sqlparse.ColumnRef, sql string, fields []arrow.Field) error {
	return unknownColumnOf(nil, ref, sql, fields)
}

// unknownColumnOf is unknownColumn for q (nil for none), saying so when
// the column's first name is the topic's, which q's alias hides.
func unknownColumnOf(q *sqlparse.Query, ref sqlparse.ColumnRef, sql string, fields []arrow.Field) error {
	alias := ""
	if q != nil && q.Alias != "" && len(ref.Path) > 1 && ref.Path[0] == q.Topic {
		a := sqlparse.QuoteIdent(q.Alias)
		alias = fmt.Sprintf(" (the topic is aliased as %s: qualify its columns with %s.)", a, a)
	}
	return adbcerr.NewState(adbc.StatusInvalidArgument, adbcerr.ColumnNotFound,
		"unknown column %q%s; the columns are %s, and the metadata columns %s%s",
		ref.String(), sqlparse.At(sql, ref.Pos), columnNames(fields, nil), strings.Join(metacol.ListableNames, ", "), alias)
}

// planColumns settles the value fields to decode, the metadata columns to
// build, the result's columns and the row filters. It runs once the value
// and key plans are settled.
func (p *readPlan) planColumns() error {
	valueFields, allFields, err := p.valueColumns()
	if err != nil {
		return err
	}
	p.valueArrow = arrow.NewSchema(valueFields, nil)

	var valueType arrow.DataType = arrow.BinaryTypes.Binary
	if p.value.format == options.FormatString {
		valueType = arrow.BinaryTypes.String
	}
	fields := slices.Clone(valueFields)
	for _, c := range metacol.Columns {
		var want bool
		switch c.Kind {
		case metacol.Value:
			want = !p.value.decoded() && (p.q.Star || p.wantsColumn(c.Name))
		case metacol.Error:
			want = p.set.OnError == options.OnErrorNull
		default:
			want = p.wantsColumn(c.Name)
		}
		if want {
			p.extra = append(p.extra, c)
			fields = append(fields, c.Field(p.key.typ, valueType))
		}
	}
	p.built = arrow.NewSchema(fields, nil)

	if err := p.checkNames(allFields); err != nil {
		return err
	}
	if p.q.Star {
		// * beside named columns: a column both yield appears once,
		// where it first appears (SELECT *, _partition is SELECT *;
		// SELECT _offset, * puts _offset first).
		var star []outCol
		for i, f := range valueFields {
			star = append(star, outCol{name: f.Name, index: i, field: f})
		}
		names := append(slices.Clone(p.set.MetadataColumns), metacol.ValueName, metacol.ErrorName)
		for _, name := range names {
			if idx := p.built.FieldIndices(name); len(idx) > 0 {
				star = append(star, outCol{name: name, index: idx[0], field: p.built.Field(idx[0])})
			}
		}
		named, starred := map[string]bool{}, map[string]bool{}
		for i, ref := range p.q.Columns {
			if i == p.q.StarAt {
				for _, oc := range star {
					if !named[oc.name] {
						p.out = append(p.out, oc)
						starred[oc.name] = true
					}
				}
			}
			oc, err := resolvePath(p.built, ref, p.sql)
			if err != nil {
				return err
			}
			if !starred[oc.name] {
				p.out = append(p.out, oc)
				named[oc.name] = true
			}
		}
		if p.q.StarAt >= len(p.q.Columns) {
			for _, oc := range star {
				if !named[oc.name] {
					p.out = append(p.out, oc)
				}
			}
		}
	} else {
		for _, ref := range p.q.Columns {
			oc, err := resolvePath(p.built, ref, p.sql)
			if err != nil {
				return err
			}
			p.out = append(p.out, oc)
		}
		if p.set.OnError == options.OnErrorNull && !slices.ContainsFunc(p.q.Columns, func(c sqlparse.ColumnRef) bool { return c.String() == metacol.ErrorName }) {
			i := p.built.NumFields() - 1
			p.out = append(p.out, outCol{name: metacol.ErrorName, index: i, field: p.built.Field(i)})
		}
	}
	seen := map[string]bool{}
	for i := range p.out {
		if seen[p.out[i].name] {
			// Arrow allows it, but pandas and Polars do not: number
			// repeats as DuckDB does.
			for k := 1; ; k++ {
				alt := fmt.Sprintf("%s_%d", p.out[i].name, k)
				if !seen[alt] {
					p.out[i].name, p.out[i].field.Name = alt, alt
					break
				}
			}
		}
		seen[p.out[i].name] = true
	}
	if p.residual != nil {
		f, err := bindExpr(p.built, p.residual, p.sql)
		if err != nil {
			return err
		}
		p.rowFilter = f
	}
	if o := p.q.OrderBy; o != nil {
		if _, err := resolvePath(p.built, o.Column, p.sql); err != nil {
			return err
		}
	}
	outFields := make([]arrow.Field, len(p.out))
	for i, oc := range p.out {
		outFields[i] = oc.field
	}
	md := p.resultMetadata()
	p.outSchema = arrow.NewSchema(outFields, &md)
	return nil
}

// unionMode maps kafarr.read.union_mode to the codec's union mapping.
func unionMode(m options.UnionMode) avroarrow.UnionMode {
	if m == options.UnionDense {
		return avroarrow.UnionDense
	}
	return avroarrow.UnionStruct
}

// checkNames rejects a query naming a top-level column that is neither a
// value field nor a built metadata column. It runs before resolvePath so
// that the message lists every value field of the reader schema, not only
// the projected ones.
func (p *readPlan) checkNames(all []arrow.Field) error {
	refs := slices.Clone(p.q.Columns)
	for _, t := range sqlparse.Terms(p.q.Where) {
		if t.Left == nil {
			refs = append(refs, t.Column)
		}
	}
	if p.q.OrderBy != nil {
		refs = append(refs, p.q.OrderBy.Column)
	}
	for _, ref := range refs {
		if len(p.built.FieldIndices(ref.Path[0])) == 0 {
			return unknownColumnOf(p.q, ref, p.sql, all)
		}
	}
	return nil
}

// Result metadata keys: what a result's schema says about how it was read
// (docs/semantics.md).
const (
	MetaTopic        = "kafarr.topic"
	MetaValueFormat  = "kafarr.value.format"
	MetaValueSubject = "kafarr.value.subject"
	MetaValueID      = "kafarr.value.schema_id"
	MetaValueSchema  = "kafarr.value.schema"
	MetaRecordName   = "kafarr.value.record_name"
	MetaKeyFormat    = "kafarr.key.format"
	MetaStartOffsets = "kafarr.read.start_offsets"
	MetaEndOffsets   = "kafarr.read.end_offsets"
	MetaRanges       = "kafarr.read.ranges"
)

// resultMetadata is the result schema's metadata. A plan made without
// offsets (the catalog's) carries no offsets.
func (p *readPlan) resultMetadata() arrow.Metadata {
	keys := []string{MetaTopic, MetaValueFormat}
	vals := []string{p.q.Topic, string(p.value.format)}
	if p.offsetsKnown {
		keys = append(keys, MetaStartOffsets, MetaEndOffsets, MetaRanges)
		vals = append(vals, p.snap.StartOffsetsJSON(), p.snap.EndOffsetsJSON(), p.snap.RangesJSON())
	}
	if p.wantsColumn("_key") {
		keys = append(keys, MetaKeyFormat)
		vals = append(vals, string(p.key.format))
	}
	v := p.value
	if v.reader != nil {
		// Avro results have always carried all four, even when empty.
		keys = append(keys, MetaValueSubject, MetaValueID, MetaValueSchema, MetaRecordName)
		vals = append(vals, v.subject, strconv.Itoa(v.readerID), v.text, v.recordName)
		return arrow.NewMetadata(keys, vals)
	}
	if v.subject != "" {
		keys = append(keys, MetaValueSubject)
		vals = append(vals, v.subject)
	}
	if v.readerID != 0 {
		keys = append(keys, MetaValueID)
		vals = append(vals, strconv.Itoa(v.readerID))
	}
	if v.text != "" {
		keys = append(keys, MetaValueSchema)
		vals = append(vals, v.text)
	}
	if v.recordName != "" {
		keys = append(keys, MetaRecordName)
		vals = append(vals, v.recordName)
	}
	return arrow.NewMetadata(keys, vals)
}

// valueColumns compiles the value decoder of the settled format and
// returns the value columns it builds (only those the query refers to,
// when the format can skip the others) and all the value columns.
func (p *readPlan) valueColumns() (built, all []arrow.Field, err error) {
	v := &p.value
	switch {
	case v.reader != nil:
		mapOpts := avroarrow.MapOptions{UnionMode: unionMode(p.set.UnionMode)}
		sc, err := avroarrow.ArrowSchema(v.reader, mapOpts)
		if err != nil {
			return nil, nil, adbcerr.New(adbc.StatusNotImplemented,
				"topic %q: the value schema (subject %q, id %d) cannot be read as Arrow: %v", p.q.Topic, v.subject, v.readerID, err)
		}
		var projection []string
		if !p.q.Star && v.reader.Type == avroarrow.TypeRecord {
			projection = p.referred(sc)
		}
		cache, err := avroarrow.NewDecoderCache(v.reader, avroarrow.DecoderOptions{MapOptions: mapOpts, Projection: projection})
		if err != nil {
			return nil, nil, adbcerr.New(adbc.StatusNotImplemented, "topic %q: %v", p.q.Topic, err)
		}
		v.cache = cache
		return cache.Schema().Fields(), sc.Fields(), nil
	case v.protoMsg != nil:
		full, err := protoarrow.NewDecoder(v.protoMsg, protoarrow.DecoderOptions{})
		if err != nil {
			return nil, nil, adbcerr.New(adbc.StatusNotImplemented,
				"topic %q: the value message %s (subject %q, id %d) cannot be read as Arrow: %v", p.q.Topic, v.recordName, v.subject, v.readerID, err)
		}
		dec := full
		if !p.q.Star {
			if dec, err = protoarrow.NewDecoder(v.protoMsg, protoarrow.DecoderOptions{Projection: p.referred(full.Schema())}); err != nil {
				return nil, nil, adbcerr.New(adbc.StatusNotImplemented, "topic %q: %v", p.q.Topic, err)
			}
		}
		v.protoCache = protoarrow.NewDecoderCache(dec)
		return dec.Schema().Fields(), full.Schema().Fields(), nil
	case v.jsonCols != nil:
		// The JSON decoder builds every column; a query's projection
		// picks from them.
		dec, err := jsonarrow.NewDecoder(v.jsonCols, jsonarrow.Options{})
		if err != nil {
			return nil, nil, adbcerr.New(adbc.StatusNotImplemented, "topic %q: the JSON value columns cannot be decoded: %v", p.q.Topic, err)
		}
		v.jsonDec = dec
		return v.jsonCols.Fields(), v.jsonCols.Fields(), nil
	}
	return nil, nil, nil
}

// referred lists the columns of sc that the query refers to, in order.
func (p *readPlan) referred(sc *arrow.Schema) []string {
	out := []string{}
	for _, f := range sc.Fields() {
		if p.q.Refers(f.Name) {
			out = append(out, f.Name)
		}
	}
	return out
}
