package protoarrow

import (
	"context"
	"math"
	"math/rand"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/linkedin/goavro/v2"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/kafarr/kafarr/avroarrow"
	"github.com/kafarr/kafarr/kafkaio"
)

// The seed's tick, as Protobuf and as Avro: the same record both ways.
const (
	tickProto = `syntax = "proto3";
package avros.pricing.ig;
message Tick {
  string inst = 1;
  int64 t = 2;
  int32 dt = 3;
  float bid = 4;
  float ask = 5;
}`
	tickAvro = `{"type":"record","name":"Tick","namespace":"avros.pricing.ig","fields":[
 {"name":"inst","type":"string"},{"name":"t","type":"long"},{"name":"dt","type":"int"},
 {"name":"bid","type":"float"},{"name":"ask","type":"float"}]}`
)

// benchBatchRows is the read path's batch size: a record is flushed every
// so many rows, as a query would.
const benchBatchRows = 8192

type tick struct {
	inst     string
	t        int64
	dt       int32
	bid, ask float32
}

// ticks returns n ticks with realistic instrument names, epoch-millisecond
// times and prices (the values of avroarrow's tick benchmark).
func ticks(n int) []tick {
	r := rand.New(rand.NewSource(7))
	insts := []string{"EURUSD", "GBPUSD", "USDJPY", "CS.D.EURUSD.TODAY.IP", "IX.D.FTSE.DAILY.IP"}
	out := make([]tick, n)
	t := int64(1_700_000_000_000)
	for i := range out {
		t += int64(r.Intn(50))
		bid := 1 + r.Float32()
		out[i] = tick{insts[r.Intn(len(insts))], t, int32(r.Intn(1000)), bid, bid + 0.0001}
	}
	return out
}

// contiguous re-slices msgs into one backing array, as record values
// sliced from a fetched batch are.
func contiguous(msgs [][]byte) [][]byte {
	var all []byte
	for _, m := range msgs {
		all = append(all, m...)
	}
	for i, off := 0, 0; i < len(msgs); i++ {
		size := len(msgs[i])
		msgs[i] = all[off : off+size : off+size]
		off += size
	}
	return msgs
}

func tickDescriptor(tb testing.TB) protoreflect.MessageDescriptor {
	tb.Helper()
	s, err := Compile(context.Background(), kafkaio.SchemaInfo{ID: 1, Schema: tickProto}, nil)
	if err != nil {
		tb.Fatal(err)
	}
	md, err := s.Message("")
	if err != nil {
		tb.Fatal(err)
	}
	return md
}

// tickProtoMessages encodes n ticks with google.golang.org/protobuf.
// Fields are written in field-number order, as generated code in every
// language writes them (dynamicpb, which builds them here, writes them in
// map order unless deterministic).
func tickProtoMessages(tb testing.TB, n int) [][]byte {
	md := tickDescriptor(tb)
	fs := md.Fields()
	msgs := make([][]byte, n)
	for i, tk := range ticks(n) {
		m := dynamicpb.NewMessage(md)
		m.Set(fs.ByName("inst"), protoreflect.ValueOfString(tk.inst))
		m.Set(fs.ByName("t"), protoreflect.ValueOfInt64(tk.t))
		m.Set(fs.ByName("dt"), protoreflect.ValueOfInt32(tk.dt))
		m.Set(fs.ByName("bid"), protoreflect.ValueOfFloat32(tk.bid))
		m.Set(fs.ByName("ask"), protoreflect.ValueOfFloat32(tk.ask))
		b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
		if err != nil {
			tb.Fatal(err)
		}
		msgs[i] = b
	}
	return contiguous(msgs)
}

// tickAvroMessages encodes the same ticks with goavro.
func tickAvroMessages(tb testing.TB, n int) [][]byte {
	codec, err := goavro.NewCodec(tickAvro)
	if err != nil {
		tb.Fatal(err)
	}
	msgs := make([][]byte, n)
	for i, tk := range ticks(n) {
		b, err := codec.BinaryFromNative(nil, map[string]any{"inst": tk.inst, "t": tk.t, "dt": tk.dt, "bid": tk.bid, "ask": tk.ask})
		if err != nil {
			tb.Fatal(err)
		}
		msgs[i] = b
	}
	return contiguous(msgs)
}

func BenchmarkProtobufDecodeTick(b *testing.B) {
	msgs := tickProtoMessages(b, 1<<16)
	dec, err := NewDecoder(tickDescriptor(b), DecoderOptions{})
	if err != nil {
		b.Fatal(err)
	}
	bb, err := avroarrow.NewBatchBuilder(memory.NewGoAllocator(), dec.Schema())
	if err != nil {
		b.Fatal(err)
	}
	defer bb.Release()
	runTicks(b, msgs, bb, dec.Decode)
}

func BenchmarkAvroDecodeTick(b *testing.B) {
	msgs := tickAvroMessages(b, 1<<16)
	s := avroarrow.MustParse(tickAvro)
	dec, err := avroarrow.CompileDecoder(s, s, avroarrow.DecoderOptions{})
	if err != nil {
		b.Fatal(err)
	}
	bb, err := avroarrow.NewBatchBuilder(memory.NewGoAllocator(), dec.Schema())
	if err != nil {
		b.Fatal(err)
	}
	defer bb.Release()
	runTicks(b, msgs, bb, dec.Decode)
}

// BenchmarkProtobufUnmarshalTick is the reference point: the protobuf
// runtime's own decode into a dynamic message, without Arrow.
func BenchmarkProtobufUnmarshalTick(b *testing.B) {
	msgs := tickProtoMessages(b, 1<<16)
	md := tickDescriptor(b)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPUTime()
	for i := 0; i < b.N; i++ {
		m := dynamicpb.NewMessage(md)
		if err := proto.Unmarshal(msgs[i&(len(msgs)-1)], m); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportPerMessage(b, processCPUTime()-cpu0)
}

// runTicks decodes msgs round robin into bb, flushing a record every
// benchBatchRows rows.
func runTicks(b *testing.B, msgs [][]byte, bb *avroarrow.BatchBuilder, decode func([]byte, *avroarrow.BatchBuilder) error) {
	bb.Reserve(benchBatchRows)
	var bytes int
	for _, m := range msgs {
		bytes += len(m)
	}
	b.SetBytes(int64(bytes / len(msgs)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPUTime()
	for i := 0; i < b.N; i++ {
		if err := decode(msgs[i&(len(msgs)-1)], bb); err != nil {
			b.Fatal(err)
		}
		if bb.Len() == benchBatchRows {
			rec, err := bb.NewRecord()
			if err != nil {
				b.Fatal(err)
			}
			rec.Release()
		}
	}
	b.StopTimer()
	reportPerMessage(b, processCPUTime()-cpu0)
}

// reportPerMessage adds ns/msg and msgs/s (wall time), one message per
// iteration, and cpu-ns/msg: the process's CPU time per message, which on a
// shared machine is the steadier figure.
func reportPerMessage(b *testing.B, cpuNanos int64) {
	ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(ns, "ns/msg")
	b.ReportMetric(1e9/ns, "msgs/s")
	if cpuNanos > 0 {
		b.ReportMetric(float64(cpuNanos)/float64(b.N), "cpu-ns/msg")
	}
}

// BenchmarkProtobufDecodeTickUnordered decodes ticks whose fields come in
// arbitrary order (as dynamicpb writes them): every field takes the
// decode loop's general path.
func BenchmarkProtobufDecodeTickUnordered(b *testing.B) {
	md := tickDescriptor(b)
	fs := md.Fields()
	msgs := make([][]byte, 1<<16)
	for i, tk := range ticks(len(msgs)) {
		var m []byte
		for _, k := range rand.New(rand.NewSource(int64(i))).Perm(5) {
			switch k {
			case 0:
				m = protowire.AppendBytes(protowire.AppendTag(m, fs.Get(0).Number(), protowire.BytesType), []byte(tk.inst))
			case 1:
				m = protowire.AppendVarint(protowire.AppendTag(m, 2, protowire.VarintType), uint64(tk.t))
			case 2:
				m = protowire.AppendVarint(protowire.AppendTag(m, 3, protowire.VarintType), uint64(tk.dt))
			case 3:
				m = protowire.AppendFixed32(protowire.AppendTag(m, 4, protowire.Fixed32Type), math.Float32bits(tk.bid))
			case 4:
				m = protowire.AppendFixed32(protowire.AppendTag(m, 5, protowire.Fixed32Type), math.Float32bits(tk.ask))
			}
		}
		msgs[i] = m
	}
	dec, err := NewDecoder(md, DecoderOptions{})
	if err != nil {
		b.Fatal(err)
	}
	bb, err := avroarrow.NewBatchBuilder(memory.NewGoAllocator(), dec.Schema())
	if err != nil {
		b.Fatal(err)
	}
	defer bb.Release()
	runTicks(b, contiguous(msgs), bb, dec.Decode)
}
