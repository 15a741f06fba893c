package jsonarrow

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/kafarr/kafarr/avroarrow"
)

// row is shorthand for an expected row.
type row = map[string]any

// decodeCase is messages decoded with one schema: the rows of those that
// decode, in order, and each message's error ("" when it decodes).
type decodeCase struct {
	name   string
	schema string // a JSON Schema
	msgs   []string
	rows   []row
	errs   []string
}

func runDecodeCases(t *testing.T, tests []decodeCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errs := decodeAll(t, mustSchema(t, tt.schema), tt.msgs...)
			if tt.rows == nil {
				tt.rows = []row{}
			}
			if !reflect.DeepEqual(got, tt.rows) {
				t.Errorf("rows:\n got %#v\nwant %#v", got, tt.rows)
			}
			want := tt.errs
			if want == nil {
				want = make([]string, len(tt.msgs))
			}
			for i := range errs {
				if errs[i] != want[i] {
					t.Errorf("message %d %q:\n got error %q\nwant %q", i, tt.msgs[i], errs[i], want[i])
				}
			}
		})
	}
}

const tickJSONSchema = `{"type":"object","properties":{"inst":{"type":"string"},"t":{"type":"integer"},
	"dt":{"type":"integer"},"bid":{"type":"number"},"ask":{"type":"number"}},"required":["inst"]}`

func TestDecodeObjects(t *testing.T) {
	runDecodeCases(t, []decodeCase{
		{name: "tick", schema: tickJSONSchema,
			msgs: []string{`{"inst":"EUR/USD","t":1700000000123,"dt":17,"bid":1.0712,"ask":1.0714}`},
			rows: []row{{"inst": "EUR/USD", "t": int64(1700000000123), "dt": int64(17), "bid": 1.0712, "ask": 1.0714}}},
		{name: "any order, whitespace, unknown properties skipped", schema: tickJSONSchema,
			msgs: []string{" \t\r\n{ \"ask\" : 2 , \"x\":{\"y\":[1,{\"z\":null}],\"w\":\"\\u0041\"}, \"inst\":\"A\",\"extra\":[[],{}] ,\"t\":-5 }\n"},
			rows: []row{{"inst": "A", "t": int64(-5), "dt": nil, "bid": nil, "ask": 2.0}}},
		{name: "missing properties are null, a missing required one is an error", schema: tickJSONSchema,
			msgs: []string{`{"inst":"A"}`, `{"t":1}`, `{}`},
			rows: []row{{"inst": "A", "t": nil, "dt": nil, "bid": nil, "ask": nil}},
			errs: []string{"", `property "inst": required property is missing at byte 6`, `property "inst": required property is missing at byte 1`}},
		{name: "a repeated property: the last one wins", schema: `{"type":"object","properties":{"a":{"type":"integer"},
			"s":{"type":"object","properties":{"x":{"type":"string"}}},"l":{"type":"array","items":{"type":"integer"}}}}`,
			msgs: []string{`{"a":1,"s":{"x":"p","x":"q"},"l":[1,2],"a":2,"l":[3],"s":{"x":"r"}}`, `{"a":3,"a":null}`},
			rows: []row{{"a": int64(2), "s": row{"x": "r"}, "l": []any{int64(3)}}, {"a": nil, "s": nil, "l": nil}}},
		{name: "null message and null values", schema: tickJSONSchema,
			msgs: []string{`null`, ` null `, `{"inst":"A","t":null,"bid":null}`},
			rows: []row{{"inst": nil, "t": nil, "dt": nil, "bid": nil, "ask": nil}, {"inst": nil, "t": nil, "dt": nil, "bid": nil, "ask": nil},
				{"inst": "A", "t": nil, "dt": nil, "bid": nil, "ask": nil}}},
		{name: "not an object", schema: tickJSONSchema,
			msgs: []string{`[]`, `"x"`, `1`, `true`, ``, `   `},
			errs: []string{"expected object, got array at byte 0", "expected object, got string at byte 0", "expected object, got number at byte 0",
				"expected object, got boolean at byte 0", "unexpected end of data, expected a value at byte 0", "unexpected end of data, expected a value at byte 3"}},
		{name: "property names with escapes", schema: `{"type":"object","properties":{"a\"b":{"type":"integer"},"é":{"type":"integer"},"tab\t":{"type":"integer"}}}`,
			msgs: []string{`{"a\"b":1,"\u00e9":2,"tab\t":3}`, `{"\u0061\u0022\u0062":4,"é":5,"x\ty":0}`},
			rows: []row{{"a\"b": int64(1), "é": int64(2), "tab\t": int64(3)}, {"a\"b": int64(4), "é": int64(5), "tab\t": nil}}},
		{name: "nested objects", schema: `{"type":"object","properties":{"o":{"type":"object","properties":{
			"p":{"type":"object","properties":{"v":{"type":"number"}},"required":["v"]},"q":{"type":"string"}}}}}`,
			msgs: []string{`{"o":{"q":"x","p":{"v":1.5}}}`, `{"o":{"p":null}}`, `{"o":null}`, `{"o":{"p":{}}}`, `{"o":{"p":{"v":"1"}}}`},
			rows: []row{{"o": row{"p": row{"v": 1.5}, "q": "x"}}, {"o": row{"p": nil, "q": nil}}, {"o": nil}},
			errs: []string{"", "", "", `property "o.p.v": required property is missing at byte 11`, `property "o.p.v": expected number, got string at byte 15`}},
	})
}

func TestDecodeScalars(t *testing.T) {
	runDecodeCases(t, []decodeCase{
		{name: "integers", schema: `{"type":"object","properties":{"i":{"type":"integer"}}}`,
			msgs: []string{`{"i":0}`, `{"i":-0}`, `{"i":9223372036854775807}`, `{"i":-9223372036854775808}`, `{"i":1.0}`, `{"i":2e3}`,
				`{"i":12.50e1}`, `{"i":-1E+2}`, `{"i":0.0e99999999999}`, `{"i":123456789012345678}`,
				`{"i":9223372036854775808}`, `{"i":-9223372036854775809}`, `{"i":1.5}`, `{"i":1e-1}`, `{"i":1e400}`, `{"i":"1"}`, `{"i":true}`,
				`{"i":01}`, `{"i":-}`, `{"i":1.}`, `{"i":+1}`, `{"i":.5}`, `{"i":1e}`},
			rows: []row{{"i": int64(0)}, {"i": int64(0)}, {"i": int64(math.MaxInt64)}, {"i": int64(math.MinInt64)}, {"i": int64(1)}, {"i": int64(2000)},
				{"i": int64(125)}, {"i": int64(-100)}, {"i": int64(0)}, {"i": int64(123456789012345678)}},
			errs: []string{"", "", "", "", "", "", "", "", "", "",
				`property "i": 9223372036854775808 is out of range for int64 at byte 5`,
				`property "i": -9223372036854775809 is out of range for int64 at byte 5`,
				`property "i": 1.5 is not an integer at byte 5`, `property "i": 1e-1 is not an integer at byte 5`,
				`property "i": 1e400 is out of range at byte 5`,
				`property "i": expected integer, got string at byte 5`, `property "i": expected integer, got boolean at byte 5`,
				`invalid character '1', expected ',' or '}' at byte 6`, `property "i": invalid character '}', expected a digit at byte 6`,
				`property "i": invalid character '}', expected a digit at byte 7`, `property "i": invalid character '+', expected a value at byte 5`,
				`property "i": invalid character '.', expected a value at byte 5`, `property "i": invalid character '}', expected a digit at byte 7`}},
		{name: "numbers", schema: `{"type":"object","properties":{"f":{"type":"number"}}}`,
			msgs: []string{`{"f":1}`, `{"f":-0.0}`, `{"f":1.0712}`, `{"f":6.02214076e23}`, `{"f":1e-400}`, `{"f":0.1}`,
				`{"f":123456789012345678901234567890}`, `{"f":2.2250738585072011e-308}`, `{"f":9007199254740993}`,
				`{"f":1e309}`, `{"f":NaN}`, `{"f":Infinity}`, `{"f":-Infinity}`, `{"f":"1"}`},
			rows: []row{{"f": 1.0}, {"f": math.Copysign(0, -1)}, {"f": 1.0712}, {"f": 6.02214076e23}, {"f": 0.0}, {"f": 0.1},
				{"f": 123456789012345678901234567890.0}, {"f": 2.2250738585072011e-308}, {"f": 9007199254740992.0}},
			errs: []string{"", "", "", "", "", "", "", "", "",
				`property "f": 1e309 is out of range for float64 at byte 5`,
				`property "f": invalid character 'N', expected a value at byte 5`, `property "f": invalid character 'I', expected a value at byte 5`,
				`property "f": invalid character 'I', expected a digit at byte 6`, `property "f": expected number, got string at byte 5`}},
		{name: "strings", schema: `{"type":"object","properties":{"s":{"type":"string"}}}`,
			msgs: []string{`{"s":""}`, `{"s":"a\"b\\c\/d\b\f\n\r\t"}`, `{"s":"\u00e9\u20AC\ud83d\ude00"}`, `{"s":"\ud800x\udc00\ud83d"}`,
				`{"s":"é€😀 plain UTF-8 over eight bytes long"}`, `{"s":"\u0000"}`,
				"{\"s\":\"a\xffb\"}", "{\"s\":\"\xc3\"}", "{\"s\":\"a\nb\"}", `{"s":"\x"}`, `{"s":"\u12"}`, `{"s":"abc`, `{"s":1}`},
			rows: []row{{"s": ""}, {"s": "a\"b\\c/d\b\f\n\r\t"}, {"s": "é€😀"}, {"s": "\ufffdx\ufffd\ufffd"},
				{"s": "é€😀 plain UTF-8 over eight bytes long"}, {"s": "\x00"}},
			errs: []string{"", "", "", "", "", "",
				`property "s": invalid UTF-8 in a string at byte 7`, `property "s": invalid UTF-8 in a string at byte 6`,
				`property "s": control character 0x0a in a string at byte 7`, `property "s": invalid escape "\\x" in a string at byte 6`,
				`property "s": invalid \u escape in a string at byte 6`, `property "s": unexpected end of data in a string at byte 9`,
				`property "s": expected string, got number at byte 5`}},
		{name: "booleans and null", schema: `{"type":"object","properties":{"b":{"type":"boolean"},"n":{"type":"null"}}}`,
			msgs: []string{`{"b":true,"n":null}`, `{"b":false}`, `{"b":tru}`, `{"b":1}`, `{"n":false}`, `{"b":nul}`},
			rows: []row{{"b": true, "n": nil}, {"b": false, "n": nil}},
			errs: []string{"", "", `property "b": invalid character 't', expected a value at byte 5`, `property "b": expected boolean, got number at byte 5`,
				`property "n": expected null, got boolean at byte 5`, `property "b": invalid character 'n', expected a value at byte 5`}},
		{name: "formats", schema: `{"type":"object","properties":{"ts":{"type":"string","format":"date-time"},
			"d":{"type":"string","format":"date"},"u":{"type":"string","format":"uuid"}}}`,
			msgs: []string{`{"ts":"2023-11-14T22:13:20.123456Z","d":"2024-02-29","u":"0f8fad5b-d9cb-469f-a165-70867728950e"}`,
				`{"ts":"1970-01-01T01:00:00+01:00","d":"1969-12-31"}`, `{"ts":"2023-11-14 22:13:20.123456789-00:30"}`,
				`{"ts":"2023-11-14t22:13:20z"}`, `{"ts":1700000000123456,"d":19000}`,
				`{"ts":"2023-11-14"}`, `{"ts":"2023-11-14T25:00:00Z"}`, `{"ts":"2023-11-14T22:13:60Z"}`, `{"ts":"2023-11-14T22:13:20"}`,
				`{"d":"2023-02-29"}`, `{"d":"2023-1-1"}`, `{"ts":true}`},
			rows: []row{{"ts": arrow.Timestamp(1700000000123456), "d": arrow.Date32(19782), "u": "0f8fad5b-d9cb-469f-a165-70867728950e"},
				{"ts": arrow.Timestamp(0), "d": arrow.Date32(-1), "u": nil},
				{"ts": arrow.Timestamp(1700001800123456), "d": nil, "u": nil},
				{"ts": arrow.Timestamp(1700000000000000), "d": nil, "u": nil},
				{"ts": arrow.Timestamp(1700000000123456), "d": arrow.Date32(19000), "u": nil}},
			errs: []string{"", "", "", "", "",
				`property "ts": "2023-11-14" is not an RFC 3339 date-time at byte 6`,
				`property "ts": "2023-11-14T25:00:00Z" is not an RFC 3339 date-time at byte 6`,
				`property "ts": "2023-11-14T22:13:60Z" is not an RFC 3339 date-time at byte 6`,
				`property "ts": "2023-11-14T22:13:20" is not an RFC 3339 date-time at byte 6`,
				`property "d": "2023-02-29" is not a date (YYYY-MM-DD) at byte 5`,
				`property "d": "2023-1-1" is not a date (YYYY-MM-DD) at byte 5`,
				`property "ts": expected date-time, got boolean at byte 6`}},
		{name: "enums", schema: `{"type":"object","properties":{"e":{"type":"string","enum":["BUY","SELL"]}}}`,
			msgs: []string{`{"e":"SELL"}`, `{"e":"\u0042UY"}`, `{"e":null}`, `{"e":"HOLD"}`, `{"e":1}`},
			rows: []row{{"e": "SELL"}, {"e": "BUY"}, {"e": nil}},
			errs: []string{"", "", "", `property "e": "HOLD" is not one of the enum's symbols at byte 5`, `property "e": expected string, got number at byte 5`}},
		{name: "JSON text", schema: `{"type":"object","properties":{"j":{},"k":{"type":["string","integer"]}}}`,
			msgs: []string{`{"j":{"a": [1, "x", null]},"k":"s"}`, `{"j":3.5e1,"k":7}`, `{"j":null,"k":[true]}`, `{"j":{"a":}}`},
			rows: []row{{"j": map[string]any{"a": []any{json.Number("1"), "x", nil}}, "k": "s"},
				{"j": json.Number("3.5e1"), "k": json.Number("7")}, {"j": nil, "k": []any{true}}},
			errs: []string{"", "", "", `property "j": invalid character '}', expected a value at byte 10`}},
	})
}

func TestDecodeNested(t *testing.T) {
	runDecodeCases(t, []decodeCase{
		{name: "lists", schema: `{"type":"object","properties":{"l":{"type":"array","items":{"type":"integer"}},
			"o":{"type":"array","items":{"type":"object","properties":{"v":{"type":["number","null"]}},"required":["v"]}}}}`,
			msgs: []string{`{"l":[],"o":[]}`, `{"l":[1, 2 ,3],"o":[{"v":1},{"v":null}]}`, `{"l":null}`,
				`{"l":[1,null]}`, `{"o":[{"v":1},{}]}`, `{"l":[1,"2"]}`, `{"l":[1,]}`, `{"l":[1 2]}`, `{"l":{}}`},
			rows: []row{{"l": []any{}, "o": []any{}}, {"l": []any{int64(1), int64(2), int64(3)}, "o": []any{row{"v": 1.0}, row{"v": nil}}},
				{"l": nil, "o": nil}},
			errs: []string{"", "", "", `property "l[1]": expected integer, got null at byte 8`,
				`property "o[1].v": required property is missing at byte 15`, `property "l[1]": expected integer, got string at byte 8`,
				`property "l[1]": invalid character ']', expected a value at byte 8`, `property "l": invalid character '2', expected ',' or ']' at byte 8`,
				`property "l": expected array, got object at byte 5`}},
		{name: "maps", schema: `{"type":"object","properties":{"m":{"type":"object","additionalProperties":{"type":["integer","null"]}}}}`,
			msgs: []string{`{"m":{}}`, `{"m":{"a":1,"b\n":null}}`, `{"m":{"a":"x"}}`, `{"m":[]}`,
				`{"m":{"` + strings.Repeat(`\u00e9`, 30) + `":"x"}}`},
			rows: []row{{"m": map[string]any{}}, {"m": map[string]any{"a": int64(1), "b\n": nil}}},
			errs: []string{"", "", `property "m["a"]": expected integer, got string at byte 10`, `property "m": expected object, got array at byte 5`,
				`property "m["` + strings.Repeat("é", 30) + `"]": expected integer, got string at byte 189`}},
		{name: "root value", schema: `{"type":"array","items":{"type":"string"}}`,
			msgs: []string{`["a","b"]`, `null`, `[]`, `{}`},
			rows: []row{{"value": []any{"a", "b"}}, {"value": nil}, {"value": []any{}}},
			errs: []string{"", "", "", "expected array, got object at byte 0"}},
	})
}

// TestDecodeRepeatedNestedRollsBack checks that a repeated property whose
// first value filled nested columns leaves no stray items behind.
func TestDecodeRepeatedNestedRollsBack(t *testing.T) {
	schema := mustSchema(t, `{"type":"object","properties":{"l":{"type":"array","items":{"type":"object","properties":{
		"m":{"type":"object","additionalProperties":{"type":"array","items":{"type":"integer"}}}}}}}}`)
	got, _ := decodeAll(t, schema,
		`{"l":[{"m":{"a":[1,2]}},{"m":{"b":[3]}}],"l":[{"m":{"c":[4]}}]}`,
		`{"l":[{"m":{"a":[1,2]}}],"l":[{"m":{"x":[5]}},{"m":{"y":[1,2,"no"]}}]}`,
		`{"l":[{"m":{"d":[6]}}]}`)
	want := []row{{"l": []any{row{"m": map[string]any{"c": []any{int64(4)}}}}}, {"l": []any{row{"m": map[string]any{"d": []any{int64(6)}}}}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v\nwant %#v", got, want)
	}
}

// TestDecodeAvroSchema reads plain JSON with an inline Avro schema
// (kafarr.value.schema as Avro): every Avro type's Arrow column, defaults
// for missing fields, required fields, unions by kind of value.
func TestDecodeAvroSchema(t *testing.T) {
	avro := `{"type":"record","name":"R","fields":[
		{"name":"i","type":"int"},{"name":"l","type":["null","long"],"default":null},{"name":"f","type":"float","default":1.5},
		{"name":"d","type":"double","default":0},{"name":"s","type":"string","default":"dflt"},{"name":"b","type":"bytes","default":"\u00ff"},
		{"name":"x","type":{"type":"fixed","name":"F","size":2},"default":"ab"},
		{"name":"e","type":{"type":"enum","name":"E","symbols":["A","B"]},"default":"B"},
		{"name":"u","type":["null","string","long","double",{"type":"record","name":"P","fields":[{"name":"p","type":"int","default":7}]}],"default":null},
		{"name":"dec","type":{"type":"bytes","logicalType":"decimal","precision":6,"scale":2},"default":"\u0000"},
		{"name":"tm","type":{"type":"int","logicalType":"time-millis"},"default":0},
		{"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"},"default":0},
		{"name":"dt","type":{"type":"int","logicalType":"date"},"default":0},
		{"name":"a","type":{"type":"array","items":"int"},"default":[]},
		{"name":"m","type":{"type":"map","values":"boolean"},"default":{}}]}`
	s, err := FromAvro(avroarrow.MustParse(avro))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := describe(s), `i: int32? {json.required=true}
l: int64? {avro.default=null}
f: float32? {avro.default=1.5}
d: float64? {avro.default=0}
s: utf8? {avro.default="dflt"}
b: binary? {avro.default="ÿ"}
x: fixed_size_binary[2]? {avro.default="ab" avro.name=F avro.type=fixed}
e: dictionary<values=utf8, indices=int32, ordered=false>? {avro.default="B" avro.name=E avro.symbols=["A","B"] avro.type=enum}
u: struct? {avro.default=null avro.type=union}
  string: utf8?
  long: int64?
  double: float64?
  P: struct? {avro.name=P avro.type=record}
    p: int32 {avro.default=7}
dec: decimal(6, 2)? {avro.default="\u0000" avro.logical_type=decimal avro.type=bytes}
tm: time32[ms]? {avro.default=0 avro.logical_type=time-millis avro.type=int}
ts: timestamp[ms, tz=UTC]? {avro.default=0 avro.logical_type=timestamp-millis avro.type=long}
dt: date32? {avro.default=0 avro.logical_type=date avro.type=int}
a: list? {avro.default=[]}
  item: int32
m: map? {avro.default={}}
  key: utf8
  value: bool
`; got != want {
		t.Errorf("schema:\n%s\nwant\n%s", got, want)
	}
	got, errs := decodeAll(t, s,
		`{"i":-2147483648}`,
		`{"i":1,"l":5,"f":0.1,"d":2,"s":"x","b":"\u0000A\u00e9","x":"\u00ffz","e":"A","u":"str","dec":"-1234.5","tm":86399999,
			"ts":"2023-11-14T22:13:20.123999Z","dt":"2024-01-01","a":[1,2],"m":{"k":true}}`,
		`{"i":2,"u":42,"dec":12.25,"ts":1700000000123}`, `{"i":3,"u":4.5}`, `{"i":4,"u":{}}`, `{"i":5,"u":{"p":1}}`,
		`{}`, `{"i":2147483648}`, `{"i":1,"b":"\u0100"}`, `{"i":1,"x":"abc"}`, `{"i":1,"u":true}`, `{"i":1,"dec":1.234}`,
		`{"i":1,"dec":10000}`, `{"i":1,"tm":86400000}`, `{"i":1,"f":1e39}`, `{"i":1,"e":"C"}`, `{"i":1,"dec":"1e"}`)
	defaults := func(r row) row {
		base := row{"i": nil, "l": nil, "f": 1.5, "d": 0.0, "s": "dflt", "b": []byte{0xff}, "x": []byte("ab"), "e": "B", "u": nil,
			"dec": "0.00", "tm": arrow.Time32(0), "ts": arrow.Timestamp(0), "dt": arrow.Date32(0), "a": []any{}, "m": map[string]any{}}
		for k, v := range r {
			base[k] = v
		}
		return base
	}
	union := func(s, l, d, p any) row { return row{"string": s, "long": l, "double": d, "P": p} }
	want := []row{
		defaults(row{"i": int64(math.MinInt32)}),
		{"i": int64(1), "l": int64(5), "f": float64(float32(0.1)), "d": 2.0, "s": "x", "b": []byte{0, 'A', 0xe9}, "x": []byte{0xff, 'z'}, "e": "A",
			"u": union("str", nil, nil, nil), "dec": "-1234.50", "tm": arrow.Time32(86399999), "ts": arrow.Timestamp(1700000000123),
			"dt": arrow.Date32(19723), "a": []any{int64(1), int64(2)}, "m": map[string]any{"k": true}},
		defaults(row{"i": int64(2), "u": union(nil, int64(42), nil, nil), "dec": "12.25", "ts": arrow.Timestamp(1700000000123)}),
		defaults(row{"i": int64(3), "u": union(nil, nil, 4.5, nil)}),
		defaults(row{"i": int64(4), "u": union(nil, nil, nil, row{"p": int64(7)})}),
		defaults(row{"i": int64(5), "u": union(nil, nil, nil, row{"p": int64(1)})}),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rows:\n got %#v\nwant %#v", got, want)
	}
	wantErrs := []string{"", "", "", "", "", "",
		`property "i": required property is missing at byte 1`,
		`property "i": 2147483648 is out of range for int32 at byte 5`,
		`property "b": a character above U+00FF in a binary value (one byte per character, as in Avro's JSON encoding) at byte 11`,
		`property "x": a fixed value of 3 bytes, want 2 at byte 11`,
		`property "u": expected a value of the union, got boolean at byte 11`,
		`property "dec": 1.234 has more than 2 decimal places at byte 13`,
		`property "dec": 10000 is out of range for decimal(6, 2) at byte 13`,
		`property "tm": 86400000 is out of range for time32[ms] at byte 12`,
		`property "f": 1e39 is out of range for float32 at byte 11`,
		`property "e": "C" is not one of the enum's symbols at byte 11`,
		`property "dec": "1e" is not a decimal number at byte 13`,
	}
	for i := range errs {
		if errs[i] != wantErrs[i] {
			t.Errorf("message %d: got error %q, want %q", i, errs[i], wantErrs[i])
		}
	}

	// A non-record reader schema reads the whole message as its column.
	s, err = FromAvro(avroarrow.MustParse(`{"type":"array","items":"string"}`))
	if err != nil {
		t.Fatal(err)
	}
	got, _ = decodeAll(t, s, `["a"]`)
	if want := []row{{"value": []any{"a"}}}; !reflect.DeepEqual(got, want) {
		t.Errorf("array schema: got %#v", got)
	}
	if _, err := FromAvro(avroarrow.MustParse(`{"type":"record","name":"D","fields":[{"name":"d","type":{"type":"fixed","name":"X","size":12,"logicalType":"duration"}}]}`)); err == nil ||
		err.Error() != "json schema: at d: kafarr reads no JSON into Arrow type month_day_nano_interval" {
		t.Errorf("duration: got %v", err)
	}
}

// TestDecodeChecksBuilder refuses a builder made for other columns.
func TestDecodeChecksBuilder(t *testing.T) {
	dec, err := NewDecoder(mustSchema(t, tickJSONSchema), Options{})
	if err != nil {
		t.Fatal(err)
	}
	bb, err := avroarrow.NewBatchBuilder(testAlloc(t), mustSchema(t, `{"type":"object","properties":{"x":{"type":"string"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	defer bb.Release()
	if err := dec.Decode([]byte(`{}`), bb); err == nil || bb.Len() != 0 {
		t.Errorf("got %v, %d rows", err, bb.Len())
	}
}
