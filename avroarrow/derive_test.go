package avroarrow

import (
	"errors"
	"math/rand"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/linkedin/goavro/v2"
)

// encDeriveOne derives the schema of one non-nullable column "v" and
// returns the field's type as Avro JSON.
func encDeriveOne(t *testing.T, f arrow.Field) string {
	t.Helper()
	f.Name = "v"
	s, err := DeriveSchema(arrow.NewSchema([]arrow.Field{f}, nil), "R")
	if err != nil {
		t.Fatal(err)
	}
	return s.Fields[0].Type.String()
}

// TestDeriveTypes maps every Arrow type pandas, Polars and pyarrow produce.
func TestDeriveTypes(t *testing.T) {
	str := arrow.BinaryTypes.String
	meta := func(kv ...string) arrow.Metadata {
		var k, v []string
		for i := 0; i < len(kv); i += 2 {
			k, v = append(k, kv[i]), append(v, kv[i+1])
		}
		return arrow.NewMetadata(k, v)
	}
	tests := []struct {
		name string
		f    arrow.Field
		want string
	}{
		{"null", arrow.Field{Type: arrow.Null}, `"null"`},
		{"bool", arrow.Field{Type: arrow.FixedWidthTypes.Boolean}, `"boolean"`},
		{"int8", arrow.Field{Type: arrow.PrimitiveTypes.Int8}, `"int"`},
		{"int16", arrow.Field{Type: arrow.PrimitiveTypes.Int16}, `"int"`},
		{"int32", arrow.Field{Type: arrow.PrimitiveTypes.Int32}, `"int"`},
		{"int64", arrow.Field{Type: arrow.PrimitiveTypes.Int64}, `"long"`},
		{"uint8", arrow.Field{Type: arrow.PrimitiveTypes.Uint8}, `"int"`},
		{"uint16", arrow.Field{Type: arrow.PrimitiveTypes.Uint16}, `"int"`},
		{"uint32", arrow.Field{Type: arrow.PrimitiveTypes.Uint32}, `"long"`},
		{"uint64", arrow.Field{Type: arrow.PrimitiveTypes.Uint64}, `"long"`},
		{"float16", arrow.Field{Type: arrow.FixedWidthTypes.Float16}, `"float"`},
		{"float32", arrow.Field{Type: arrow.PrimitiveTypes.Float32}, `"float"`},
		{"float64", arrow.Field{Type: arrow.PrimitiveTypes.Float64}, `"double"`},
		{"utf8", arrow.Field{Type: str}, `"string"`},
		{"large_utf8", arrow.Field{Type: arrow.BinaryTypes.LargeString}, `"string"`},
		{"string_view", arrow.Field{Type: arrow.BinaryTypes.StringView}, `"string"`},
		{"binary", arrow.Field{Type: arrow.BinaryTypes.Binary}, `"bytes"`},
		{"large_binary", arrow.Field{Type: arrow.BinaryTypes.LargeBinary}, `"bytes"`},
		{"binary_view", arrow.Field{Type: arrow.BinaryTypes.BinaryView}, `"bytes"`},
		{"fixed_size_binary", arrow.Field{Type: &arrow.FixedSizeBinaryType{ByteWidth: 5}}, `{"name":"v","type":"fixed","size":5}`},
		{"decimal128", arrow.Field{Type: &arrow.Decimal128Type{Precision: 9, Scale: 2}}, `{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}`},
		{"decimal256", arrow.Field{Type: &arrow.Decimal256Type{Precision: 60, Scale: 10}}, `{"type":"bytes","logicalType":"decimal","precision":60,"scale":10}`},
		{"decimal32", arrow.Field{Type: &arrow.Decimal32Type{Precision: 5, Scale: 0}}, `{"type":"bytes","logicalType":"decimal","precision":5,"scale":0}`},
		{"date32", arrow.Field{Type: arrow.FixedWidthTypes.Date32}, `{"type":"int","logicalType":"date"}`},
		{"date64", arrow.Field{Type: arrow.FixedWidthTypes.Date64}, `{"type":"int","logicalType":"date"}`},
		{"time32 s", arrow.Field{Type: arrow.FixedWidthTypes.Time32s}, `{"type":"int","logicalType":"time-millis"}`},
		{"time32 ms", arrow.Field{Type: arrow.FixedWidthTypes.Time32ms}, `{"type":"int","logicalType":"time-millis"}`},
		{"time64 us", arrow.Field{Type: arrow.FixedWidthTypes.Time64us}, `{"type":"long","logicalType":"time-micros"}`},
		{"time64 ns", arrow.Field{Type: arrow.FixedWidthTypes.Time64ns}, `{"type":"long","logicalType":"time-micros"}`},
		{"timestamp s tz", arrow.Field{Type: &arrow.TimestampType{Unit: arrow.Second, TimeZone: "UTC"}}, `{"type":"long","logicalType":"timestamp-millis"}`},
		{"timestamp ms tz", arrow.Field{Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "Europe/Paris"}}, `{"type":"long","logicalType":"timestamp-millis"}`},
		{"timestamp us tz", arrow.Field{Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}}, `{"type":"long","logicalType":"timestamp-micros"}`},
		{"timestamp ns tz", arrow.Field{Type: &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "UTC"}}, `{"type":"long","logicalType":"timestamp-nanos"}`},
		{"timestamp s", arrow.Field{Type: &arrow.TimestampType{Unit: arrow.Second}}, `{"type":"long","logicalType":"local-timestamp-millis"}`},
		{"timestamp us", arrow.Field{Type: &arrow.TimestampType{Unit: arrow.Microsecond}}, `{"type":"long","logicalType":"local-timestamp-micros"}`},
		{"timestamp ns", arrow.Field{Type: &arrow.TimestampType{Unit: arrow.Nanosecond}}, `{"type":"long","logicalType":"local-timestamp-nanos"}`},
		{"duration", arrow.Field{Type: arrow.FixedWidthTypes.Duration_us}, `{"type":"long","kafarr.duration_unit":"us"}`},
		{"month_day_nano", arrow.Field{Type: arrow.FixedWidthTypes.MonthDayNanoInterval}, `{"name":"v","type":"fixed","size":12,"logicalType":"duration"}`},
		{"categorical", arrow.Field{Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: str}}, `"string"`},
		{"dictionary of ints", arrow.Field{Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.PrimitiveTypes.Int64}}, `"long"`},
		{"list", arrow.Field{Type: arrow.ListOf(arrow.PrimitiveTypes.Int64)}, `{"type":"array","items":["null","long"]}`},
		{"list non-null items", arrow.Field{Type: arrow.ListOfNonNullable(arrow.PrimitiveTypes.Int64)}, `{"type":"array","items":"long"}`},
		{"large_list", arrow.Field{Type: arrow.LargeListOf(str)}, `{"type":"array","items":["null","string"]}`},
		{"fixed_size_list", arrow.Field{Type: arrow.FixedSizeListOfNonNullable(3, arrow.PrimitiveTypes.Float32)}, `{"type":"array","items":"float"}`},
		{"map", arrow.Field{Type: arrow.MapOf(str, arrow.PrimitiveTypes.Float64)}, `{"type":"map","values":["null","double"]}`},
		{"struct", arrow.Field{Type: arrow.StructOf(arrow.Field{Name: "a", Type: str}, arrow.Field{Name: "b", Type: arrow.PrimitiveTypes.Int32, Nullable: true})},
			`{"name":"v","type":"record","fields":[{"name":"a","type":"string"},{"name":"b","type":["null","int"],"default":null}]}`},
		{"dense union", arrow.Field{Type: arrow.DenseUnionOf([]arrow.Field{{Name: "s", Type: str}, {Name: "n", Type: arrow.PrimitiveTypes.Int64}}, []arrow.UnionTypeCode{0, 1})}, `["string","long"]`},
		{"enum from metadata", arrow.Field{Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: str},
			Metadata: meta(MetaAvroType, "enum", MetaName, "com.acme.Side", MetaSymbols, `["BUY","SELL"]`)}, `{"name":"com.acme.Side","type":"enum","symbols":["BUY","SELL"]}`},
		{"enum metadata on utf8", arrow.Field{Type: str, Metadata: meta(MetaAvroType, "enum", MetaName, "Side", MetaSymbols, `["BUY"]`)}, `{"name":"Side","type":"enum","symbols":["BUY"]}`},
		{"enum with bad symbols stays a string", arrow.Field{Type: str, Metadata: meta(MetaAvroType, "enum", MetaName, "Side", MetaSymbols, `["1x"]`)}, `"string"`},
		{"uuid string from metadata", arrow.Field{Type: str, Metadata: meta(MetaAvroType, "string", MetaLogicalType, "uuid")}, `{"type":"string","logicalType":"uuid"}`},
		{"uuid fixed from metadata", arrow.Field{Type: str, Metadata: meta(MetaAvroType, "fixed", MetaLogicalType, "uuid", MetaName, "com.acme.Id")}, `{"name":"com.acme.Id","type":"fixed","size":16,"logicalType":"uuid"}`},
		{"uuid extension", arrow.Field{Type: newEncTestUUIDType()}, `{"type":"string","logicalType":"uuid"}`},
		{"fixed name from metadata", arrow.Field{Type: &arrow.FixedSizeBinaryType{ByteWidth: 16}, Metadata: meta(MetaAvroType, "fixed", MetaName, "com.acme.MD5")}, `{"name":"com.acme.MD5","type":"fixed","size":16}`},
		{"decimal on fixed from metadata", arrow.Field{Type: &arrow.Decimal128Type{Precision: 10, Scale: 3}, Metadata: meta(MetaAvroType, "fixed", MetaLogicalType, "decimal", MetaName, "Px")},
			`{"name":"Px","type":"fixed","size":5,"logicalType":"decimal","precision":10,"scale":3}`},
		{"record name from metadata", arrow.Field{Type: arrow.StructOf(arrow.Field{Name: "a", Type: str}), Metadata: meta(MetaAvroType, "record", MetaName, "com.acme.Leg")},
			`{"name":"com.acme.Leg","type":"record","fields":[{"name":"a","type":"string"}]}`},
		{"struct of branches", arrow.Field{Type: arrow.StructOf(arrow.Field{Name: "string", Type: str, Nullable: true}, arrow.Field{Name: "long", Type: arrow.PrimitiveTypes.Int64, Nullable: true}), Metadata: meta(MetaAvroType, "union")},
			`["string","long"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := encDeriveOne(t, tt.f); got != tt.want {
				t.Errorf("\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestDerivePandas derives the schema of a frame as pyarrow hands pandas
// over: every column nullable, strings as large_string, naive nanosecond
// timestamps, a categorical, and the index as a column.
func TestDerivePandas(t *testing.T) {
	pandasMeta := arrow.NewMetadata([]string{"pandas"}, []string{`{"index_columns": ["__index_level_0__"]}`})
	s := arrow.NewSchema([]arrow.Field{
		{Name: "inst", Type: arrow.BinaryTypes.LargeString, Nullable: true},
		{Name: "px", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "qty", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "ok", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "at", Type: &arrow.TimestampType{Unit: arrow.Nanosecond}, Nullable: true},
		{Name: "at_utc", Type: &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "UTC"}, Nullable: true},
		{Name: "side", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}, Nullable: true},
		{Name: "__index_level_0__", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	}, &pandasMeta)
	got, err := DeriveSchema(s, "avros.pricing.ig.Tick")
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"name":"avros.pricing.ig.Tick","type":"record","fields":[` +
		`{"name":"inst","type":["null","string"],"default":null},` +
		`{"name":"px","type":["null","double"],"default":null},` +
		`{"name":"qty","type":["null","long"],"default":null},` +
		`{"name":"ok","type":["null","boolean"],"default":null},` +
		`{"name":"at","type":["null",{"type":"long","logicalType":"local-timestamp-nanos"}],"default":null},` +
		`{"name":"at_utc","type":["null",{"type":"long","logicalType":"timestamp-nanos"}],"default":null},` +
		`{"name":"side","type":["null","string"],"default":null},` +
		`{"name":"__index_level_0__","type":["null","long"],"default":null}]}`
	if got.String() != want {
		t.Errorf("\n got %s\nwant %s", got, want)
	}
	encDeriveEncodes(t, s, got)
}

// TestDerivePolars derives the schema of a frame as Polars exports it:
// string and binary views, large lists, structs, unsigned integers.
func TestDerivePolars(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{
		{Name: "name", Type: arrow.BinaryTypes.StringView, Nullable: true},
		{Name: "blob", Type: arrow.BinaryTypes.BinaryView, Nullable: true},
		{Name: "vals", Type: arrow.LargeListOf(arrow.PrimitiveTypes.Int64), Nullable: true},
		{Name: "n", Type: arrow.PrimitiveTypes.Uint32, Nullable: true},
		{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "took", Type: arrow.FixedWidthTypes.Duration_us, Nullable: true},
		{Name: "pos", Type: arrow.StructOf(arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Float64, Nullable: true}, arrow.Field{Name: "y", Type: arrow.PrimitiveTypes.Float64, Nullable: true}), Nullable: true},
		{Name: "amount", Type: &arrow.Decimal128Type{Precision: 38, Scale: 4}, Nullable: true},
	}, nil)
	got, err := DeriveSchema(s, "Row")
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"name":"Row","type":"record","fields":[` +
		`{"name":"name","type":["null","string"],"default":null},` +
		`{"name":"blob","type":["null","bytes"],"default":null},` +
		`{"name":"vals","type":["null",{"type":"array","items":["null","long"]}],"default":null},` +
		`{"name":"n","type":["null","long"],"default":null},` +
		`{"name":"day","type":["null",{"type":"int","logicalType":"date"}],"default":null},` +
		`{"name":"took","type":["null",{"type":"long","kafarr.duration_unit":"us"}],"default":null},` +
		`{"name":"pos","type":["null",{"name":"pos","type":"record","fields":[{"name":"x","type":["null","double"],"default":null},{"name":"y","type":["null","double"],"default":null}]}],"default":null},` +
		`{"name":"amount","type":["null",{"type":"bytes","logicalType":"decimal","precision":38,"scale":4}],"default":null}]}`
	if got.String() != want {
		t.Errorf("\n got %s\nwant %s", got, want)
	}
	encDeriveEncodes(t, s, got)
}

// encDeriveEncodes checks that a derived schema takes a batch of its Arrow
// schema: it compiles strictly and encodes an all-null row.
func encDeriveEncodes(t *testing.T, s *arrow.Schema, writer *Schema) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := array.NewRecordBuilder(mem, s)
	defer b.Release()
	for _, fb := range b.Fields() {
		fb.AppendNull()
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	enc, err := CompileEncoder(s, writer, EncoderOptions{Coerce: CoerceStrict})
	if err != nil {
		t.Fatal(err)
	}
	got, err := enc.AppendRow(nil, rec, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Repeat("\x00", s.NumFields()); string(got) != want {
		t.Errorf("all-null row: got % x, want %d zero bytes", got, s.NumFields())
	}
}

// TestDeriveNames: nested records are named after their field in the
// record's namespace, unique, and identical ones are defined once.
func TestDeriveNames(t *testing.T) {
	leg := arrow.StructOf(arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Int32})
	s := arrow.NewSchema([]arrow.Field{
		{Name: "leg", Type: leg},
		{Name: "other", Type: arrow.StructOf(arrow.Field{Name: "leg", Type: leg}, arrow.Field{Name: "id", Type: &arrow.FixedSizeBinaryType{ByteWidth: 4}})},
		{Name: "third", Type: arrow.StructOf(arrow.Field{Name: "leg", Type: arrow.StructOf(arrow.Field{Name: "y", Type: arrow.PrimitiveTypes.Int32})})},
		{Name: "Order", Type: arrow.StructOf(arrow.Field{Name: "id", Type: &arrow.FixedSizeBinaryType{ByteWidth: 8}})},
	}, nil)
	got, err := DeriveSchema(s, "com.acme.Order")
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"name":"com.acme.Order","type":"record","fields":[` +
		`{"name":"leg","type":{"name":"com.acme.leg","type":"record","fields":[{"name":"x","type":"int"}]}},` +
		`{"name":"other","type":{"name":"com.acme.other","type":"record","fields":[{"name":"leg","type":"com.acme.leg"},{"name":"id","type":{"name":"com.acme.id","type":"fixed","size":4}}]}},` +
		`{"name":"third","type":{"name":"com.acme.third","type":"record","fields":[{"name":"leg","type":{"name":"com.acme.leg_2","type":"record","fields":[{"name":"y","type":"int"}]}}]}},` +
		`{"name":"Order","type":{"name":"com.acme.Order_2","type":"record","fields":[{"name":"id","type":{"name":"com.acme.id_2","type":"fixed","size":8}}]}}]}`
	if got.String() != want {
		t.Errorf("\n got %s\nwant %s", got, want)
	}
}

// TestDeriveDefaults recovers field defaults from kafarr's metadata; a
// non-null default puts the null branch last, where the default still
// belongs to the first branch.
func TestDeriveDefaults(t *testing.T) {
	orig := MustParse(`{"type":"record","name":"R","fields":[
	 {"name":"a","type":"int","default":7},
	 {"name":"b","type":["null","string"],"default":null},
	 {"name":"c","type":["string","null"],"default":"x"},
	 {"name":"d","type":{"type":"record","name":"S","fields":[{"name":"e","type":"long","default":-1},{"name":"f","type":["null","long"],"default":null}]}}]}`)
	as, err := ArrowSchema(orig, MapOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := DeriveSchema(as, "R")
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"name":"R","type":"record","fields":[` +
		`{"name":"a","type":["int","null"],"default":7},` +
		`{"name":"b","type":["null","string"],"default":null},` +
		`{"name":"c","type":["string","null"],"default":"x"},` +
		`{"name":"d","type":["null",{"name":"S","type":"record","fields":[{"name":"e","type":"long","default":-1},{"name":"f","type":["null","long"],"default":null}]}],"default":null}]}`
	if got.String() != want {
		t.Errorf("\n got %s\nwant %s", got, want)
	}
	// A default that does not fit the derived type is dropped.
	bad := arrow.NewMetadata([]string{MetaDefault}, []string{`"text"`})
	s := arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64, Metadata: bad}}, nil)
	d, err := DeriveSchema(s, "R")
	if err != nil {
		t.Fatal(err)
	}
	if d.Fields[0].HasDefault {
		t.Errorf("kept default %v for a long", d.Fields[0].Default)
	}
}

// TestDeriveErrors refuses what has no faithful Avro form, naming the
// column.
func TestDeriveErrors(t *testing.T) {
	tests := []struct {
		name   string
		fields []arrow.Field
		record string
		want   string
	}{
		{"space in name", []arrow.Field{{Name: "bid price", Type: arrow.PrimitiveTypes.Float64}}, "R",
			`column "bid price": the name is not a valid Avro name: it must start with a letter or "_" and hold only letters, digits and "_"`},
		{"leading digit", []arrow.Field{{Name: "2nd", Type: arrow.PrimitiveTypes.Float64}}, "R",
			`column "2nd": the name is not a valid Avro name: it must start with a letter or "_" and hold only letters, digits and "_"`},
		{"empty name", []arrow.Field{{Name: "", Type: arrow.PrimitiveTypes.Float64}}, "R",
			`the name is not a valid Avro name: it must start with a letter or "_" and hold only letters, digits and "_"`},
		{"nested bad name", []arrow.Field{{Name: "q", Type: arrow.StructOf(arrow.Field{Name: "a-b", Type: arrow.PrimitiveTypes.Int32})}}, "R",
			`column "q.a-b": the name is not a valid Avro name: it must start with a letter or "_" and hold only letters, digits and "_"`},
		{"duplicate", []arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int32}, {Name: "a", Type: arrow.PrimitiveTypes.Int64}}, "R",
			`column "a": two columns have this name`},
		{"int keys", []arrow.Field{{Name: "m", Type: arrow.MapOf(arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int32)}}, "R",
			`column "m": map<int32, int32, items_nullable> has no Avro equivalent: Avro map keys are strings`},
		{"negative scale", []arrow.Field{{Name: "d", Type: &arrow.Decimal128Type{Precision: 5, Scale: -2}}}, "R",
			`column "d": decimal(5, -2) has no Avro decimal: Avro needs a precision of 1 to 76 and a scale between 0 and the precision`},
		{"run end encoded", []arrow.Field{{Name: "r", Type: arrow.RunEndEncodedOf(arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int64)}}, "R",
			`column "r": Arrow type run_end_encoded<run_ends: int32, values: int64> has no Avro equivalent`},
		{"list item", []arrow.Field{{Name: "l", Type: arrow.ListOf(arrow.RunEndEncodedOf(arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int64))}}, "R",
			`column "l[]": Arrow type run_end_encoded<run_ends: int32, values: int64> has no Avro equivalent`},
		{"bad record name", []arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int32}}, "com.1acme.R",
			`record name "com.1acme.R" is not a valid Avro full name: dot-separated names, each a letter or "_" followed by letters, digits and "_"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DeriveSchema(arrow.NewSchema(tt.fields, nil), tt.record)
			var ee *EncodeError
			if !errors.As(err, &ee) {
				t.Fatalf("got %v, want an *EncodeError", err)
			}
			if err.Error() != tt.want {
				t.Errorf("\n got %s\nwant %s", err, tt.want)
			}
		})
	}
}

// TestDeriveFromRead derives schemas back from what kafarr's reader
// produces for random schemas: with the metadata, the result equals the
// original up to what Arrow cannot say (the position of null in a union,
// the size of a fixed decimal, top-level nullability), and it takes the
// reader's batches under coerce=strict.
func TestDeriveFromRead(t *testing.T) {
	r := rand.New(rand.NewSource(11))
	for i := 0; i < 300; i++ {
		text := randomSchema(r, 3)
		s := MustParse(text)
		mode := UnionStruct
		if i%2 == 1 {
			mode = UnionDense
		}
		as, err := ArrowSchema(s, MapOptions{UnionMode: mode})
		if err != nil {
			t.Fatal(err)
		}
		d, err := DeriveSchema(as, s.Name)
		if err != nil {
			t.Fatalf("schema %d: %v\n%s", i, err, text)
		}
		codec, err := goavro.NewCodec(d.String())
		if err != nil {
			t.Fatalf("goavro rejects the derived %s: %v", d, err)
		}
		for k, f := range s.Fields {
			want := encLoose(f.Type, true)
			got := encLoose(d.Fields[k].Type, true)
			if got != want {
				t.Fatalf("schema %d field %s:\n got %s\nwant %s\noriginal %s\nderived  %s", i, f.Name, got, want, text, d)
			}
		}
		enc, err := CompileEncoder(as, d, EncoderOptions{Coerce: CoerceStrict})
		if err != nil {
			t.Fatalf("schema %d: the derived schema does not take the reader's batches: %v\n%s", i, err, d)
		}
		// A batch as the reader would return it encodes, and goavro reads
		// every row back with the derived schema.
		func() {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			rec, _ := encRandomBatch(t, mem, r, s, as, 4)
			defer rec.Release()
			if err := enc.Check(rec); err != nil {
				t.Fatalf("schema %d: %v\n%s", i, err, d)
			}
			for row := 0; row < int(rec.NumRows()); row++ {
				buf, err := enc.AppendRow(nil, rec, row)
				if err != nil {
					t.Fatalf("schema %d row %d: %v", i, row, err)
				}
				if _, rest, err := codec.NativeFromBinary(buf); err != nil || len(rest) != 0 {
					t.Fatalf("schema %d row %d: goavro cannot read it back: %v (%d bytes left)\n%s", i, row, err, len(rest), d)
				}
			}
		}()
	}
}

// encLoose renders a schema for comparison up to what an Arrow round trip
// loses: unions as sorted branch sets, fixed decimals without their size;
// at the top, null branches are dropped, since every column is nullable.
func encLoose(s *Schema, top bool) string {
	if top && s.Type == TypeUnion {
		// Top-level columns are always nullable: compare the non-null
		// branches, and a single one as itself.
		var rest []*Schema
		for _, b := range s.Branches {
			if b.Type != TypeNull {
				rest = append(rest, b)
			}
		}
		if len(rest) == 1 {
			return encLoose(rest[0], false)
		}
		s = &Schema{Type: TypeUnion, Branches: rest}
	}
	var out string
	switch s.Type {
	case TypeUnion:
		parts := make([]string, len(s.Branches))
		for i, b := range s.Branches {
			parts[i] = encLoose(b, false)
		}
		sort.Strings(parts)
		return "union{" + strings.Join(parts, ",") + "}"
	case TypeRecord:
		parts := make([]string, len(s.Fields))
		for i, f := range s.Fields {
			parts[i] = f.Name + ":" + encLoose(f.Type, false)
		}
		out = "record " + s.Name + "{" + strings.Join(parts, ",") + "}"
	case TypeEnum:
		out = "enum " + s.Name + strings.Join(s.Symbols, "|")
	case TypeFixed:
		out = "fixed " + s.Name
		if s.Logical != LogicalDecimal {
			out += "/" + strconv.Itoa(s.Size)
		}
	case TypeArray:
		out = "array<" + encLoose(s.Items, false) + ">"
	case TypeMap:
		out = "map<" + encLoose(s.Values, false) + ">"
	default:
		out = s.Type.String()
	}
	if s.Logical != "" {
		out += "." + s.Logical
	}
	if s.Logical == LogicalDecimal {
		out += "(" + strconv.Itoa(s.Precision) + "," + strconv.Itoa(s.Scale) + ")"
	}
	return out
}
