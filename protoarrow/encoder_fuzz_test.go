package protoarrow

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/kafarr/kafarr/avroarrow"
)

// FuzzEncode decodes arbitrary bytes as a message of the schema with every
// type of the mapping and encodes the rows that decode: the encoder must
// not panic (its recover would show as "malformed Arrow data"), must
// accept what the decoder produced (Any values of unknown types, which
// protojson cannot parse back, excepted), and its messages must decode to
// the same rows.
func FuzzEncode(f *testing.F) {
	md := message(f, compileText(f, allProto), "kt.All")
	dec, err := NewDecoder(md, DecoderOptions{})
	if err != nil {
		f.Fatal(err)
	}
	for _, js := range []string{
		`{}`,
		`{"i32":-5,"st":"héllo","side":"SELL","inner":{"a":3},"ri":[1,2],"rm":[{"a":1}],"ms":{"k":"7"},"mi":{"5":{"a":5}},"c_msg":{"a":9},"opt":0}`,
		`{"ts":"2024-01-02T03:04:05.123456789Z","du":"-1.5s","w32":0,"wstr":"w","js":{"z":1,"a":[true,null,"s",{"q":2.5}]},"jv":"s","jl":[1],"ja":{"@type":"type.googleapis.com/kt.Inner","a":4},"dec":{"value":"BNI=","scale":2},"rside":["BUY",9]}`,
	} {
		f.Add(encodeJSON(f, md, js))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		bb, err := avroarrow.NewBatchBuilder(mem, dec.Schema())
		if err != nil {
			t.Fatal(err)
		}
		defer bb.Release()
		if dec.Decode(data, bb) != nil {
			return
		}
		rec, err := bb.NewRecord()
		if err != nil {
			t.Fatal(err)
		}
		defer rec.Release()
		enc, err := CompileEncoder(rec.Schema(), md, EncoderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		out, err := enc.AppendRow(nil, rec, 0)
		if err != nil {
			if strings.Contains(err.Error(), "malformed") || !strings.Contains(err.Error(), "google.protobuf.Any") {
				t.Fatalf("decoded row does not encode: %v", err)
			}
			return
		}
		if cerr := enc.Check(rec); cerr != nil {
			t.Fatalf("AppendRow accepted what Check refuses: %v", cerr)
		}
		want := recordRows(t, rec)
		got := decodeRows(t, dec, out)
		if want[0] != got[0] {
			t.Fatalf("re-encoded row differs:\nwant %s\ngot  %s", want[0], got[0])
		}
	})
}
