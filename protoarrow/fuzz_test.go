package protoarrow

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/kafarr/kafarr/avroarrow"
	"github.com/kafarr/kafarr/kafkaio"
)

// plainProto has no maps and no well-known types, so that protobuf's
// reading of any input that both accept must equal protoarrow's (merges
// and repeated keys of those are documented differences).
const plainProto = `syntax = "proto3"; package fz;
enum E { E0 = 0; E1 = 1; E5 = 5; }
message Leaf { sint64 s = 1; string t = 2; repeated fixed32 f = 3; }
message Node {
  int32 a = 1; uint64 b = 2; double c = 3; bool d = 4; string e = 5; bytes g = 6; E h = 7;
  Leaf leaf = 8; repeated Leaf leaves = 9; repeated int64 ints = 10; repeated E es = 11;
  oneof o { string os = 12; Leaf ol = 13; sfixed64 oi = 14; }
  optional float opt = 15; Node next = 16; repeated string strs = 17;
}`

// FuzzDecode feeds arbitrary bytes to the decoder of a schema with every
// type of the mapping and to one without maps and well-known types: no
// input may panic, hang or leave an invalid batch; on the second, an input
// that both protoarrow and proto.Unmarshal accept must read alike.
func FuzzDecode(f *testing.F) {
	all := compileText(f, allProto)
	allMD := message(f, all, "kt.All")
	plain, err := Compile(context.Background(), kafkaio.SchemaInfo{ID: 2, Schema: plainProto}, nil)
	if err != nil {
		f.Fatal(err)
	}
	plainMD := message(f, plain, "fz.Node")
	allDec, err := NewDecoder(allMD, DecoderOptions{})
	if err != nil {
		f.Fatal(err)
	}
	plainDec, err := NewDecoder(plainMD, DecoderOptions{MaxRecursion: 2})
	if err != nil {
		f.Fatal(err)
	}
	for _, js := range []string{
		`{}`,
		`{"i32":-5,"st":"héllo","side":"SELL","inner":{"a":3},"ri":[1,2],"rm":[{"a":1}],"ms":{"k":"7"},"mi":{"5":{"a":5}},"c_msg":{"a":9},"opt":0}`,
		`{"ts":"2024-01-02T03:04:05.123456789Z","du":"-1.5s","w32":0,"wstr":"w","js":{"z":1,"a":[true,null,"s",{"q":2.5}]},"jv":"s","jl":[1],"ja":{"@type":"type.googleapis.com/kt.Inner","a":4},"dec":{"value":"BNI=","scale":2},"rside":["BUY",9]}`,
	} {
		f.Add(encodeJSON(f, allMD, js))
	}
	for _, js := range []string{
		`{"a":1,"b":"2","c":3.5,"d":true,"e":"x","g":"AQ==","h":"E5","leaf":{"s":"-3","t":"y","f":[1,2]},"leaves":[{},{"s":"1"}],"ints":["1","-1"],"es":[1,7],"ol":{"t":"z"},"opt":1.5,"next":{"a":2,"next":{"a":3,"next":{"a":4}}},"strs":["a",""]}`,
	} {
		f.Add(encodeJSON(f, plainMD, js))
	}
	f.Add(cat(lenField(8, varintField(1, 1)), lenField(8, lenField(2, []byte("m"))), varintField(1, 3), varintField(1, 4)))
	f.Add(cat(groupField(99, varintField(1, 1)), []byte{0x80}))
	f.Add([]byte{0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, data []byte) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		for _, dec := range []*Decoder{allDec, plainDec} {
			bb, err := avroarrow.NewBatchBuilder(mem, dec.Schema())
			if err != nil {
				t.Fatal(err)
			}
			err = dec.Decode(data, bb)
			_ = dec.Decode(data[:len(data)/2], bb)
			rec, rerr := bb.NewRecord()
			if rerr != nil {
				t.Fatal(rerr)
			}
			for k := range rec.NumCols() {
				validate(t, rec.Column(int(k)))
			}
			if dec == plainDec && err == nil {
				m := dynamicpb.NewMessage(plainMD)
				if proto.Unmarshal(data, m) == nil {
					c := &checker{t: t}
					c.message("row", func(name string) arrow.Array {
						return rec.Column(rec.Schema().FieldIndices(name)[0])
					}, 0, m)
				}
			}
			rec.Release()
			bb.Release()
		}
	})
}
