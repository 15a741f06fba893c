package statement

import (
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/kafarr/kafarr/avroarrow"
	"github.com/kafarr/kafarr/internal/sqlparse"
	"github.com/kafarr/kafarr/options"
)

// Column names beyond the metadata columns of options.MetadataColumnNames.
const (
	// colValue holds the raw value under kafarr.value.format=string|binary.
	colValue = "_value"
	// colError says why a row's value columns are null under
	// kafarr.read.on_error=null.
	colError = "_error"
)

// timestampMs is the type of _timestamp: Kafka timestamps are milliseconds.
var timestampMs = &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}

// headersType is the type of _headers. Header values are bytes; Kafka
// allows repeated keys, which an Arrow map keeps in order.
var headersType = arrow.MapOf(arrow.BinaryTypes.String, arrow.BinaryTypes.Binary)

// metaField returns the Arrow field of a metadata column. keyType is the
// type of _key, which depends on kafarr.key.format.
func metaField(name string, keyType arrow.DataType, valueType arrow.DataType) arrow.Field {
	switch name {
	case "_topic":
		return arrow.Field{Name: name, Type: arrow.BinaryTypes.String}
	case "_partition":
		return arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Int32}
	case "_offset":
		return arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Int64}
	case "_timestamp":
		return arrow.Field{Name: name, Type: timestampMs}
	case "_key":
		return arrow.Field{Name: name, Type: keyType, Nullable: true}
	case "_headers":
		return arrow.Field{Name: name, Type: headersType}
	case "_schema_id":
		return arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Int32, Nullable: true}
	case colValue:
		return arrow.Field{Name: name, Type: valueType, Nullable: true}
	case colError:
		return arrow.Field{Name: name, Type: arrow.BinaryTypes.String, Nullable: true}
	}
	panic("kafarr: unknown metadata column " + name)
}

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
			return outCol{}, adbc.Error{Code: adbc.StatusInvalidArgument, Msg: fmt.Sprintf(
				"kafarr: column %s%s: %q is not a record (it is %s), so it has no field %q",
				ref, sqlparse.At(sql, ref.Pos), f.Name, f.Type, name)}
		}
		i, ok := st.FieldIdx(name)
		if !ok {
			return outCol{}, adbc.Error{Code: adbc.StatusInvalidArgument, Msg: fmt.Sprintf(
				"kafarr: column %s%s: record %q has no field %q (it has %s)",
				ref, sqlparse.At(sql, ref.Pos), f.Name, name, columnNames(st.Fields(), nil))}
		}
		f = st.Field(i)
		oc.path = append(oc.path, i)
	}
	oc.field = arrow.Field{Name: oc.name, Type: f.Type, Nullable: f.Nullable || len(oc.path) > 0, Metadata: f.Metadata}
	return oc, nil
}

func unknownColumn(ref sqlparse.ColumnRef, sql string, fields []arrow.Field) error {
	return adbc.Error{Code: adbc.StatusInvalidArgument, Msg: fmt.Sprintf(
		"kafarr: unknown column %q%s; the columns are %s, and the metadata columns %s",
		ref.String(), sqlparse.At(sql, ref.Pos), columnNames(fields, nil), strings.Join(options.MetadataColumnNames, ", "))}
}

// planColumns settles the value fields to decode, the metadata columns to
// build, the result's columns and the row filters.
func (p *readPlan) planColumns() error {
	mapOpts := avroarrow.MapOptions{UnionMode: p.set.unionMode}
	var valueFields, allFields []arrow.Field
	if p.reader != nil {
		all, err := avroarrow.ArrowSchema(p.reader, mapOpts)
		if err != nil {
			return adbc.Error{Code: adbc.StatusNotImplemented, Msg: fmt.Sprintf(
				"kafarr: topic %q: the value schema (subject %q, id %d) cannot be read as Arrow: %v", p.q.Topic, p.subject, p.readerID, err)}
		}
		if !p.q.Star {
			p.projection = []string{}
			for _, f := range all.Fields() {
				if p.refersTo(f.Name) {
					p.projection = append(p.projection, f.Name)
				}
			}
			if p.reader.Type != avroarrow.TypeRecord {
				p.projection = nil
			}
		}
		cache, err := avroarrow.NewDecoderCache(p.reader, avroarrow.DecoderOptions{MapOptions: mapOpts, Projection: p.projection})
		if err != nil {
			return adbc.Error{Code: adbc.StatusNotImplemented, Msg: fmt.Sprintf("kafarr: topic %q: %v", p.q.Topic, err)}
		}
		p.cache = cache
		valueFields = cache.Schema().Fields()
		allFields = all.Fields()
	}
	p.valueArrow = arrow.NewSchema(valueFields, nil)

	raw := p.set.format != "avro"
	var valueType arrow.DataType = arrow.BinaryTypes.Binary
	if p.set.format == "string" {
		valueType = arrow.BinaryTypes.String
	}
	for _, name := range options.MetadataColumnNames {
		if p.wantsColumn(name) {
			p.extra = append(p.extra, metaField(name, p.keyType, nil))
		}
	}
	if raw && (p.q.Star || p.wantsColumn(colValue)) {
		p.extra = append(p.extra, metaField(colValue, nil, valueType))
	}
	if p.set.onError == "null" {
		p.extra = append(p.extra, metaField(colError, nil, nil))
	}
	p.built = arrow.NewSchema(append(slices.Clone(valueFields), p.extra...), nil)

	if err := p.checkNames(allFields); err != nil {
		return err
	}
	if p.q.Star {
		for i, f := range valueFields {
			p.out = append(p.out, outCol{name: f.Name, index: i, field: f})
		}
		names := append(slices.Clone(p.set.metaStar), colValue, colError)
		for _, name := range names {
			if idx := p.built.FieldIndices(name); len(idx) > 0 {
				p.out = append(p.out, outCol{name: name, index: idx[0], field: p.built.Field(idx[0])})
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
		if p.set.onError == "null" && !slices.ContainsFunc(p.q.Columns, func(c sqlparse.ColumnRef) bool { return c.String() == colError }) {
			i := p.built.NumFields() - 1
			p.out = append(p.out, outCol{name: colError, index: i, field: p.built.Field(i)})
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
	for _, t := range p.rowTermsOf() {
		bt, err := bindTerm(p.built, t, p.sql)
		if err != nil {
			return err
		}
		p.rowTerms = append(p.rowTerms, bt)
	}
	if o := p.q.OrderBy; o != nil {
		if _, err := resolvePath(p.built, o.Column, p.sql); err != nil {
			return err
		}
	}
	fields := make([]arrow.Field, len(p.out))
	for i, oc := range p.out {
		fields[i] = oc.field
	}
	md := p.resultMetadata()
	p.outSchema = arrow.NewSchema(fields, &md)
	return nil
}

// checkNames rejects a query naming a top-level column that is neither a
// value field nor a built metadata column. It runs before resolvePath so
// that the message lists every value field of the reader schema, not only
// the projected ones.
func (p *readPlan) checkNames(all []arrow.Field) error {
	refs := slices.Clone(p.q.Columns)
	for _, t := range p.q.Where {
		refs = append(refs, t.Column)
	}
	if p.q.OrderBy != nil {
		refs = append(refs, p.q.OrderBy.Column)
	}
	for _, ref := range refs {
		if len(p.built.FieldIndices(ref.Path[0])) == 0 {
			return unknownColumn(ref, p.sql, all)
		}
	}
	return nil
}

// refersTo reports whether the query selects or filters on the top-level
// value field name.
func (p *readPlan) refersTo(name string) bool {
	for _, c := range p.q.Columns {
		if c.Path[0] == name {
			return true
		}
	}
	for _, t := range p.q.Where {
		if t.Column.Path[0] == name {
			return true
		}
	}
	return false
}

// Result metadata keys (SPEC §3.6).
const (
	MetaTopic        = "kafarr.topic"
	MetaValueSubject = "kafarr.value.subject"
	MetaValueID      = "kafarr.value.schema_id"
	MetaValueSchema  = "kafarr.value.schema"
	MetaRecordName   = "kafarr.value.record_name"
	MetaStartOffsets = "kafarr.read.start_offsets"
	MetaEndOffsets   = "kafarr.read.end_offsets"
)

func (p *readPlan) resultMetadata() arrow.Metadata {
	keys := []string{MetaTopic, MetaStartOffsets, MetaEndOffsets}
	vals := []string{p.q.Topic, p.snap.StartOffsetsJSON(), p.snap.EndOffsetsJSON()}
	if p.reader != nil {
		keys = append(keys, MetaValueSubject, MetaValueID, MetaValueSchema, MetaRecordName)
		vals = append(vals, p.subject, itoa(int64(p.readerID)), p.reader.String(), p.reader.Name)
	}
	return arrow.NewMetadata(keys, vals)
}
