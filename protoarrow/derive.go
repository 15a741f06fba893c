package protoarrow

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/kafarr/kafarr/avroarrow"
	"github.com/kafarr/kafarr/kafkaio"
)

// DeriveProto derives a proto3 schema, as .proto text (the form a
// Confluent registry stores), from an Arrow schema, for an ingest into a
// topic that has no registered schema. fullName is the message's full
// name: "acme.orders.Order" gives package acme.orders and message Order;
// "Order" gives no package.
//
// Each column becomes a field of the same name, numbered 1, 2, ... in
// column order. Column names must already be valid Protobuf identifiers
// (a letter or "_", then letters, digits and "_"), and no two may have the
// same JSON name (proto3 refuses "a_b" beside "aB"): a column that breaks
// either rule is an error naming it, rather than a silently renamed field
// that the encoder, matching by name, would then not feed. Nullable scalar
// columns are proto3 "optional" (explicit presence), so nulls round-trip;
// messages have presence anyway. The types:
//
//	int8, int16, int32            int32
//	int64                         int64
//	uint8, uint16, uint32         uint32
//	uint64                        uint64
//	float32, float64              float, double
//	bool                          bool
//	utf8, large_utf8, utf8_view,  string
//	dictionary<int, utf8>         string (an enum would need its symbols fixed in the schema)
//	binary kinds (fixed too)      bytes
//	date32                        int32, days since 1970-01-01 (Protobuf has no date type
//	                              without google/type/date.proto, which registries do not bundle)
//	timestamp (any unit, tz)      google.protobuf.Timestamp
//	duration (any unit)           google.protobuf.Duration
//	decimal128(p, s)              confluent.type.Decimal, with (confluent.field_meta) params
//	                              precision and scale, so that readers know p and s
//	struct                        a nested message named after the field (CamelCase,
//	                              made unique in its scope)
//	list<T>, large_list, fixed    repeated T; a list of lists or of maps is a repeated
//	                              nested message <Field>Item whose one field "item" is the
//	                              inner list or map (Protobuf has no repeated repeated)
//	map<K, V>                     map<K, V>, K string, bool or an integer; a V that is a list or
//	                              map is wrapped in a message as for lists
//
// Other types (null, float16, date64, time, interval, union, decimal256)
// are an error naming the column. The text is compiled with Compile before
// it is returned. Errors are *avroarrow.EncodeError values.
func DeriveProto(cols *arrow.Schema, fullName string) (string, error) {
	if cols == nil {
		return "", &avroarrow.EncodeError{Row: -1, Msg: "nil Arrow schema"}
	}
	parts := strings.Split(fullName, ".")
	for _, part := range parts {
		if !validIdent(part) {
			return "", &avroarrow.EncodeError{Row: -1, Msg: fmt.Sprintf("message name %q is not a valid Protobuf full name: dot-separated identifiers, each a letter or \"_\" followed by letters, digits and \"_\"", fullName)}
		}
	}
	d := &protoDeriver{imports: map[string]bool{}}
	name := parts[len(parts)-1]
	body, err := d.message(name, cols.Fields(), 0, encPath{})
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("syntax = \"proto3\";\n\n")
	if len(parts) > 1 {
		fmt.Fprintf(&b, "package %s;\n\n", strings.Join(parts[:len(parts)-1], "."))
	}
	imports := make([]string, 0, len(d.imports))
	for imp := range d.imports {
		imports = append(imports, imp)
	}
	sort.Strings(imports)
	for _, imp := range imports {
		fmt.Fprintf(&b, "import %q;\n", imp)
	}
	if len(imports) > 0 {
		b.WriteByte('\n')
	}
	b.WriteString(body)
	text := b.String()
	if _, cerr := Compile(context.Background(), kafkaio.SchemaInfo{Schema: text, Type: "PROTOBUF"}, nil); cerr != nil {
		return "", &avroarrow.EncodeError{Row: -1, Msg: "derived a schema that does not compile: " + cerr.Error()}
	}
	return text, nil
}

// validIdent reports a Protobuf identifier.
func validIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// jsonName is protoc's JSON name of a field: underscores dropped, the
// letter after each capitalized.
func jsonName(s string) string {
	var b strings.Builder
	up := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' {
			up = true
			continue
		}
		if up && c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		up = false
		b.WriteByte(c)
	}
	return b.String()
}

// camel turns a field name into a message name: "last_quote" gives
// "LastQuote".
func camel(s string) string {
	j := jsonName(s)
	if j == "" {
		return "Field"
	}
	if c := j[0]; c >= 'a' && c <= 'z' {
		j = string(c-('a'-'A')) + j[1:]
	}
	return j
}

// protoDeriver renders a schema; imports collects the files it needs.
type protoDeriver struct {
	imports map[string]bool
}

func (d *protoDeriver) errf(p encPath, format string, args ...any) *avroarrow.EncodeError {
	return &avroarrow.EncodeError{Column: p.col, Row: -1, Msg: fmt.Sprintf(format, args...)}
}

// scope is a message being rendered: the names taken in it, and its
// nested definitions.
type scope struct {
	taken  map[string]bool
	nested []string
	depth  int
}

// unique returns a nested message name from base not yet taken in s.
func (s *scope) unique(base string) string {
	name := base
	for k := 2; s.taken[name]; k++ {
		name = base + strconv.Itoa(k)
	}
	s.taken[name] = true
	return name
}

// message renders message name with one field per Arrow field, indented
// for depth.
func (d *protoDeriver) message(name string, fields []arrow.Field, depth int, p encPath) (string, *avroarrow.EncodeError) {
	s := &scope{taken: map[string]bool{name: true}, depth: depth}
	seen := map[string]bool{}
	jsonNames := map[string]string{}
	for _, f := range fields {
		fp := p.child(f.Name, "")
		if !validIdent(f.Name) {
			return "", d.errf(fp, "the name is not a valid Protobuf field name: it must start with a letter or \"_\" and hold only letters, digits and \"_\"")
		}
		if seen[f.Name] {
			return "", d.errf(fp, "two columns have this name")
		}
		seen[f.Name] = true
		if other, ok := jsonNames[jsonName(f.Name)]; ok {
			return "", d.errf(fp, "the name has the same Protobuf JSON name, %q, as column %q, which proto3 refuses", jsonName(f.Name), other)
		}
		jsonNames[jsonName(f.Name)] = f.Name
		s.taken[f.Name] = true
	}
	ind := strings.Repeat("  ", depth+1)
	var lines []string
	num := 0
	for _, f := range fields {
		if num++; num == 19000 {
			num = 20000 // 19000-19999 are reserved for protobuf itself
		}
		fp := p.child(f.Name, "")
		typ, opts, msg, err := d.fieldType(f.Type, f.Name, s, fp)
		if err != nil {
			return "", err
		}
		label := ""
		switch {
		case strings.HasPrefix(typ, "repeated ") || strings.HasPrefix(typ, "map<"):
		case f.Nullable && !msg:
			label = "optional "
		}
		lines = append(lines, fmt.Sprintf("%s%s%s %s = %d%s;", ind, label, typ, f.Name, num, opts))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%smessage %s {\n", strings.Repeat("  ", depth), name)
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	for _, n := range s.nested {
		b.WriteString(n)
	}
	fmt.Fprintf(&b, "%s}\n", strings.Repeat("  ", depth))
	return b.String(), nil
}

// fieldType returns the type of a field for Arrow type dt ("repeated T" and
// "map<K, V>" included), its options ("" or " [...]"), and whether it is a
// message (which has presence without "optional"). Nested messages it
// needs are added to s.
func (d *protoDeriver) fieldType(dt arrow.DataType, hint string, s *scope, p encPath) (typ, opts string, msg bool, err *avroarrow.EncodeError) {
	dt = storage(dt)
	switch t := dt.(type) {
	case *arrow.ListType:
		return d.repeated(t.Elem(), hint, s, p)
	case *arrow.LargeListType:
		return d.repeated(t.Elem(), hint, s, p)
	case *arrow.FixedSizeListType:
		return d.repeated(t.Elem(), hint, s, p)
	case *arrow.MapType:
		key, kerr := mapKeyType(storage(t.KeyType()))
		if kerr != "" {
			return "", "", false, d.errf(p, "map keys of type %s have no Protobuf map key type (%s)", t.KeyType(), kerr)
		}
		vt, vopts, _, verr := d.valueType(t.ItemType(), hint+"_value", s, p.child("{}", ""))
		if verr != nil {
			return "", "", false, verr
		}
		return "map<" + key + ", " + vt + ">", vopts, false, nil
	}
	return d.valueType(dt, hint, s, p)
}

// repeated returns the type of a repeated field of items elem.
func (d *protoDeriver) repeated(elem arrow.DataType, hint string, s *scope, p encPath) (string, string, bool, *avroarrow.EncodeError) {
	t, opts, _, err := d.valueType(elem, hint+"_item", s, p.child("[]", ""))
	if err != nil {
		return "", "", false, err
	}
	return "repeated " + t, opts, false, nil
}

// valueType returns the type of one value (a list item or map value
// included): a list or map there is wrapped in a message.
func (d *protoDeriver) valueType(dt arrow.DataType, hint string, s *scope, p encPath) (string, string, bool, *avroarrow.EncodeError) {
	dt = storage(dt)
	switch t := dt.(type) {
	case *arrow.ListType, *arrow.LargeListType, *arrow.FixedSizeListType, *arrow.MapType:
		name := s.unique(camel(hint))
		body, err := d.message(name, []arrow.Field{{Name: "item", Type: t}}, s.depth+1, p)
		if err != nil {
			return "", "", false, err
		}
		s.nested = append(s.nested, body)
		return name, "", true, nil
	case *arrow.StructType:
		name := s.unique(camel(strings.TrimSuffix(strings.TrimSuffix(hint, "_item"), "_value")))
		body, err := d.message(name, t.Fields(), s.depth+1, p)
		if err != nil {
			return "", "", false, err
		}
		s.nested = append(s.nested, body)
		return name, "", true, nil
	case *arrow.DictionaryType:
		switch {
		case stringLike(t.ValueType):
			return "string", "", false, nil
		case binaryLike(t.ValueType):
			return "bytes", "", false, nil
		}
	case *arrow.TimestampType:
		d.imports["google/protobuf/timestamp.proto"] = true
		return "google.protobuf.Timestamp", "", true, nil
	case *arrow.DurationType:
		d.imports["google/protobuf/duration.proto"] = true
		return "google.protobuf.Duration", "", true, nil
	case *arrow.Decimal128Type:
		d.imports["confluent/type/decimal.proto"] = true
		d.imports["confluent/meta.proto"] = true
		return "confluent.type.Decimal", fmt.Sprintf(` [(confluent.field_meta) = { params: [{ key: "precision", value: "%d" }, { key: "scale", value: "%d" }] }]`, t.Precision, t.Scale), true, nil
	}
	switch dt.ID() {
	case arrow.BOOL:
		return "bool", "", false, nil
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.DATE32:
		return "int32", "", false, nil
	case arrow.INT64:
		return "int64", "", false, nil
	case arrow.UINT8, arrow.UINT16, arrow.UINT32:
		return "uint32", "", false, nil
	case arrow.UINT64:
		return "uint64", "", false, nil
	case arrow.FLOAT32:
		return "float", "", false, nil
	case arrow.FLOAT64:
		return "double", "", false, nil
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return "string", "", false, nil
	case arrow.BINARY, arrow.LARGE_BINARY, arrow.BINARY_VIEW, arrow.FIXED_SIZE_BINARY:
		return "bytes", "", false, nil
	}
	return "", "", false, d.errf(p, "Arrow type %s has no Protobuf mapping", dt)
}

// mapKeyType returns the Protobuf map key type of an Arrow map key type,
// or why there is none.
func mapKeyType(dt arrow.DataType) (string, string) {
	switch dt.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return "string", ""
	case arrow.BOOL:
		return "bool", ""
	case arrow.INT8, arrow.INT16, arrow.INT32:
		return "int32", ""
	case arrow.INT64:
		return "int64", ""
	case arrow.UINT8, arrow.UINT16, arrow.UINT32:
		return "uint32", ""
	case arrow.UINT64:
		return "uint64", ""
	}
	return "", "Protobuf map keys are strings, bools or integers"
}
