package avroarrow

import (
	"errors"
	"strings"
	"testing"
)

// rec wraps field JSON in a record named R.
func rec(fields string) string {
	return `{"type":"record","name":"R","namespace":"w","fields":[` + fields + `]}`
}

// TestResolve writes values with goavro and the writer schema, reads them
// with the reader schema, and compares the rows exactly.
func TestResolve(t *testing.T) {
	enumABC := `{"type":"enum","name":"E","symbols":["A","B","C"]}`
	tests := []struct {
		name           string
		writer, reader string
		values         []map[string]any
		mode           UnionMode
		want           string // JSON rows
		decodeErr      []string
	}{
		{
			name:   "added fields take defaults",
			writer: rec(`{"name":"a","type":"int"}`),
			reader: rec(`{"name":"a","type":"int"},
				{"name":"i","type":"int","default":7},
				{"name":"s","type":"string","default":"dflt"},
				{"name":"b","type":"bytes","default":"\u00ff\u0001"},
				{"name":"n","type":["null","long"],"default":null},
				{"name":"u","type":["long","null"],"default":9},
				{"name":"e","type":` + enumABC + `,"default":"C"},
				{"name":"l","type":{"type":"array","items":"double"},"default":[1.5,2]},
				{"name":"m","type":{"type":"map","values":"boolean"},"default":{"y":true,"x":false}},
				{"name":"r","type":{"type":"record","name":"Sub","fields":[{"name":"p","type":"float"},{"name":"q","type":"string","default":"qq"}]},"default":{"p":0.25}},
				{"name":"f","type":{"type":"fixed","name":"F2","size":2},"default":"ab"},
				{"name":"d","type":{"type":"bytes","logicalType":"decimal","precision":6,"scale":2},"default":"\u0001\u0000"}`),
			values: []map[string]any{{"a": int32(1)}, {"a": int32(2)}},
			want: `[{"a":1,"b":"/wE=","d":"2.56","e":"C","f":"YWI=","i":7,"l":[1.5,2],"m":[{"key":"x","value":false},{"key":"y","value":true}],"n":null,"r":{"p":0.25,"q":"qq"},"s":"dflt","u":9}
,{"a":2,"b":"/wE=","d":"2.56","e":"C","f":"YWI=","i":7,"l":[1.5,2],"m":[{"key":"x","value":false},{"key":"y","value":true}],"n":null,"r":{"p":0.25,"q":"qq"},"s":"dflt","u":9}
]`,
		},
		{
			name: "removed fields are skipped",
			writer: rec(`{"name":"gone1","type":{"type":"array","items":{"type":"record","name":"X","fields":[{"name":"m","type":{"type":"map","values":["null","string"]}},{"name":"f","type":{"type":"fixed","name":"F3","size":3}}]}}},
				{"name":"a","type":"int"},
				{"name":"gone2","type":["null","double","string"]},
				{"name":"gone3","type":"boolean"},{"name":"gone4","type":"float"},{"name":"gone5","type":` + enumABC + `}`),
			reader: rec(`{"name":"a","type":"int"}`),
			values: []map[string]any{{
				"gone1": []any{map[string]any{"m": map[string]any{"k": map[string]any{"string": "v"}, "z": nil}, "f": []byte("abc")}},
				"a":     int32(5), "gone2": map[string]any{"string": "x"}, "gone3": true, "gone4": float32(1), "gone5": "B",
			}},
			want: `[{"a":5}
]`,
		},
		{
			name:   "fields match by reader alias and by writer alias",
			writer: rec(`{"name":"old","type":"string"},{"name":"b","type":"int","aliases":["bee"]}`),
			reader: rec(`{"name":"new","type":"string","aliases":["old"]},{"name":"bee","type":"int"}`),
			values: []map[string]any{{"old": "x", "b": int32(3)}},
			want: `[{"bee":3,"new":"x"}
]`,
		},
		{
			name:   "promotions",
			writer: rec(`{"name":"il","type":"int"},{"name":"if","type":"int"},{"name":"id","type":"int"},{"name":"lf","type":"long"},{"name":"ld","type":"long"},{"name":"fd","type":"float"},{"name":"sb","type":"string"},{"name":"bs","type":"bytes"}`),
			reader: rec(`{"name":"il","type":"long"},{"name":"if","type":"float"},{"name":"id","type":"double"},{"name":"lf","type":"float"},{"name":"ld","type":"double"},{"name":"fd","type":"double"},{"name":"sb","type":"bytes"},{"name":"bs","type":"string"}`),
			values: []map[string]any{
				{"il": int32(-3), "if": int32(16777217), "id": int32(2147483647), "lf": int64(1) << 40, "ld": int64(-5), "fd": float32(0.5), "sb": "hé", "bs": []byte("ok")},
				{"il": int32(0), "if": int32(0), "id": int32(0), "lf": int64(0), "ld": int64(0), "fd": float32(0), "sb": "", "bs": []byte{0xff}},
			},
			want: `[{"bs":"ok","fd":0.5,"id":2147483647,"if":16777216,"il":-3,"ld":-5,"lf":1099511600000,"sb":"aMOp"}
]`,
			decodeErr: []string{"", "bs at byte 12: string is not valid UTF-8"},
		},
		{
			name:   "enum symbols by name, unknown symbol takes the reader default",
			writer: rec(`{"name":"e","type":{"type":"enum","name":"E","symbols":["C","X","A"]}}`),
			reader: rec(`{"name":"e","type":{"type":"enum","name":"E","symbols":["A","B","C"],"default":"B"}}`),
			values: []map[string]any{{"e": "C"}, {"e": "X"}, {"e": "A"}},
			want: `[{"e":"C"}
,{"e":"B"}
,{"e":"A"}
]`,
		},
		{
			name:      "unknown enum symbol without default fails only when met",
			writer:    rec(`{"name":"e","type":{"type":"enum","name":"E","symbols":["A","Z"]}}`),
			reader:    rec(`{"name":"e","type":` + enumABC + `}`),
			values:    []map[string]any{{"e": "A"}, {"e": "Z"}},
			want:      `[{"e":"A"}` + "\n]",
			decodeErr: []string{"", `e at byte 1: enum symbol "Z" is not a symbol of reader enum "w.E", which has no default`},
		},
		{
			name:      "writer union to reader non-union",
			writer:    rec(`{"name":"u","type":["null","int","string"]}`),
			reader:    rec(`{"name":"u","type":"long"}`),
			values:    []map[string]any{{"u": map[string]any{"int": int32(4)}}, {"u": nil}, {"u": map[string]any{"string": "s"}}},
			want:      `[{"u":4}` + "\n]",
			decodeErr: []string{"", "u at byte 1: writer union branch 0 (null) cannot be read", "u at byte 1: writer union branch 2 (string) cannot be read"},
		},
		{
			name:   "writer non-union to reader union, by promotion",
			writer: rec(`{"name":"a","type":"int"},{"name":"b","type":"string"},{"name":"c","type":"float"}`),
			reader: rec(`{"name":"a","type":["null","long"]},{"name":"b","type":["null","int","string"]},{"name":"c","type":["int","double","float"]}`),
			values: []map[string]any{{"a": int32(1), "b": "x", "c": float32(2.5)}},
			want: `[{"a":1,"b":{"int":null,"string":"x"},"c":{"double":null,"float":2.5,"int":null}}
]`,
		},
		{
			name:   "union to union: first exact match, then first promotion",
			writer: rec(`{"name":"u","type":["null","int","string"]}`),
			reader: rec(`{"name":"u","type":["bytes","double","long","null","string"]}`),
			values: []map[string]any{{"u": map[string]any{"int": int32(3)}}, {"u": map[string]any{"string": "s"}}, {"u": nil}},
			// int promotes to double and long: double comes first.
			want: `[{"u":{"bytes":null,"double":3,"long":null,"string":null}}
,{"u":{"bytes":null,"double":null,"long":null,"string":"s"}}
,{"u":null}
]`,
		},
		{
			name:   "union to dense union",
			writer: rec(`{"name":"u","type":["null","int","string"]}`),
			reader: rec(`{"name":"u","type":["string","long","null"]}`),
			mode:   UnionDense,
			values: []map[string]any{{"u": map[string]any{"int": int32(3)}}, {"u": map[string]any{"string": "s"}}, {"u": nil}},
			want: `[{"u":[1,3]}
,{"u":[0,"s"]}
,{"u":[2,null]}
]`,
		},
		{
			name:   "named types match by unqualified name and by alias",
			writer: `{"type":"record","name":"a.Order","fields":[{"name":"x","type":{"type":"record","name":"a.Line","fields":[{"name":"q","type":"int"}]}},{"name":"y","type":{"type":"fixed","name":"a.Old","size":2}}]}`,
			reader: `{"type":"record","name":"b.Order","fields":[{"name":"x","type":{"type":"record","name":"b.Line","fields":[{"name":"q","type":"long"}]}},{"name":"y","type":{"type":"fixed","name":"b.New","aliases":["a.Old"],"size":2}}]}`,
			values: []map[string]any{{"x": map[string]any{"q": int32(8)}, "y": []byte("hi")}},
			want: `[{"x":{"q":8},"y":"aGk="}
]`,
		},
		{
			name:   "logical types resolve through their underlying types",
			writer: rec(`{"name":"t","type":"long"},{"name":"d","type":{"type":"int","logicalType":"date"}},{"name":"m","type":{"type":"bytes","logicalType":"decimal","precision":4,"scale":1}}`),
			reader: rec(`{"name":"t","type":{"type":"long","logicalType":"timestamp-millis"}},{"name":"d","type":"long"},{"name":"m","type":"bytes"}`),
			values: []map[string]any{{"t": int64(86_400_000), "d": int32(3), "m": mustRat("1.5")}},
			want: `[{"d":3,"m":"Dw==","t":"1970-01-02T00:00:00Z"}
]`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dec, bb := newTestBuilder(t, tt.writer, tt.reader, DecoderOptions{MapOptions: MapOptions{UnionMode: tt.mode}})
			for i, v := range tt.values {
				err := dec.Decode(goavroEncode(t, tt.writer, v), bb)
				want := ""
				if i < len(tt.decodeErr) {
					want = tt.decodeErr[i]
				}
				switch {
				case want == "" && err != nil:
					t.Fatalf("value %d: %v", i, err)
				case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
					t.Fatalf("value %d: got error %v, want %q", i, err, want)
				}
			}
			if got := jsonRows(t, flush(t, bb)); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestResolveErrors(t *testing.T) {
	tests := []struct {
		name           string
		writer, reader string
		want           string
	}{
		{"missing field without default", rec(`{"name":"a","type":"int"}`), rec(`{"name":"a","type":"int"},{"name":"b","type":"string"}`),
			`avro schema resolution: b: reader field "b" is missing from writer record "w.R" and has no default`},
		{"incompatible nested field", `{"type":"record","name":"order","fields":[{"name":"items","type":{"type":"array","items":{"type":"record","name":"I","fields":[{"name":"price","type":"string"}]}}}]}`,
			`{"type":"record","name":"order","fields":[{"name":"items","type":{"type":"array","items":{"type":"record","name":"I","fields":[{"name":"price","type":"long"}]}}}]}`,
			`avro schema resolution: items[].price: writer type string cannot be read as reader type long`},
		{"no narrowing", rec(`{"name":"a","type":"long"}`), rec(`{"name":"a","type":"int"}`),
			`avro schema resolution: a: writer type long cannot be read as reader type int`},
		{"fixed size", rec(`{"name":"f","type":{"type":"fixed","name":"F","size":4}}`), rec(`{"name":"f","type":{"type":"fixed","name":"F","size":5}}`),
			`avro schema resolution: f: writer fixed "w.F" of 4 bytes does not match reader fixed "w.F" of 5 bytes`},
		{"decimal scale", rec(`{"name":"d","type":{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}}`),
			rec(`{"name":"d","type":{"type":"bytes","logicalType":"decimal","precision":9,"scale":3}}`),
			`avro schema resolution: d: writer decimal(9,2) does not match reader decimal(9,3)`},
		{"enum name", rec(`{"name":"e","type":{"type":"enum","name":"E1","symbols":["A"]}}`), rec(`{"name":"e","type":{"type":"enum","name":"E2","symbols":["A"]}}`),
			`avro schema resolution: e: writer enum "w.E1" does not match reader enum "w.E2" by name or alias`},
		{"record name", `{"type":"record","name":"A","fields":[]}`, `{"type":"record","name":"B","fields":[]}`,
			`avro schema resolution: writer record "A" does not match reader record "B" by name or alias`},
		{"no union branch", rec(`{"name":"u","type":"boolean"}`), rec(`{"name":"u","type":["null","string"]}`),
			`avro schema resolution: u: writer type boolean matches no branch of reader union [null, string]`},
		{"no writer branch resolves", rec(`{"name":"u","type":["null","boolean"]}`), rec(`{"name":"u","type":"string"}`),
			`avro schema resolution: u: writer type null cannot be read as reader type string`},
		{"non-record writer", `"string"`, rec(`{"name":"a","type":"int"}`),
			`avro schema resolution: writer schema string cannot be read as record "w.R"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := CompileDecoder(MustParse(tt.writer), MustParse(tt.reader), DecoderOptions{})
			var re *ResolveError
			if !errors.As(err, &re) {
				t.Fatalf("got %v, want a *ResolveError", err)
			}
			if err.Error() != tt.want {
				t.Errorf("got  %s\nwant %s", err, tt.want)
			}
		})
	}
}

// TestResolveProjectionSkipsUnresolvable shows that fields left out of a
// projection need not resolve: their writer data is only skipped.
func TestResolveProjectionSkipsUnresolvable(t *testing.T) {
	writer := rec(`{"name":"a","type":"string"},{"name":"b","type":"int"}`)
	reader := rec(`{"name":"a","type":"long"},{"name":"b","type":"int"},{"name":"c","type":"int"}`)
	dec, bb := newTestBuilder(t, writer, reader, DecoderOptions{Projection: []string{"b"}})
	if err := dec.Decode(goavroEncode(t, writer, map[string]any{"a": "zz", "b": int32(6)}), bb); err != nil {
		t.Fatal(err)
	}
	if got := jsonRows(t, flush(t, bb)); got != "[{\"b\":6}\n]" {
		t.Errorf("got %s", got)
	}
}
