package protoarrow

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestSmokeDerive(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{
		{Name: "inst", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "t", Type: arrow.PrimitiveTypes.Int64},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Nanosecond}, Nullable: true},
		{Name: "d", Type: &arrow.Decimal128Type{Precision: 10, Scale: 2}, Nullable: true},
		{Name: "q", Type: arrow.StructOf(arrow.Field{Name: "bid", Type: arrow.PrimitiveTypes.Float64, Nullable: true}), Nullable: true},
		{Name: "ll", Type: arrow.ListOf(arrow.ListOf(arrow.PrimitiveTypes.Int32))},
		{Name: "m", Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.ListOf(arrow.BinaryTypes.String))},
	}, nil)
	text, err := DeriveProto(s, "a.b.Tick")
	if err != nil {
		t.Fatal(err)
	}
	t.Log(text)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	rec, _, err := array.RecordFromJSON(mem, s, strings.NewReader(`[{"inst":"x","t":5,"ts":1704164645123456789,"d":"12.34","q":{"bid":1.5},"ll":[[1,2],[]],"m":[{"key":"k","value":["a"]}]},{"inst":null,"t":0,"ts":null,"d":null,"q":null,"ll":[],"m":[]}]`))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	sch := compileText(t, text)
	md := message(t, sch, "")
	enc, err := CompileEncoder(s, md, EncoderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := enc.Check(rec); err != nil {
		t.Fatal(err)
	}
	dec, err := NewDecoder(md, DecoderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var msgs [][]byte
	for i := 0; i < int(rec.NumRows()); i++ {
		b, err := enc.AppendRow(nil, rec, i)
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, b)
	}
	t.Log(decodeRows(t, dec, msgs...))
}
