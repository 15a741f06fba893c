package jsonarrow

import (
	"errors"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/extensions"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/kafarr/kafarr/avroarrow"
)

// rtCol is one column of the round-trip table: its Arrow field, its values
// as arrow-go's JSON form (array.FromJSON), and what each row reads back
// as (goValue) after derive -> FromJSONSchema -> encode -> decode.
type rtCol struct {
	f    arrow.Field
	data string
	want []any
}

func ts(v int64) arrow.Timestamp { return arrow.Timestamp(v) }

var roundTripCols = []rtCol{
	{arrow.Field{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true}, `[true,false,null,true]`, []any{true, false, nil, true}},
	{arrow.Field{Name: "i8", Type: arrow.PrimitiveTypes.Int8, Nullable: true}, `[-128,127,null,0]`, []any{int64(-128), int64(127), nil, int64(0)}},
	{arrow.Field{Name: "i16", Type: arrow.PrimitiveTypes.Int16, Nullable: true}, `[-32768,32767,null,1]`, []any{int64(-32768), int64(32767), nil, int64(1)}},
	{arrow.Field{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true}, `[-2147483648,2147483647,null,-1]`, []any{int64(math.MinInt32), int64(math.MaxInt32), nil, int64(-1)}},
	{arrow.Field{Name: "i64", Type: arrow.PrimitiveTypes.Int64}, `[-9223372036854775808,9223372036854775807,9007199254740993,0]`, []any{int64(math.MinInt64), int64(math.MaxInt64), int64(9007199254740993), int64(0)}},
	{arrow.Field{Name: "u8", Type: arrow.PrimitiveTypes.Uint8, Nullable: true}, `[0,255,null,1]`, []any{int64(0), int64(255), nil, int64(1)}},
	{arrow.Field{Name: "u16", Type: arrow.PrimitiveTypes.Uint16, Nullable: true}, `[0,65535,null,1]`, []any{int64(0), int64(65535), nil, int64(1)}},
	{arrow.Field{Name: "u32", Type: arrow.PrimitiveTypes.Uint32, Nullable: true}, `[0,4294967295,null,1]`, []any{int64(0), int64(4294967295), nil, int64(1)}},
	{arrow.Field{Name: "u64", Type: arrow.PrimitiveTypes.Uint64, Nullable: true}, `[0,9223372036854775807,null,1]`, []any{int64(0), int64(math.MaxInt64), nil, int64(1)}},
	{arrow.Field{Name: "f32", Type: arrow.PrimitiveTypes.Float32, Nullable: true}, `[0.5,-1.25,null,3.4028235e38]`, []any{0.5, -1.25, nil, 3.4028235e38}},
	{arrow.Field{Name: "f32small", Type: arrow.PrimitiveTypes.Float32, Nullable: true}, `[1e-45,0.1,null,-0.0]`, []any{1e-45, 0.1, nil, 0.0}},
	{arrow.Field{Name: "f64", Type: arrow.PrimitiveTypes.Float64, Nullable: true}, `[1.7976931348623157e308,5e-324,null,0.1]`, []any{math.MaxFloat64, 5e-324, nil, 0.1}},
	{arrow.Field{Name: "f64b", Type: arrow.PrimitiveTypes.Float64}, `[1e21,1e-7,123456789012345680000,-2.5]`, []any{1e21, 1e-7, 123456789012345680000.0, -2.5}},
	{arrow.Field{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		`["", "h\u00e9llo \"q\" \\ \n\t\u0001\u001f \u2028\u2029 \ud83d\ude00 \u007f", null, "<&>/"]`,
		[]any{"", "héllo \"q\" \\ \n\t\x01\x1f \u2028\u2029 😀 \x7f", nil, "<&>/"}},
	{arrow.Field{Name: "ls", Type: arrow.BinaryTypes.LargeString, Nullable: true}, `["a",null,"","\u00fc"]`, []any{"a", nil, "", "ü"}},
	{arrow.Field{Name: "sv", Type: arrow.BinaryTypes.StringView, Nullable: true}, `["a long string beyond twelve bytes",null,"","x"]`, []any{"a long string beyond twelve bytes", nil, "", "x"}},
	{arrow.Field{Name: "bin", Type: arrow.BinaryTypes.Binary, Nullable: true}, `["AAEC/w==",null,"","+/8="]`, []any{"AAEC/w==", nil, "", "+/8="}},
	{arrow.Field{Name: "fsb", Type: &arrow.FixedSizeBinaryType{ByteWidth: 3}, Nullable: true}, `["AAEC","////",null,"YWJj"]`, []any{"AAEC", "////", nil, "YWJj"}},
	{arrow.Field{Name: "d32", Type: arrow.FixedWidthTypes.Date32, Nullable: true}, `[-719528,2932896,null,0]`, []any{arrow.Date32(-719528), arrow.Date32(2932896), nil, arrow.Date32(0)}},
	{arrow.Field{Name: "d64", Type: arrow.FixedWidthTypes.Date64, Nullable: true}, `[86400000,-86400000,null,0]`, []any{arrow.Date32(1), arrow.Date32(-1), nil, arrow.Date32(0)}},
	{arrow.Field{Name: "ts_s", Type: &arrow.TimestampType{Unit: arrow.Second, TimeZone: "UTC"}, Nullable: true}, `[0,-62167219200,null,253402300799]`, []any{ts(0), ts(-62167219200e6), nil, ts(253402300799e6)}},
	{arrow.Field{Name: "ts_ms", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "Europe/Paris"}, Nullable: true}, `[1700000000123,-1,null,0]`, []any{ts(1700000000123000), ts(-1000), nil, ts(0)}},
	{arrow.Field{Name: "ts_us", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true}, `[1700000000123456,-1,null,253402300799999999]`, []any{ts(1700000000123456), ts(-1), nil, ts(253402300799999999)}},
	{arrow.Field{Name: "ts_ns", Type: &arrow.TimestampType{Unit: arrow.Nanosecond}, Nullable: true}, `[1700000000123456789,-1,null,1000]`, []any{ts(1700000000123456), ts(-1), nil, ts(1)}},
	{arrow.Field{Name: "t32", Type: arrow.FixedWidthTypes.Time32ms, Nullable: true}, `[0,86399999,null,1]`, []any{int64(0), int64(86399999), nil, int64(1)}},
	{arrow.Field{Name: "t64", Type: arrow.FixedWidthTypes.Time64ns, Nullable: true}, `[0,86399999999999,null,1]`, []any{int64(0), int64(86399999999999), nil, int64(1)}},
	{arrow.Field{Name: "dur", Type: arrow.FixedWidthTypes.Duration_us, Nullable: true}, `[-5,9223372036854775807,null,0]`, []any{int64(-5), int64(math.MaxInt64), nil, int64(0)}},
	{arrow.Field{Name: "dec", Type: &arrow.Decimal128Type{Precision: 20, Scale: 4}, Nullable: true}, `["123.4500","-0.0001",null,"9999999999999999.9999"]`, []any{123.45, -0.0001, nil, 9999999999999999.9999}},
	{arrow.Field{Name: "dec256", Type: &arrow.Decimal256Type{Precision: 60, Scale: 2}, Nullable: true}, `["-1.5","0",null,"12345678901234567890123456789012345678901234567890.12"]`, []any{-1.5, 0.0, nil, 12345678901234567890123456789012345678901234567890.12}},
	{arrow.Field{Name: "li", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64), Nullable: true}, `[[1,null,3],[],null,[0]]`, []any{[]any{int64(1), nil, int64(3)}, []any{}, nil, []any{int64(0)}}},
	{arrow.Field{Name: "lls", Type: arrow.LargeListOf(arrow.BinaryTypes.String), Nullable: true}, `[["a","\u00e9"],[],null,[null]]`, []any{[]any{"a", "é"}, []any{}, nil, []any{nil}}},
	{arrow.Field{Name: "fsl", Type: arrow.FixedSizeListOfNonNullable(2, arrow.PrimitiveTypes.Float64), Nullable: true}, `[[1.5,2],[0,-1],null,[3,4]]`, []any{[]any{1.5, 2.0}, []any{0.0, -1.0}, nil, []any{3.0, 4.0}}},
	{arrow.Field{Name: "st", Type: arrow.StructOf(arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int64}, arrow.Field{Name: "b", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "in", Type: arrow.StructOf(arrow.Field{Name: "x", Type: arrow.FixedWidthTypes.Boolean, Nullable: true}), Nullable: true}), Nullable: true},
		`[{"a":1,"b":"x","in":{"x":true}},{"a":2,"b":null,"in":null},null,{"a":-1,"b":"","in":{"x":null}}]`,
		[]any{map[string]any{"a": int64(1), "b": "x", "in": map[string]any{"x": true}}, map[string]any{"a": int64(2), "b": nil, "in": nil}, nil,
			map[string]any{"a": int64(-1), "b": "", "in": map[string]any{"x": nil}}}},
	{arrow.Field{Name: "m", Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64), Nullable: true},
		`[[{"key":"k","value":1},{"key":"\"q\"","value":2}],[],null,[{"key":"\u00e9","value":null}]]`,
		[]any{map[string]any{"k": int64(1), `"q"`: int64(2)}, map[string]any{}, nil, map[string]any{"é": nil}}},
	{arrow.Field{Name: "js", Type: arrow.BinaryTypes.String, Nullable: true, Metadata: arrow.NewMetadata([]string{MetaType}, []string{TypeJSONText})},
		`["{\"x\":[1,2]}","\"s\"",null,"1.5"]`, []any{map[string]any{"x": []any{jsonNum("1"), jsonNum("2")}}, "s", nil, jsonNum("1.5")}},
	{arrow.Field{Name: "nul", Type: arrow.Null, Nullable: true}, `[null,null,null,null]`, []any{nil, nil, nil, nil}},
}

// roundTripBatch builds the table's record, plus a uuid, an enum and a
// plain dictionary column built by hand.
func roundTripBatch(t *testing.T, mem memory.Allocator) (arrow.RecordBatch, [][]any) {
	t.Helper()
	var fields []arrow.Field
	var cols []arrow.Array
	var want [][]any
	for _, c := range roundTripCols {
		arr, _, err := array.FromJSON(mem, c.f.Type, strings.NewReader(c.data))
		if err != nil {
			t.Fatalf("%s: %v", c.f.Name, err)
		}
		fields, cols, want = append(fields, c.f), append(cols, arr), append(want, c.want)
	}
	ub := extensions.NewUUIDBuilder(mem)
	defer ub.Release()
	for _, s := range []string{"00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff", "", "0123abcd-4567-89ef-0123-456789abcdef"} {
		if s == "" {
			ub.AppendNull()
		} else if err := ub.AppendValueFromString(s); err != nil {
			t.Fatal(err)
		}
	}
	fields = append(fields, arrow.Field{Name: "uuid", Type: extensions.NewUUIDType(), Nullable: true})
	cols = append(cols, ub.NewArray())
	want = append(want, []any{"00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff", nil, "0123abcd-4567-89ef-0123-456789abcdef"})

	dt := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	for _, enum := range []bool{true, false} {
		db := array.NewDictionaryBuilder(mem, dt).(*array.BinaryDictionaryBuilder)
		for _, s := range []string{"BUY", "SELL", "", "BUY"} {
			if s == "" {
				db.AppendNull()
			} else if err := db.AppendString(s); err != nil {
				t.Fatal(err)
			}
		}
		f := arrow.Field{Name: "dict", Type: dt, Nullable: true}
		if enum {
			f.Name, f.Metadata = "enum", arrow.NewMetadata([]string{avroarrow.MetaSymbols}, []string{`["BUY","SELL","HOLD"]`})
		}
		fields, cols = append(fields, f), append(cols, db.NewArray())
		want = append(want, []any{"BUY", "SELL", nil, "BUY"})
		db.Release()
	}
	rec := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, 4)
	for _, c := range cols {
		c.Release()
	}
	return rec, want
}

// TestEncodeRoundTrip derives a JSON Schema from columns of every type,
// maps it back with FromJSONSchema, encodes every row against it (and as
// plain JSON) and decodes the messages with the JSON decoder: every value
// reads back equal, in the documented form of its type.
func TestEncodeRoundTrip(t *testing.T) {
	mem := testAlloc(t)
	rec, want := roundTripBatch(t, mem)
	defer rec.Release()
	doc, err := DeriveJSONSchema(rec.Schema(), "com.acme.Row")
	if err != nil {
		t.Fatal(err)
	}
	target := mustSchema(t, doc)
	for _, mode := range []string{"schema", "plain"} {
		t.Run(mode, func(t *testing.T) {
			tg := target
			if mode == "plain" {
				tg = nil
			}
			enc, err := CompileEncoder(rec.Schema(), tg, EncoderOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if err := enc.Check(rec); err != nil {
				t.Fatal(err)
			}
			msgs := make([]string, rec.NumRows())
			var buf []byte
			for i := range msgs {
				if buf, err = enc.AppendRow(buf[:0], rec, i); err != nil {
					t.Fatal(err)
				}
				msgs[i] = string(buf)
			}
			got, errs := decodeAll(t, target, msgs...)
			for i := range msgs {
				if errs[i] != "" {
					t.Fatalf("row %d: %s\n%s", i, errs[i], msgs[i])
				}
				for k, f := range rec.Schema().Fields() {
					if g := got[i][f.Name]; !reflect.DeepEqual(g, want[k][i]) {
						t.Errorf("row %d column %s: got %#v, want %#v\n%s", i, f.Name, g, want[k][i], msgs[i])
					}
				}
			}
		})
	}
}

// TestEncodeTexts pins the exact text of the forms the round trip cannot
// see: escapes, float forms, decimal digits, fractions of each unit.
func TestEncodeTexts(t *testing.T) {
	mem := testAlloc(t)
	rec, _ := roundTripBatch(t, mem)
	defer rec.Release()
	enc, err := CompileEncoder(rec.Schema(), nil, EncoderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := enc.AppendRow(nil, rec, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"s":""`, `"f32":0.5`, `"f32small":1e-45`, `"f64":1.7976931348623157e+308`, `"f64b":1e+21`, `"i64":-9223372036854775808`,
		`"bin":"AAEC/w=="`, `"d32":"0000-01-01"`, `"ts_s":"1970-01-01T00:00:00Z"`, `"ts_ms":"2023-11-14T22:13:20.123Z"`,
		`"ts_us":"2023-11-14T22:13:20.123456Z"`, `"ts_ns":"2023-11-14T22:13:20.123456789Z"`, `"dec":123.4500`, `"dec256":-1.50`,
		`"li":[1,null,3]`, `"m":{"k":1,"\"q\"":2}`, `"js":{"x":[1,2]}`, `"nul":null`, `"uuid":"00000000-0000-0000-0000-000000000000"`, `"enum":"BUY"`,
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("row 0 lacks %s:\n%s", want, out)
		}
	}
	out, _ = enc.AppendRow(nil, rec, 1)
	for _, want := range []string{`"s":"h\u00e9llo`, `\"q\" \\ \n\t\u0001\u001f ` + "\u2028\u2029 😀 \x7f\"", `"ts_ms":"1969-12-31T23:59:59.999Z"`, `"f64b":1e-7`, `"dec":-0.0001`} {
		want = strings.Replace(want, `\u00e9`, "é", 1)
		if !strings.Contains(string(out), want) {
			t.Errorf("row 1 lacks %s:\n%s", want, out)
		}
	}
}

// encodeErr compiles (target may be nil) and encodes row of rec, returning
// the error, which must be an *avroarrow.EncodeError.
func encodeErr(t *testing.T, rec arrow.RecordBatch, target *arrow.Schema, mode avroarrow.CoerceMode, row int) string {
	t.Helper()
	enc, err := CompileEncoder(rec.Schema(), target, EncoderOptions{Coerce: mode})
	if err == nil {
		if err = enc.Check(rec); err == nil {
			_, err = enc.AppendRow(nil, rec, row)
		} else if _, aerr := enc.AppendRow(nil, rec, row); aerr == nil {
			t.Fatalf("Check failed (%v) but AppendRow of row %d did not", err, row)
		}
	}
	if err == nil {
		return ""
	}
	var ee *avroarrow.EncodeError
	if !errors.As(err, &ee) {
		t.Fatalf("%T is not an *avroarrow.EncodeError: %v", err, err)
	}
	return err.Error()
}

func oneColumn(t *testing.T, mem memory.Allocator, f arrow.Field, data string) arrow.RecordBatch {
	t.Helper()
	arr, _, err := array.FromJSON(mem, f.Type, strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer arr.Release()
	return array.NewRecordBatch(arrow.NewSchema([]arrow.Field{f}, nil), []arrow.Array{arr}, int64(arr.Len()))
}

// TestEncodeErrors checks each refusal: its message names the column, the
// row and the value, at compile time or for the row.
func TestEncodeErrors(t *testing.T) {
	mem := testAlloc(t)
	obj := func(props string, required ...string) *arrow.Schema {
		r := ""
		if len(required) > 0 {
			r = `,"required":["` + strings.Join(required, `","`) + `"]`
		}
		return mustSchema(t, `{"type":"object","properties":{`+props+`}`+r+`}`)
	}
	i64 := arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Int64, Nullable: true}
	f64 := arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Float64, Nullable: true}
	str := arrow.Field{Name: "x", Type: arrow.BinaryTypes.String, Nullable: true}
	// An Avro timestamp-micros field (FromAvro) has a unit; a JSON Schema
	// date-time has none, and takes every digit.
	usTarget := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.FixedWidthTypes.Timestamp_us, Nullable: true}}, nil)
	for _, tc := range []struct {
		name   string
		f      arrow.Field
		data   string
		target *arrow.Schema
		mode   avroarrow.CoerceMode
		row    int
		want   string
	}{
		{"ok", i64, `[1]`, obj(`"x":{"type":"integer"}`), 0, 0, ""},
		{"column without property", i64, `[1]`, obj(`"y":{"type":"integer"}`), 0, 0, `column "x": the target schema has no property of this name`},
		{"required property without column", i64, `[1]`, obj(`"x":{"type":"integer"},"y":{"type":"string"}`, "y"), 0, 0, `field "y": the property is required but no column has its name`},
		{"null into required", i64, `[1,null]`, obj(`"x":{"type":"integer"}`, "x"), 0, 1, `column "x" row 1: null where the property is required and admits no null (field "x")`},
		{"null into required nullable", i64, `[1,null]`, obj(`"x":{"type":["null","integer"]}`, "x"), 0, 1, ""},
		{"null into optional", i64, `[null]`, obj(`"x":{"type":"integer"}`), 0, 0, ""},
		{"fraction into integer", f64, `[1,2.5]`, obj(`"x":{"type":"integer"}`), 0, 1, `column "x" row 1: value 2.5 is not an integer in the property's range (field "x")`},
		{"huge float into integer", f64, `[1e19]`, obj(`"x":{"type":"integer"}`), 0, 0, `column "x" row 0: value 1e+19 is not an integer in the property's range`},
		{"integral float into integer", f64, `[-3]`, obj(`"x":{"type":"integer"}`), 0, 0, ""},
		{"float into integer strict", f64, `[1]`, obj(`"x":{"type":"integer"}`), avroarrow.CoerceStrict, 0, `column "x": writing float64 to a property that reads as int64 narrows (a value may have a fraction), which coerce mode strict refuses`},
		{"string into integer", str, `["1"]`, obj(`"x":{"type":"integer"}`), 0, 0, `column "x": a column of Arrow type utf8 cannot be written to a property that reads as int64`},
		{"not an enum symbol", str, `["BUY","HOLD"]`, obj(`"x":{"type":"string","enum":["BUY","SELL"]}`), 0, 1, `column "x" row 1: value "HOLD" is not one of the enum's symbols`},
		{"bad JSON text", str, `["[1]","{"]`, obj(`"x":{}`), 0, 1, `column "x" row 1: value "{" is not JSON text`},
		{"uint64 into int64", arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Uint64}, `[18446744073709551615]`, obj(`"x":{"type":"integer"}`), 0, 0, `column "x" row 0: value 18446744073709551615 is out of the property's range`},
		{"uint64 plain", arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Uint64}, `[18446744073709551615]`, nil, 0, 0, ""},
		{"NaN", f64, `[1,"NaN"]`, nil, 0, 1, `column "x" row 1: value NaN has no JSON form (JSON numbers are finite)`},
		{"ns into us strict", arrow.Field{Name: "x", Type: arrow.FixedWidthTypes.Timestamp_ns}, `[1000]`, usTarget, avroarrow.CoerceStrict, 0, `coerce mode strict refuses`},
		{"ns into us exact", arrow.Field{Name: "x", Type: arrow.FixedWidthTypes.Timestamp_ns}, `[1000,1001]`, usTarget, 0, 1, `column "x" row 1: value 1001 has more precision than the property's unit`},
		{"ns into date-time", arrow.Field{Name: "x", Type: arrow.FixedWidthTypes.Timestamp_ns}, `[1001]`, obj(`"x":{"type":"string","format":"date-time"}`), avroarrow.CoerceStrict, 0, ""},
		{"text into date-time", str, `["2024-02-29T10:00:00.5+02:00","2024-02-30T10:00:00Z"]`, obj(`"x":{"type":"string","format":"date-time"}`), 0, 1, `column "x" row 1: value "2024-02-30T10:00:00Z" is not a valid date-time (the property's format)`},
		{"text into date", str, `["2024-02-29","2024-2-1"]`, obj(`"x":{"type":"string","format":"date"}`), 0, 1, `value "2024-2-1" is not a valid date`},
		{"text into uuid", str, `["0123ABCD-4567-89ef-0123-456789abcdef","0123abcd-4567-89ef-0123-456789abcdeg"]`, obj(`"x":{"type":"string","format":"uuid"}`), 0, 1, `is not a valid uuid`},
		{"year 10000", arrow.Field{Name: "x", Type: arrow.FixedWidthTypes.Date32}, `[2932897]`, nil, 0, 0, `column "x" row 0: value 2932897 days is outside the years 0000 to 9999 of RFC 3339`},
		{"date64 not whole day", arrow.Field{Name: "x", Type: arrow.FixedWidthTypes.Date64}, `[1]`, nil, 0, 0, `is not a whole day`},
		{"map with int keys", arrow.Field{Name: "x", Type: arrow.MapOf(arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int32)}, `[]`, nil, 0, 0, `column "x": map<int32, …> has no JSON form`},
		{"list item null", arrow.Field{Name: "x", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64)}, `[[1,null]]`, obj(`"x":{"type":"array","items":{"type":"integer"}}`), 0, 0, `column "x[]" row 0: null where the schema admits no null (field "x[]")`},
		{"nested column without property", arrow.Field{Name: "x", Type: arrow.StructOf(arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int64})}, `[{"a":1}]`, obj(`"x":{"type":"object","properties":{"b":{"type":"integer"}}}`), 0, 0, `column "x.a": the target schema has no property`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := oneColumn(t, mem, tc.f, tc.data)
			defer rec.Release()
			got := encodeErr(t, rec, tc.target, tc.mode, tc.row)
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestEncodeInvalidUTF8 refuses a string that is not UTF-8, naming column,
// row and value, and leaves dst as it was.
func TestEncodeInvalidUTF8(t *testing.T) {
	mem := testAlloc(t)
	b := array.NewStringBuilder(mem)
	b.AppendValues([]string{"ok", "bad \xff byte"}, nil)
	arr := b.NewArray()
	b.Release()
	defer arr.Release()
	rec := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String}}, nil), []arrow.Array{arr}, 2)
	defer rec.Release()
	enc, err := CompileEncoder(rec.Schema(), nil, EncoderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := enc.Check(rec); err == nil || err.Error() != `column "s" row 1: value "bad \xff byte" is not valid UTF-8 (field "s")` {
		t.Fatalf("Check: %v", err)
	}
	dst := []byte("keep")
	out, err := enc.AppendRow(dst, rec, 1)
	if err == nil || string(out) != "keep" {
		t.Fatalf("AppendRow: %q, %v", out, err)
	}
}

// TestEncodeAllocs: a row costs no allocation once dst has room.
func TestEncodeAllocs(t *testing.T) {
	mem := testAlloc(t)
	rec, _ := roundTripBatch(t, mem)
	defer rec.Release()
	doc, err := DeriveJSONSchema(rec.Schema(), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range []*arrow.Schema{nil, mustSchema(t, doc)} {
		enc, err := CompileEncoder(rec.Schema(), target, EncoderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 0, 4096)
		if n := testing.AllocsPerRun(100, func() {
			for i := 0; i < int(rec.NumRows()); i++ {
				if buf, err = enc.AppendRow(buf[:0], rec, i); err != nil {
					t.Fatal(err)
				}
			}
		}); n != 0 {
			t.Errorf("%v allocations per batch", n)
		}
	}
}

// TestEncodeAvroTarget writes columns against an Avro schema given for
// plain JSON (FromAvro): narrower ints, float, bytes and fixed as one code
// point per byte, decimals at the field's scale, times in the field's unit,
// and reads them back equal.
func TestEncodeAvroTarget(t *testing.T) {
	mem := testAlloc(t)
	target, err := FromAvro(avroarrow.MustParse(`{"type":"record","name":"R","fields":[
		{"name":"i","type":"int"},{"name":"f","type":"float"},{"name":"b","type":"bytes"},
		{"name":"x","type":{"type":"fixed","name":"F","size":2}},
		{"name":"dec","type":{"type":"bytes","logicalType":"decimal","precision":10,"scale":3}},
		{"name":"tm","type":{"type":"long","logicalType":"time-micros"}},
		{"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"}},
		{"name":"opt","type":["null","long"],"default":null}]}`))
	if err != nil {
		t.Fatal(err)
	}
	mk := func(dt arrow.DataType, data string) arrow.Array {
		arr, _, err := array.FromJSON(mem, dt, strings.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		return arr
	}
	fields := []arrow.Field{
		{Name: "i", Type: arrow.PrimitiveTypes.Int64}, {Name: "f", Type: arrow.PrimitiveTypes.Float64},
		{Name: "b", Type: arrow.BinaryTypes.Binary}, {Name: "x", Type: &arrow.FixedSizeBinaryType{ByteWidth: 2}},
		{Name: "dec", Type: &arrow.Decimal128Type{Precision: 12, Scale: 5}}, {Name: "tm", Type: arrow.FixedWidthTypes.Time32ms},
		{Name: "ts", Type: arrow.FixedWidthTypes.Timestamp_ns}, {Name: "opt", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	}
	cols := []arrow.Array{
		mk(fields[0].Type, `[2147483647,-2147483648]`), mk(fields[1].Type, `[0.5,-3.25]`),
		mk(fields[2].Type, `["AP+A",""]`), mk(fields[3].Type, `["IgA=","/38="]`),
		mk(fields[4].Type, `["1234567.89000","-0.00100"]`), mk(fields[5].Type, `[86399999,1]`),
		mk(fields[6].Type, `[1700000000123000000,-1000000]`), mk(fields[7].Type, `[null,7]`),
	}
	rec := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, 2)
	for _, c := range cols {
		c.Release()
	}
	defer rec.Release()
	enc, err := CompileEncoder(rec.Schema(), target, EncoderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for i := 0; i < 2; i++ {
		b, err := enc.AppendRow(nil, rec, i)
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, string(b))
	}
	if want := `{"i":2147483647,"f":0.5,"b":"\u0000ÿ\u0080","x":"\"\u0000","dec":1234567.89000,"tm":86399999000,"ts":"2023-11-14T22:13:20.123Z"}`; msgs[0] != strings.Replace(want, `\u0080`, "\u0080", 1) {
		t.Errorf("got  %s\nwant %s", msgs[0], want)
	}
	got, errs := decodeAll(t, target, msgs...)
	for i, e := range errs {
		if e != "" {
			t.Fatalf("row %d: %s", i, e)
		}
	}
	want := []map[string]any{
		{"i": int64(2147483647), "f": 0.5, "b": []byte{0, 0xff, 0x80}, "x": []byte{0x22, 0}, "dec": "1234567.890", "tm": arrow.Time64(86399999000), "ts": ts(1700000000123), "opt": nil},
		{"i": int64(-2147483648), "f": -3.25, "b": []byte{}, "x": []byte{0xff, 0x7f}, "dec": "-0.001", "tm": arrow.Time64(1000), "ts": ts(-1), "opt": int64(7)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %#v\nwant %#v", got, want)
	}
	// Narrowing checks: a value beyond Avro int, a decimal digit beyond
	// the scale.
	for _, tc := range []struct{ col, data, want string }{
		{"i", `[2147483648]`, `column "i" row 0: value 2147483648 is out of the property's range (field "i")`},
		{"dec", `["0.00001"]`, `column "dec" row 0: value 0.00001 does not fit the property's decimal(10, 3) exactly (field "dec")`},
		{"f", `[0.1]`, `column "f" row 0: value 0.1 does not fit float32 exactly (field "f")`},
	} {
		var k int
		for k = range fields {
			if fields[k].Name == tc.col {
				break
			}
		}
		one := oneColumn(t, mem, fields[k], tc.data)
		sub := arrow.NewSchema([]arrow.Field{target.Field(k)}, nil)
		if got := encodeErr(t, one, sub, avroarrow.CoerceExact, 0); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.col, got, tc.want)
		}
		one.Release()
	}
}

// TestEncodeDictionaryNullValue: a dictionary whose value (not index) is
// null leaves an optional property out, like any null.
func TestEncodeDictionaryNullValue(t *testing.T) {
	mem := testAlloc(t)
	dt := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}
	dict, _, err := array.FromJSON(mem, arrow.BinaryTypes.String, strings.NewReader(`["a",null]`))
	if err != nil {
		t.Fatal(err)
	}
	defer dict.Release()
	idx, _, err := array.FromJSON(mem, arrow.PrimitiveTypes.Int8, strings.NewReader(`[0,1]`))
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Release()
	arr := array.NewDictionaryArray(dt, idx, dict)
	defer arr.Release()
	rec := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "x", Type: dt, Nullable: true}}, nil), []arrow.Array{arr}, 2)
	defer rec.Release()
	for target, want := range map[string]string{
		`{"type":"object","properties":{"x":{"type":"string"}}}`:                           `{}`,
		`{"type":"object","properties":{"x":{"type":["null","string"]}},"required":["x"]}`: `{"x":null}`,
	} {
		enc, err := CompileEncoder(rec.Schema(), mustSchema(t, target), EncoderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		out, err := enc.AppendRow(nil, rec, 1)
		if err != nil || string(out) != want {
			t.Errorf("%s: got %s, %v; want %s", target, out, err, want)
		}
	}
}

// TestEncodeRootNotObject: a target whose root is one value takes a
// "value" column (or the only column) as the message; one that takes any
// object, or a map, takes every column as a member.
func TestEncodeRootNotObject(t *testing.T) {
	mem := testAlloc(t)
	i64 := arrow.PrimitiveTypes.Int64
	build := func(names ...string) arrow.RecordBatch {
		var fields []arrow.Field
		var cols []arrow.Array
		for k, name := range names {
			arr, _, err := array.FromJSON(mem, i64, strings.NewReader(`[`+strconv.Itoa(k+1)+`,null]`))
			if err != nil {
				t.Fatal(err)
			}
			defer arr.Release()
			fields, cols = append(fields, arrow.Field{Name: name, Type: i64, Nullable: true}), append(cols, arr)
		}
		return array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, 2)
	}
	for _, tc := range []struct {
		schema string
		cols   []string
		want   [2]string // rows 0 and 1, or the error
	}{
		{`{"type":"integer"}`, []string{"value"}, [2]string{`1`, `column "value" row 1: null where the schema admits no null`}},
		{`{"type":"integer"}`, []string{"value", "other"}, [2]string{`column "other": the target's message is the single value of column "value": this column has no place in it`}},
		{`{"type":["integer","null"]}`, []string{"n"}, [2]string{`1`, `null`}},
		{`{"type":"object"}`, []string{"a", "b"}, [2]string{`{"a":1,"b":2}`, `{"a":null,"b":null}`}},
		{`true`, []string{"value"}, [2]string{`1`, `null`}},
		{`{"type":"object","additionalProperties":{"type":"integer"}}`, []string{"a", "b"}, [2]string{`{"a":1,"b":2}`, `{}`}},
		{`{"type":"object","additionalProperties":{"type":["integer","null"]}}`, []string{"a"}, [2]string{`{"a":1}`, `{"a":null}`}},
		{`{"type":"array","items":{"type":"integer"}}`, []string{"a", "b"}, [2]string{`the target schema is not an object of properties: its message is one list<item: int64>, so the batch needs one column or one named "value", not 2 columns`}},
	} {
		rec := build(tc.cols...)
		enc, err := CompileEncoder(rec.Schema(), mustSchema(t, tc.schema), EncoderOptions{})
		var got [2]string
		if err != nil {
			got[0] = err.Error()
		} else {
			for i := range 2 {
				out, err := enc.AppendRow(nil, rec, i)
				if got[i] = string(out); err != nil {
					got[i] = err.Error()
				}
			}
		}
		if !strings.HasPrefix(got[0], tc.want[0]) || !strings.HasPrefix(got[1], tc.want[1]) {
			t.Errorf("%s %v: got %q, want %q", tc.schema, tc.cols, got, tc.want)
		}
		rec.Release()
	}
}
