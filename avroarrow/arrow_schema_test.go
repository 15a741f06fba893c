package avroarrow

import (
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

func TestArrowTypeMapping(t *testing.T) {
	tests := []struct {
		avro     string
		mode     UnionMode
		want     string // arrow.DataType.String()
		nullable bool
		meta     map[string]string // expected metadata of the field
	}{
		{avro: `"null"`, want: "null", nullable: true},
		{avro: `"boolean"`, want: "bool"},
		{avro: `"int"`, want: "int32"},
		{avro: `"long"`, want: "int64"},
		{avro: `"float"`, want: "float32"},
		{avro: `"double"`, want: "float64"},
		{avro: `"bytes"`, want: "binary"},
		{avro: `"string"`, want: "utf8"},
		{avro: `{"type":"fixed","name":"a.F","size":7}`, want: "fixed_size_binary[7]",
			meta: map[string]string{MetaAvroType: "fixed", MetaName: "a.F"}},
		{avro: `{"type":"enum","name":"E","namespace":"n","symbols":["A","B"]}`, want: "dictionary<values=utf8, indices=int32, ordered=false>",
			meta: map[string]string{MetaAvroType: "enum", MetaName: "n.E", MetaSymbols: `["A","B"]`}},
		{avro: `{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":["null","string"]}]}`,
			want: "struct<a: int32, b: utf8 nullable>", meta: map[string]string{MetaAvroType: "record", MetaName: "R"}},
		{avro: `{"type":"array","items":"long"}`, want: "list<item: int64>"},
		{avro: `{"type":"array","items":["null","long"]}`, want: "list<item: int64, nullable>"},
		{avro: `{"type":"map","values":"double"}`, want: "map<utf8, float64, items_non_nullable>"},
		{avro: `{"type":"map","values":["double","null"]}`, want: "map<utf8, float64, items_nullable>"},
		{avro: `["null","string"]`, want: "utf8", nullable: true},
		{avro: `["string","null"]`, want: "utf8", nullable: true},
		{avro: `["null",{"type":"enum","name":"E","symbols":["X"]}]`, want: "dictionary<values=utf8, indices=int32, ordered=false>", nullable: true,
			meta: map[string]string{MetaAvroType: "enum", MetaName: "E", MetaSymbols: `["X"]`}},
		{avro: `["string"]`, want: "struct<string: utf8 nullable>", meta: map[string]string{MetaAvroType: "union"}},
		{avro: `["int","string"]`, want: "struct<int: int32 nullable, string: utf8 nullable>", meta: map[string]string{MetaAvroType: "union"}},
		{avro: `["null","int",{"type":"record","name":"x.R","fields":[]}]`, want: "struct<int: int32 nullable, x.R: struct<> nullable>", nullable: true,
			meta: map[string]string{MetaAvroType: "union"}},
		{avro: `["null","int","string"]`, mode: UnionDense, want: "dense_union<null: type=null, nullable=0, int: type=int32, nullable=1, string: type=utf8, nullable=2>", nullable: true,
			meta: map[string]string{MetaAvroType: "union"}},
		{avro: `["int","string"]`, mode: UnionDense, want: "dense_union<int: type=int32, nullable=0, string: type=utf8, nullable=1>",
			meta: map[string]string{MetaAvroType: "union"}},
		{avro: `{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}`, want: "decimal(9, 2)",
			meta: map[string]string{MetaAvroType: "bytes", MetaLogicalType: "decimal"}},
		{avro: `{"type":"bytes","logicalType":"decimal","precision":39,"scale":3}`, want: "decimal256(39, 3)",
			meta: map[string]string{MetaAvroType: "bytes", MetaLogicalType: "decimal"}},
		{avro: `{"type":"fixed","name":"D","size":8,"logicalType":"decimal","precision":18,"scale":4}`, want: "decimal(18, 4)",
			meta: map[string]string{MetaAvroType: "fixed", MetaLogicalType: "decimal", MetaName: "D"}},
		{avro: `{"type":"string","logicalType":"uuid"}`, want: "utf8", meta: map[string]string{MetaAvroType: "string", MetaLogicalType: "uuid"}},
		{avro: `{"type":"fixed","name":"U","size":16,"logicalType":"uuid"}`, want: "utf8",
			meta: map[string]string{MetaAvroType: "fixed", MetaLogicalType: "uuid", MetaName: "U"}},
		{avro: `{"type":"int","logicalType":"date"}`, want: "date32", meta: map[string]string{MetaAvroType: "int", MetaLogicalType: "date"}},
		{avro: `{"type":"int","logicalType":"time-millis"}`, want: "time32[ms]", meta: map[string]string{MetaAvroType: "int", MetaLogicalType: "time-millis"}},
		{avro: `{"type":"long","logicalType":"time-micros"}`, want: "time64[us]", meta: map[string]string{MetaAvroType: "long", MetaLogicalType: "time-micros"}},
		{avro: `{"type":"long","logicalType":"timestamp-millis"}`, want: "timestamp[ms, tz=UTC]"},
		{avro: `{"type":"long","logicalType":"timestamp-micros"}`, want: "timestamp[us, tz=UTC]"},
		{avro: `{"type":"long","logicalType":"timestamp-nanos"}`, want: "timestamp[ns, tz=UTC]"},
		{avro: `{"type":"long","logicalType":"local-timestamp-millis"}`, want: "timestamp[ms]"},
		{avro: `{"type":"long","logicalType":"local-timestamp-micros"}`, want: "timestamp[us]"},
		{avro: `{"type":"long","logicalType":"local-timestamp-nanos"}`, want: "timestamp[ns]",
			meta: map[string]string{MetaAvroType: "long", MetaLogicalType: "local-timestamp-nanos"}},
		{avro: `{"type":"fixed","name":"Dur","size":12,"logicalType":"duration"}`, want: "month_day_nano_interval",
			meta: map[string]string{MetaAvroType: "fixed", MetaLogicalType: "duration", MetaName: "Dur"}},
	}
	for _, tt := range tests {
		t.Run(tt.avro, func(t *testing.T) {
			s := MustParse(`{"type":"record","name":"Top","fields":[{"name":"x","type":{"type":"array","items":` + tt.avro + `}}]}`)
			schema, err := ArrowSchema(s, MapOptions{UnionMode: tt.mode})
			if err != nil {
				t.Fatal(err)
			}
			// The item field of a list carries the nested mapping with its
			// own nullability; the top-level column is always nullable.
			if !schema.Field(0).Nullable {
				t.Errorf("top-level column is not nullable")
			}
			f := schema.Field(0).Type.(*arrow.ListType).ElemField()
			if got := f.Type.String(); got != tt.want {
				t.Errorf("type %s, want %s", got, tt.want)
			}
			if f.Nullable != tt.nullable {
				t.Errorf("nullable %v, want %v", f.Nullable, tt.nullable)
			}
			for k, v := range tt.meta {
				if got, ok := f.Metadata.GetValue(k); !ok || got != v {
					t.Errorf("metadata %s = %q, want %q", k, got, v)
				}
			}
			if tt.meta != nil && f.Metadata.Len() != len(tt.meta) {
				t.Errorf("metadata %v, want exactly %v", f.Metadata, tt.meta)
			}
			dt, err := ArrowType(MustParse(tt.avro), MapOptions{UnionMode: tt.mode})
			if err != nil {
				t.Fatal(err)
			}
			if !arrow.TypeEqual(dt, f.Type) {
				t.Errorf("ArrowType %s differs from the field's %s", dt, f.Type)
			}
		})
	}
}

func TestArrowSchemaColumns(t *testing.T) {
	s := MustParse(`{"type":"record","name":"Order","fields":[
		{"name":"id","type":"long"},
		{"name":"note","type":["null","string"],"default":null},
		{"name":"qty","type":"int","default":1},
		{"name":"side","type":{"type":"enum","name":"Side","symbols":["BUY","SELL"],"default":"BUY"},"default":"SELL"}]}`)
	schema, err := ArrowSchema(s, MapOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name, typ string
		meta      map[string]string
	}{
		{"id", "int64", nil},
		{"note", "utf8", map[string]string{MetaDefault: "null"}},
		{"qty", "int32", map[string]string{MetaDefault: "1"}},
		{"side", "dictionary<values=utf8, indices=int32, ordered=false>", map[string]string{
			MetaAvroType: "enum", MetaName: "Side", MetaSymbols: `["BUY","SELL"]`, MetaDefault: `"SELL"`}},
	}
	if schema.NumFields() != len(want) {
		t.Fatalf("%d columns, want %d", schema.NumFields(), len(want))
	}
	for i, w := range want {
		f := schema.Field(i)
		if f.Name != w.name || f.Type.String() != w.typ || !f.Nullable || f.Metadata.Len() != len(w.meta) {
			t.Errorf("column %d: got %s", i, f)
		}
		for k, v := range w.meta {
			if got, _ := f.Metadata.GetValue(k); got != v {
				t.Errorf("column %s metadata %s = %q, want %q", f.Name, k, got, v)
			}
		}
	}

	// A reader schema other than a record is one column named "value".
	schema, err = ArrowSchema(MustParse(`"string"`), MapOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if schema.NumFields() != 1 || schema.Field(0).Name != ValueColumnName || !schema.Field(0).Nullable ||
		schema.Field(0).Type.ID() != arrow.STRING {
		t.Errorf("string reader: got %s", schema)
	}
}

func TestArrowSchemaRecursive(t *testing.T) {
	s := MustParse(`{"type":"record","name":"Node","fields":[{"name":"v","type":"int"},{"name":"next","type":["null","Node"]}]}`)
	_, err := ArrowSchema(s, MapOptions{})
	var se *SchemaError
	if !errors.As(err, &se) {
		t.Fatalf("got %v, want a SchemaError", err)
	}
	if !strings.Contains(err.Error(), `recursive type "Node" cannot be mapped to Arrow`) || se.Path != "next" {
		t.Errorf("got %v (path %q)", err, se.Path)
	}
	// Projecting away the recursive field leaves a mappable schema.
	dec, err := CompileDecoder(s, s, DecoderOptions{Projection: []string{"v"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := dec.Schema().String(); got != "schema:\n  fields: 1\n    - v: type=int32, nullable" {
		t.Errorf("projected schema %s", got)
	}
}
