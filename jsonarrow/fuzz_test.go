package jsonarrow

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/kafarr/kafarr/avroarrow"
)

// fuzzSchema has a column of every kind the JSON Schema mapping gives.
const fuzzSchema = `{"type":"object","properties":{
	"s":{"type":"string"},"i":{"type":"integer"},"f":{"type":"number"},"b":{"type":"boolean"},"n":{"type":"null"},
	"ts":{"type":"string","format":"date-time"},"d":{"type":"string","format":"date"},"e":{"enum":["A","B"]},
	"j":{},"l":{"type":"array","items":{"type":["integer","null"]}},
	"o":{"type":"object","properties":{"x":{"type":"number"},"y":{"type":"array","items":{"type":"object","properties":{"z":{"type":"string"}},"required":["z"]}}},"required":["x"]},
	"m":{"type":"object","additionalProperties":{"type":"array","items":{"type":"boolean"}}}},"required":["i"]}`

// fuzzAvroSchema adds what only an Avro schema maps to.
const fuzzAvroSchema = `{"type":"record","name":"R","fields":[
	{"name":"i","type":"int","default":0},{"name":"f","type":"float","default":0},{"name":"b","type":"bytes","default":""},
	{"name":"x","type":{"type":"fixed","name":"F","size":2},"default":"ab"},
	{"name":"u","type":["null","string","long","double",{"type":"record","name":"P","fields":[{"name":"p","type":"int"}]},{"type":"array","items":"int"}],"default":null},
	{"name":"dec","type":{"type":"bytes","logicalType":"decimal","precision":20,"scale":3},"default":"\u0000"},
	{"name":"big","type":{"type":"bytes","logicalType":"decimal","precision":50,"scale":2},"default":"\u0000"},
	{"name":"tm","type":{"type":"long","logicalType":"time-micros"},"default":0},
	{"name":"ts","type":{"type":"long","logicalType":"timestamp-nanos"},"default":0}]}`

// fuzzDecoders decode each input with several schemas.
func fuzzDecoders(t testing.TB) []*Decoder {
	var schemas []*arrow.Schema
	schemas = append(schemas, tickSchema, mustSchema(t, fuzzSchema), mustSchema(t, `{"type":"array","items":{}}`))
	s, err := FromAvro(avroarrow.MustParse(fuzzAvroSchema))
	if err != nil {
		t.Fatal(err)
	}
	schemas = append(schemas, s)
	var decs []*Decoder
	for _, s := range schemas {
		d, err := NewDecoder(s, Options{})
		if err != nil {
			t.Fatal(err)
		}
		decs = append(decs, d)
	}
	return decs
}

func fuzzSeeds(f *testing.F) {
	for _, m := range tickJSON(3) {
		f.Add(m)
	}
	for _, s := range []string{
		`{"s":"a\u00e9\ud83d\ude00","i":-7,"f":1.5e-3,"b":true,"n":null,"ts":"2023-11-14T22:13:20.5+02:00","d":"2024-02-29","e":"B",
		  "j":{"k":[1,"x",null]},"l":[1,null,3],"o":{"x":2,"y":[{"z":"q"}]},"m":{"k":[true,false]}}`,
		`{"i":1,"f":0.1,"b":"\u00ff","x":"\u0000z","u":{"p":3},"dec":"-12.345","big":123456789012345678901234567.89,"tm":1,"ts":"1970-01-01T00:00:00.000000001Z"}`,
		`{"i":1,"u":[1,2],"i":2}`, `["a",1,{"b":[]}]`, `null`, `{"o":{"y":[{}]},"i":1}`, `{"i":9223372036854775808}`,
		`{"i":1e400}`, `{"f":NaN}`, "{\"s\":\"\xff\"}", `{"s":"\ud800"}`, strings.Repeat("[", 70), `{"i":1,"l":[1,]}`,
	} {
		f.Add([]byte(s))
	}
}

// FuzzDecode feeds arbitrary bytes to decoders of several schemas. It must
// never panic; a message must decode only if it is valid JSON (by
// encoding/json); an error must be a *DecodeError and leave the builder
// as it was; every batch must validate fully and free all its memory.
func FuzzDecode(f *testing.F) {
	fuzzSeeds(f)
	decs := fuzzDecoders(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		for _, d := range decs {
			bb, err := avroarrow.NewBatchBuilder(mem, d.Schema())
			if err != nil {
				t.Fatal(err)
			}
			if err := d.Decode([]byte(`null`), bb); err != nil {
				t.Fatal(err)
			}
			err = d.Decode(data, bb)
			var de *DecodeError
			switch {
			case err == nil:
				if bb.Len() != 2 {
					t.Fatalf("decoded into %d rows, want 2", bb.Len())
				}
				if !json.Valid(data) {
					t.Fatalf("decoded %q, which is not JSON", data)
				}
			case !errors.As(err, &de):
				t.Fatalf("error %T: %v", err, err)
			case bb.Len() != 1:
				t.Fatalf("failed (%v) but left %d rows", err, bb.Len())
			case de.Offset < 0 || de.Offset > len(data):
				t.Fatalf("offset %d outside the %d-byte message", de.Offset, len(data))
			}
			// A row after a failed message must land intact.
			if err := d.Decode([]byte(`null`), bb); err != nil {
				t.Fatal(err)
			}
			rec, err := bb.NewRecord()
			if err != nil {
				t.Fatal(err)
			}
			if err := array.ValidateRecordFull(rec); err != nil {
				t.Fatalf("invalid batch after %q: %v", data, err)
			}
			rec.Release()
			bb.Release()
		}
	})
}

// FuzzInfer infers columns from arbitrary samples (the input split at
// newlines) and must never panic; every sample that is a JSON object must
// then decode with the inferred columns.
func FuzzInfer(f *testing.F) {
	f.Add([]byte(`{"a":1,"b":[1,2.5],"c":{"d":null}}` + "\n" + `{"a":"x","b":[],"c":{"d":true,"e":[{}]}}`))
	f.Add([]byte(`{"x":1e400}` + "\n" + `{"y":18446744073709551616}` + "\n" + `[1]`))
	f.Add([]byte(`{"a":{"b":1},"a":[2]}` + "\n" + `{"\u0061":{"c":3}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		samples := bytes.Split(data, []byte("\n"))
		s, err := Infer(samples, InferOptions{})
		if err != nil {
			var se *SchemaError
			if !errors.As(err, &se) {
				t.Fatalf("error %T: %v", err, err)
			}
			return
		}
		d, err := NewDecoder(s, Options{})
		if err != nil {
			t.Fatalf("the inferred schema does not compile: %v\n%s", err, s)
		}
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		bb, err := avroarrow.NewBatchBuilder(mem, s)
		if err != nil {
			t.Fatal(err)
		}
		defer bb.Release()
		for _, m := range samples {
			if !IsObject(m) {
				continue
			}
			if err := d.Decode(m, bb); err != nil {
				t.Fatalf("sample %q does not decode with the inferred columns: %v\n%s", m, err, describe(s))
			}
		}
		rec, err := bb.NewRecord()
		if err != nil {
			t.Fatal(err)
		}
		defer rec.Release()
		if err := array.ValidateRecordFull(rec); err != nil {
			t.Fatal(err)
		}
	})
}
