package ingest

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/kafarr/kafarr/avroarrow"
	"github.com/kafarr/kafarr/codec"
	"github.com/kafarr/kafarr/internal/adbcerr"
	"github.com/kafarr/kafarr/jsonarrow"
	"github.com/kafarr/kafarr/kafkaio"
	"github.com/kafarr/kafarr/options"
	"github.com/kafarr/kafarr/protoarrow"
)

// rowEncoder writes one row of a batch as a value or key payload, without
// framing. The Avro, Protobuf and JSON encoders all are one, and all
// report *avroarrow.EncodeError, so that the produce, size and refusal
// paths are the same for every format.
type rowEncoder interface {
	// Check validates every row of rec, so that AppendRow cannot fail
	// on it.
	Check(rec arrow.RecordBatch) error
	AppendRow(dst []byte, rec arrow.RecordBatch, row int) ([]byte, error)
}

// wireFormat is how a value or key is written.
type wireFormat uint8

const (
	wireAvro       wireFormat = iota // Confluent framing, Avro binary
	wireProtobuf                     // Confluent framing with the message-index list, Protobuf
	wireJSONSchema                   // Confluent framing, JSON text
	wireJSON                         // plain JSON text, no framing, no registry
)

// String names the format as kafarr.ingest.value_format does.
func (f wireFormat) String() string {
	switch f {
	case wireProtobuf:
		return "protobuf"
	case wireJSONSchema:
		return "json (JSON Schema)"
	case wireJSON:
		return "json (plain)"
	}
	return "avro"
}

// schemaType is the registry's name for the format's schemas.
func (f wireFormat) schemaType() string {
	switch f {
	case wireProtobuf:
		return "PROTOBUF"
	case wireJSONSchema, wireJSON:
		return "JSON"
	}
	return "AVRO"
}

// wireFormatOf maps a registry schema type ("" is Avro) to its format.
func wireFormatOf(schemaType string) (wireFormat, bool) {
	switch schemaType {
	case "", "AVRO":
		return wireAvro, true
	case "PROTOBUF":
		return wireProtobuf, true
	case "JSON":
		return wireJSONSchema, true
	}
	return 0, false
}

// fits reports whether an explicit kafarr.ingest.*_format permits a
// subject of format f; auto permits any.
func fits(want options.IngestFormat, f wireFormat) bool {
	switch want {
	case options.IngestAvro:
		return f == wireAvro
	case options.IngestProtobuf:
		return f == wireProtobuf
	case options.IngestJSON:
		return f == wireJSONSchema
	}
	return true
}

// encPlan is how a value or a key is encoded: the format, the schema and
// its registry id, the encoder, and the framing written before each row.
type encPlan struct {
	format  wireFormat
	subject string
	id      int32
	enc     rowEncoder
	// avro is the Avro writer schema (nil for the other formats): the
	// sizer reads its fixed sizes and defaults.
	avro *avroarrow.Schema
	// indexes is the Protobuf message-index list of the message written.
	indexes []int
	// text is the schema to register (derived from the data), with
	// register set; apply registers it and sets id.
	text     string
	register bool
	// header is the framing before each row's payload, set by frame once
	// id is known: empty for plain JSON.
	header []byte
}

// frame builds the framing for the plan's id.
func (p *encPlan) frame() {
	switch p.format {
	case wireAvro, wireJSONSchema:
		p.header = avroarrow.AppendFrame(p.header[:0], p.id)
	case wireProtobuf:
		p.header = protoarrow.AppendHeader(p.header[:0], p.id, p.indexes)
	default:
		p.header = p.header[:0]
	}
}

// headerLen is the length of the framing, known before the id.
func (p *encPlan) headerLen() int {
	id := p.id
	p.frame()
	n := len(p.header)
	p.id = id
	return n
}

// appendRow appends row i of rec, framed.
func (p *encPlan) appendRow(dst []byte, rec arrow.RecordBatch, i int) ([]byte, error) {
	mark := len(dst)
	dst = append(dst, p.header...)
	dst, err := p.enc.AppendRow(dst, rec, i)
	if err != nil {
		return dst[:mark], err
	}
	return dst, nil
}

// compileFor compiles an encoder for a registered schema (info) of format
// f, of the columns input returns given the schema's field names (has). message picks a Protobuf message ("" for the
// first). A schema that does not parse is returned as err, with its
// status; one the columns do not fit as fitErr (an *avroarrow.EncodeError),
// so that the caller may derive a schema instead.
func (r *ingestRun) compileFor(ctx context.Context, reg *kafkaio.Registry, f wireFormat, info kafkaio.SchemaInfo, input func(has func(string) bool) *arrow.Schema, message string) (p encPlan, fitErr, err error) {
	p = encPlan{format: f, subject: info.Subject, id: int32(info.ID)}
	coerce := r.set.coerceMode()
	switch f {
	case wireAvro:
		writer, err := codec.ParseAvro(info)
		if err != nil {
			return p, nil, err
		}
		in := input(nil) // the Avro encoder ignores other columns
		enc, cerr := avroarrow.CompileEncoder(in, writer, avroarrow.EncoderOptions{Coerce: coerce})
		if cerr != nil {
			return p, cerr, nil
		}
		p.avro, p.enc = writer, enc
	case wireProtobuf:
		var resolve protoarrow.ResolveFunc
		if reg != nil {
			resolve = codec.RegistryResolve(reg)
		}
		_, md, err := codec.ParseProtobuf(ctx, info, resolve, message)
		if err != nil {
			return p, nil, err
		}
		in := input(func(name string) bool { return protoHas(md, name) })
		if cerr := r.unmatched(in, md); cerr != nil {
			return p, cerr, nil
		}
		enc, cerr := protoarrow.CompileEncoder(in, md, protoarrow.EncoderOptions{Coerce: coerce})
		if cerr != nil {
			return p, cerr, nil
		}
		p.enc, p.indexes = enc, protoarrow.MessageIndexes(md)
	case wireJSONSchema:
		var resolve jsonarrow.Resolver
		if reg != nil {
			resolve = codec.RegistryResolver(reg)
		}
		target, err := codec.ParseJSONSchema(ctx, info, resolve)
		if err != nil {
			return p, nil, err
		}
		in := input(func(name string) bool { return len(target.FieldIndices(name)) > 0 })
		enc, cerr := jsonarrow.CompileEncoder(in, target, jsonarrow.EncoderOptions{Coerce: coerce})
		if cerr != nil {
			return p, cerr, nil
		}
		p.enc = enc
	default:
		return p, nil, adbcerr.New(adbc.StatusInternal, "ingest into %q: no registered schema for plain JSON", r.topic)
	}
	return p, nil, nil
}

// derivePlan derives a schema of format f from cols, named name, and
// compiles the encoder of the columns in for it; the schema is to be
// registered under subject. Plain JSON derives nothing: it writes cols.
func (r *ingestRun) derivePlan(ctx context.Context, f wireFormat, cols, in *arrow.Schema, name, subject, what string) (encPlan, error) {
	p := encPlan{format: f, subject: subject, register: f != wireJSON}
	coerce := r.set.coerceMode()
	derr := func(err error, kind string) error {
		return r.encodeErr(err, "deriving %s from %s", kind, what)
	}
	fitErr := func(err error) error {
		return r.encodeErr(err, "the %s derived from %s does not fit the data", f.schemaType(), what)
	}
	switch f {
	case wireAvro:
		writer, err := avroarrow.DeriveSchema(cols, name)
		if err != nil {
			return p, derr(err, "an Avro schema")
		}
		enc, err := avroarrow.CompileEncoder(in, writer, avroarrow.EncoderOptions{Coerce: coerce})
		if err != nil {
			return p, fitErr(err)
		}
		p.avro, p.enc, p.text = writer, enc, writer.String()
	case wireProtobuf:
		text, err := protoarrow.DeriveProto(cols, name)
		if err != nil {
			return p, derr(err, "a .proto schema")
		}
		// The derived file imports only the bundled well-known and
		// Confluent types, so it compiles without a registry.
		_, md, err := codec.ParseProtobuf(ctx, kafkaio.SchemaInfo{Type: "PROTOBUF", Schema: text}, nil, "")
		if err != nil {
			return p, adbcerr.New(adbc.StatusInternal, "ingest into %q: the .proto derived from %s does not compile: %v", r.topic, what, err)
		}
		enc, err := protoarrow.CompileEncoder(in, md, protoarrow.EncoderOptions{Coerce: coerce})
		if err != nil {
			return p, fitErr(err)
		}
		p.enc, p.indexes, p.text = enc, protoarrow.MessageIndexes(md), text
	case wireJSONSchema:
		text, err := jsonarrow.DeriveJSONSchema(cols, name)
		if err != nil {
			return p, derr(err, "a JSON Schema")
		}
		target, err := codec.ParseJSONSchema(ctx, kafkaio.SchemaInfo{Type: "JSON", Schema: text}, nil)
		if err != nil {
			return p, adbcerr.New(adbc.StatusInternal, "ingest into %q: the JSON Schema derived from %s does not parse: %v", r.topic, what, err)
		}
		enc, err := jsonarrow.CompileEncoder(in, target, jsonarrow.EncoderOptions{Coerce: coerce})
		if err != nil {
			return p, fitErr(err)
		}
		p.enc, p.text = enc, text
	case wireJSON:
		enc, err := jsonarrow.CompileEncoder(in, nil, jsonarrow.EncoderOptions{Coerce: coerce})
		if err != nil {
			return p, r.encodeErr(err, "the columns of %s cannot be written as JSON", what)
		}
		p.enc = enc
	}
	return p, nil
}

// contradiction is the error of an explicit format that the subject's
// schema type contradicts.
func (r *ingestRun) contradiction(opt string, want options.IngestFormat, subject string, info kafkaio.SchemaInfo) error {
	typ := info.Type
	if typ == "" {
		typ = "AVRO"
	}
	return adbc.Error{Code: adbc.StatusInvalidArgument, Msg: fmt.Sprintf(
		"kafarr: ingest into %q: %s=%s, but subject %q holds a %s schema (id %d); unset %s to follow the subject, or name another subject",
		r.topic, opt, want, subject, typ, info.ID, opt)}
}

// valueInput picks the columns the value encoder reads: every column for
// Avro and a registered Protobuf schema, whose encoders ignore those the
// schema has no field for; for JSON, whose encoder refuses such columns,
// and derived schemas, the columns that do not become record metadata,
// and those that do when the schema has a field of their name (has; nil
// for a derived schema, which leaves them out). It sets r.val.cols (nil: all) and returns their schema.
func (r *ingestRun) valueInput(f wireFormat, has func(string) bool) *arrow.Schema {
	r.val.cols = nil
	if f == wireAvro || f == wireProtobuf && has != nil {
		return r.in
	}
	var fields []arrow.Field
	var cols []int
	for i, fd := range r.in.Fields() {
		if !r.meta.designates(fd.Name) || has != nil && has(fd.Name) {
			fields = append(fields, fd)
			cols = append(cols, i)
		}
	}
	if len(cols) == r.in.NumFields() {
		return r.in
	}
	md := r.in.Metadata()
	r.val.cols = cols
	return arrow.NewSchema(fields, &md)
}

// values returns the batch the value encoder reads from rec: rec itself,
// or its value columns (valueInput), which the caller releases.
func (v *valuePlan) values(rec arrow.RecordBatch) arrow.RecordBatch {
	if v.cols == nil {
		return rec
	}
	cols := make([]arrow.Array, len(v.cols))
	for i, c := range v.cols {
		cols[i] = rec.Column(c)
	}
	return array.NewRecordBatch(v.in, cols, rec.NumRows())
}

// protoHas reports whether message md has a field, or a oneof (fed by a
// struct column of its name, beside an optional <oneof>_case column), of
// name.
func protoHas(md protoreflect.MessageDescriptor, name string) bool {
	if md.Fields().ByName(protoreflect.Name(name)) != nil || md.Oneofs().ByName(protoreflect.Name(name)) != nil {
		return true
	}
	oneof, ok := strings.CutSuffix(name, "_case")
	return ok && md.Oneofs().ByName(protoreflect.Name(oneof)) != nil
}

// unmatched refuses a value column that message md has no field for. The
// Protobuf encoder ignores such columns, as the Avro one does; but where an
// Avro field without a column must have a default, every Protobuf field
// has one, so a misspelt column would silently write the field's default.
// Columns that become record metadata are exempt.
func (r *ingestRun) unmatched(in *arrow.Schema, md protoreflect.MessageDescriptor) error {
	for _, f := range in.Fields() {
		if !r.meta.designates(f.Name) && !protoHas(md, f.Name) {
			var names []string
			for i := 0; i < md.Fields().Len(); i++ {
				names = append(names, string(md.Fields().Get(i).Name()))
			}
			return &avroarrow.EncodeError{Column: f.Name, Row: -1, Msg: fmt.Sprintf(
				"message %s has no field of this name (its fields: %s); every value column must match a field", md.FullName(), strings.Join(names, ", "))}
		}
	}
	return nil
}
