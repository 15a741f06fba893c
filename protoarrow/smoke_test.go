package protoarrow

import (
	"bytes"
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/kafarr/kafarr/avroarrow"
	"github.com/kafarr/kafarr/kafkaio"
)

func TestSmoke(t *testing.T) {
	s, err := Compile(context.Background(), kafkaio.SchemaInfo{ID: 1, Schema: `syntax = "proto3"; package t; message Tick { string inst = 1; int64 t = 2; int32 dt = 3; float bid = 4; float ask = 5; }`}, nil)
	if err != nil {
		t.Fatal(err)
	}
	md, _ := s.Message("")
	m := dynamicpb.NewMessage(md)
	m.Set(md.Fields().ByName("inst"), protoreflect.ValueOfString("EURUSD"))
	m.Set(md.Fields().ByName("t"), protoreflect.ValueOfInt64(17))
	m.Set(md.Fields().ByName("bid"), protoreflect.ValueOfFloat32(1.5))
	b, _ := proto.Marshal(m)
	dec, err := NewDecoder(md, DecoderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	bb, _ := avroarrow.NewBatchBuilder(mem, dec.Schema())
	defer bb.Release()
	for range 3 {
		if err := dec.Decode(b, bb); err != nil {
			t.Fatal(err)
		}
	}
	rec, _ := bb.NewRecord()
	defer rec.Release()
	var buf bytes.Buffer
	array.RecordToJSON(rec, &buf)
	t.Log(dec.Schema(), buf.String())
}
