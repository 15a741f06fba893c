package ingest_test

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/kafarr/kafarr/avroarrow"
)

// ingRichSchema has a field for every row of the type table (SPEC §3.7).
const ingRichSchema = `{"type":"record","name":"Rich","namespace":"kafarr.test","fields":[
 {"name":"n","type":"null"},
 {"name":"b","type":"boolean"},
 {"name":"i","type":"int"},
 {"name":"l","type":"long"},
 {"name":"f","type":"float"},
 {"name":"d","type":"double"},
 {"name":"by","type":"bytes"},
 {"name":"s","type":"string"},
 {"name":"fx","type":{"type":"fixed","name":"Fx4","size":4}},
 {"name":"nested","type":{"type":"record","name":"Inner","fields":[
   {"name":"x","type":"long"},
   {"name":"tag","type":["null","string"],"default":null},
   {"name":"deep","type":{"type":"record","name":"Deep","fields":[{"name":"ok","type":"boolean"}]}}]}},
 {"name":"arr","type":{"type":"array","items":"long"}},
 {"name":"recs","type":{"type":"array","items":"Deep"}},
 {"name":"mp","type":{"type":"map","values":"double"}},
 {"name":"en","type":{"type":"enum","name":"Color","symbols":["RED","GREEN","BLUE"]}},
 {"name":"dec","type":{"type":"bytes","logicalType":"decimal","precision":10,"scale":3}},
 {"name":"decfx","type":{"type":"fixed","name":"Dec8","size":8,"logicalType":"decimal","precision":12,"scale":2}},
 {"name":"bigdec","type":{"type":"bytes","logicalType":"decimal","precision":40,"scale":5}},
 {"name":"uid","type":{"type":"string","logicalType":"uuid"}},
 {"name":"dt","type":{"type":"int","logicalType":"date"}},
 {"name":"tms","type":{"type":"int","logicalType":"time-millis"}},
 {"name":"tus","type":{"type":"long","logicalType":"time-micros"}},
 {"name":"tsms","type":{"type":"long","logicalType":"timestamp-millis"}},
 {"name":"tsus","type":{"type":"long","logicalType":"timestamp-micros"}},
 {"name":"tsns","type":{"type":"long","logicalType":"timestamp-nanos"}},
 {"name":"ltms","type":{"type":"long","logicalType":"local-timestamp-millis"}},
 {"name":"ltus","type":{"type":"long","logicalType":"local-timestamp-micros"}},
 {"name":"ltns","type":{"type":"long","logicalType":"local-timestamp-nanos"}},
 {"name":"dur","type":{"type":"fixed","name":"Dur","size":12,"logicalType":"duration"}},
 {"name":"u","type":["null","long","string","Inner"]},
 {"name":"u2","type":["boolean","double"]},
 {"name":"nl","type":["null","long"],"default":null},
 {"name":"ns","type":["string","null"]},
 {"name":"nrec","type":["null","Inner"]},
 {"name":"nts","type":["null",{"type":"long","logicalType":"timestamp-micros"}]},
 {"name":"narr","type":["null",{"type":"array","items":["null","string"]}]},
 {"name":"nmap","type":["null",{"type":"map","values":{"type":"array","items":"int"}}]}
]}`

// ingRichRows covers each type with ordinary and edge values, and every
// union branch including null.
const ingRichRows = `[
{"n":null,"b":true,"i":-7,"l":9007199254740993,"f":1.5,"d":-2.25,"by":"AAEC","s":"héllo","fx":"AQIDBA==",
 "nested":{"x":1,"tag":"a","deep":{"ok":true}},"arr":[1,2,3],"recs":[{"ok":true},{"ok":false}],"mp":[{"key":"k","value":0.5},{"key":"j","value":-1e300}],"en":"GREEN",
 "dec":"1234.567","decfx":"-99.01","bigdec":"123456789012345678901234567890.12345","uid":"0b6c6ad4-7b8e-4b6e-9a0e-3c2f1e4d5a6b",
 "dt":19000,"tms":3600000,"tus":3600000001,"tsms":1704164645678,"tsus":1704164645678901,"tsns":1704164645678901234,
 "ltms":1704164645678,"ltus":1704164645678901,"ltns":1704164645678901234,"dur":{"months":1,"days":2,"nanoseconds":3000000},
 "u":{"long":5},"u2":{"boolean":true},"nl":7,"ns":"x","nrec":{"x":2,"tag":null,"deep":{"ok":false}},"nts":-1,"narr":["a",null],"nmap":[{"key":"a","value":[1,2]}]},
{"n":null,"b":false,"i":2147483647,"l":-9223372036854775808,"f":-0.0,"d":1e-300,"by":"","s":"","fx":"AAAAAA==",
 "nested":{"x":-1,"tag":null,"deep":{"ok":false}},"arr":[],"recs":[],"mp":[],"en":"RED",
 "dec":"-0.001","decfx":"9999999999.99","bigdec":"-99999999999999999999999999999999999.99999","uid":"FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF",
 "dt":-1,"tms":0,"tus":86399999999,"tsms":-1,"tsus":0,"tsns":-1,
 "ltms":0,"ltus":-1,"ltns":0,"dur":{"months":0,"days":0,"nanoseconds":0},
 "u":{"string":"s"},"u2":{"double":2.5},"nl":null,"ns":null,"nrec":null,"nts":null,"narr":null,"nmap":null},
{"n":null,"b":true,"i":-2147483648,"l":0,"f":3.4028235e38,"d":0,"by":"/w==","s":"日本","fx":"/////w==",
 "nested":{"x":0,"tag":"","deep":{"ok":true}},"arr":[-1],"recs":[{"ok":true}],"mp":[{"key":"","value":0}],"en":"BLUE",
 "dec":"0.000","decfx":"0.00","bigdec":"0.00000","uid":"00000000-0000-0000-0000-000000000000",
 "dt":0,"tms":86399999,"tus":0,"tsms":0,"tsus":-1,"tsns":0,
 "ltms":-1,"ltus":0,"ltns":-1,"dur":{"months":2147483647,"days":2147483647,"nanoseconds":4294967295000000},
 "u":{"kafarr.test.Inner":{"x":3,"tag":"t","deep":{"ok":true}}},"u2":{"boolean":false},"nl":-1,"ns":"","nrec":{"x":4,"tag":"z","deep":{"ok":true}},"nts":1,"narr":[],"nmap":[]},
{"n":null,"b":false,"i":0,"l":1,"f":0,"d":0,"by":"AA==","s":"z","fx":"AAAAAQ==",
 "nested":{"x":5,"tag":null,"deep":{"ok":true}},"arr":[0],"recs":[],"mp":[],"en":"RED",
 "dec":"1.000","decfx":"1.00","bigdec":"1.00000","uid":"00000000-0000-0000-0000-000000000001",
 "dt":1,"tms":1,"tus":1,"tsms":1,"tsus":1,"tsns":1,"ltms":1,"ltus":1,"ltns":1,"dur":{"months":0,"days":1,"nanoseconds":0},
 "u":null,"u2":{"double":-0.5},"nl":0,"ns":"y","nrec":null,"nts":0,"narr":[null],"nmap":[{"key":"e","value":[]}]}
]`

// TestIngestTypesRoundTrip ingests a frame through an explicitly registered
// schema with every Avro type, then reads it back through the driver:
// types as the type table says, values exactly as written.
func TestIngestTypesRoundTrip(t *testing.T) {
	ingStacks(t, func(t *testing.T, e *ingestEnv) {
		topic := e.topic(t)
		subject := topic + "-rich"
		e.register(t, subject, ingRichSchema)
		// The frame is built in the types kafarr reads the schema as,
		// so that what comes back must equal what went in.
		avro := avroarrow.MustParse(ingRichSchema)
		schema, err := avroarrow.ArrowSchema(avro, avroarrow.MapOptions{})
		if err != nil {
			t.Fatal(err)
		}
		rec := ingFromJSON(t, e.mem, schema, ingRichRows)
		e.mustIngest(t, topic, rec, map[string]string{"kafarr.ingest.value_subject": subject})

		got, rows := e.query(t, ingSelect(topic), map[string]string{"kafarr.read.metadata_columns": "none", "kafarr.value.subject": subject})
		ingEqualRows(t, rows, ingJSONRows(t, rec))

		want := map[string]string{
			"n": "null", "b": "bool", "i": "int32", "l": "int64", "f": "float32", "d": "float64",
			"by": "binary", "s": "utf8", "fx": "fixed_size_binary[4]",
			"nested": "struct<x: int64, tag: utf8, deep: struct<ok: bool>>",
			"arr":    "list<item: int64>", "recs": "list<item: struct<ok: bool>>", "mp": "map<utf8, float64, items_non_nullable>",
			"en":  "dictionary<values=utf8, indices=int32, ordered=false>",
			"dec": "decimal(10, 3)", "decfx": "decimal(12, 2)", "bigdec": "decimal256(40, 5)",
			"uid": "utf8", "dt": "date32", "tms": "time32[ms]", "tus": "time64[us]",
			"tsms": "timestamp[ms, tz=UTC]", "tsus": "timestamp[us, tz=UTC]", "tsns": "timestamp[ns, tz=UTC]",
			"ltms": "timestamp[ms]", "ltus": "timestamp[us]", "ltns": "timestamp[ns]",
			"dur": "month_day_nano_interval",
			"u":   "struct<long: int64, string: utf8, kafarr.test.Inner: struct<x: int64, tag: utf8, deep: struct<ok: bool>>>",
			"u2":  "struct<boolean: bool, double: float64>",
			"nl":  "int64", "ns": "utf8", "nrec": "struct<x: int64, tag: utf8, deep: struct<ok: bool>>",
			"nts": "timestamp[us, tz=UTC]", "narr": "list<item: utf8>", "nmap": "map<utf8, list<item: int32>, items_non_nullable>",
		}
		if got.NumFields() != len(want) {
			t.Fatalf("read back %d columns, want %d: %s", got.NumFields(), len(want), got)
		}
		for _, f := range got.Fields() {
			// Nullability is not part of the table; compare types
			// without it.
			if s := typeName(f.Type); s != want[f.Name] {
				t.Errorf("column %s read back as %s, want %s", f.Name, s, want[f.Name])
			}
		}
		if uid := got.Field(got.FieldIndices("uid")[0]); !uid.HasMetadata() || uid.Metadata.Values()[uid.Metadata.FindKey(avroarrow.MetaLogicalType)] != "uuid" {
			t.Errorf("uid column metadata %v does not mark uuid", uid.Metadata)
		}
	})
}

// typeName renders a type with every nested field made non-nullable, so
// that types compare regardless of nullability flags.
func typeName(dt arrow.DataType) string {
	return stripNullable(dt).String()
}

func stripNullable(dt arrow.DataType) arrow.DataType {
	switch t := dt.(type) {
	case *arrow.StructType:
		fs := make([]arrow.Field, t.NumFields())
		for i, f := range t.Fields() {
			fs[i] = arrow.Field{Name: f.Name, Type: stripNullable(f.Type)}
		}
		return arrow.StructOf(fs...)
	case *arrow.MapType:
		m := arrow.MapOf(stripNullable(t.KeyType()), stripNullable(t.ItemType()))
		m.SetItemNullable(false)
		return m
	case *arrow.ListType:
		return arrow.ListOfNonNullable(stripNullable(t.Elem()))
	}
	return dt
}
