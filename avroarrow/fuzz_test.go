package avroarrow

import (
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// fuzzReaderSchema reads complexSchema's data with resolution at work:
// promotions, a dropped field, an added field with a default, reordered
// enum symbols with a default, a union read as a wider union.
const fuzzReaderSchema = `{"type":"record","name":"Order","namespace":"com.acme","fields":[
 {"name":"id","type":"double"},
 {"name":"side","type":{"type":"enum","name":"Side","symbols":["SELL","HOLD"],"default":"HOLD"}},
 {"name":"items","type":{"type":"array","items":{"type":"record","name":"Item","fields":[
   {"name":"qty","type":"long"},{"name":"tags","type":{"type":"map","values":["null","double","string"]}},{"name":"extra","type":"string","default":"e"}]}}},
 {"name":"note","type":["null","bytes"]},
 {"name":"pay","type":["null","string",{"type":"record","name":"Card","fields":[{"name":"num","type":{"type":"fixed","name":"Num","size":4}}]},"long"]},
 {"name":"ok","type":"boolean"}]}`

// fuzzPairs are the (writer, reader, options) decoders every input runs
// through.
func fuzzDecoders(t testing.TB) []*Decoder {
	zeroSize := `{"type":"record","name":"Z","fields":[{"name":"n","type":{"type":"array","items":"null"}},{"name":"e","type":{"type":"map","values":{"type":"record","name":"E","fields":[]}}},{"name":"d","type":{"type":"fixed","name":"D","size":12,"logicalType":"duration"}},{"name":"u","type":{"type":"fixed","name":"U","size":16,"logicalType":"uuid"}},{"name":"b","type":{"type":"fixed","name":"B","size":20,"logicalType":"decimal","precision":40,"scale":3}}]}`
	recursive := `{"type":"record","name":"R","fields":[{"name":"x","type":"int"},{"name":"next","type":["null","R"]},{"name":"m","type":{"type":"map","values":{"type":"array","items":"R"}}}]}`
	pairs := []struct {
		w, r string
		opts DecoderOptions
	}{
		{tickSchema, tickSchema, DecoderOptions{}},
		{complexSchema, complexSchema, DecoderOptions{}},
		{complexSchema, complexSchema, DecoderOptions{MapOptions: MapOptions{UnionMode: UnionDense}}},
		{complexSchema, fuzzReaderSchema, DecoderOptions{}},
		{complexSchema, complexSchema, DecoderOptions{Projection: []string{"ok", "pay"}}},
		{recursive, `{"type":"record","name":"R","fields":[{"name":"x","type":"int"}]}`, DecoderOptions{}},
		{zeroSize, zeroSize, DecoderOptions{MaxItems: 1000}},
	}
	var decs []*Decoder
	for _, p := range pairs {
		d, err := CompileDecoder(MustParse(p.w), MustParse(p.r), p.opts)
		if err != nil {
			t.Fatal(err)
		}
		decs = append(decs, d)
	}
	return decs
}

// FuzzDecode feeds arbitrary bytes to decoders of several schema pairs. It
// must never panic; errors must be *DecodeError and leave the builder as it
// was; every batch must validate fully and free all its memory.
func FuzzDecode(f *testing.F) {
	for _, m := range tickMessages(f, 4) {
		f.Add(m)
	}
	f.Add(goavroEncode(f, complexSchema, complexValue(7)))
	v := complexValue(-9)
	v["note"], v["pay"], v["items"] = nil, map[string]any{"string": "cash"}, []any{}
	f.Add(goavroEncode(f, complexSchema, v))
	f.Add([]byte{})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	decs := fuzzDecoders(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		for _, d := range decs {
			bb, err := NewBatchBuilder(mem, d.Schema())
			if err != nil {
				t.Fatal(err)
			}
			for round := 0; round < 2; round++ {
				before := bb.Len()
				err := d.Decode(data, bb)
				if err != nil {
					var de *DecodeError
					if !errors.As(err, &de) {
						t.Fatalf("%s: error %v is not a *DecodeError", d, err)
					}
					if bb.Len() != before {
						t.Fatalf("%s: failed decode left %d rows, had %d", d, bb.Len(), before)
					}
				} else if bb.Len() != before+1 {
					t.Fatalf("%s: decode appended %d rows", d, bb.Len()-before)
				}
				bb.AppendNullRow()
			}
			rec, err := bb.NewRecord()
			if err != nil {
				t.Fatal(err)
			}
			if err := array.ValidateRecordFull(rec); err != nil {
				t.Fatalf("%s: invalid batch: %v", d, err)
			}
			rec.Release()
			bb.Release()
		}
	})
}
