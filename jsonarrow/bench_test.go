package jsonarrow

import (
	"bytes"
	"encoding/json"
	"math/rand"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/bytedance/sonic"
	"github.com/bytedance/sonic/ast"
	"github.com/linkedin/goavro/v2"
	"github.com/valyala/fastjson"

	"github.com/kafarr/kafarr/avroarrow"
)

// These benchmarks decode the SPEC §8 tick,
// {"inst":"EUR/USD","t":1700000000123,"dt":17,"bid":1.0712,"ask":1.0714},
// into Arrow buffers on one core, by this package's decoder and by the
// parsers it was measured against: arrow-go's JSON reader,
// github.com/valyala/fastjson and github.com/bytedance/sonic (its SAX
// visitor, the one way it reads a schema known only at run time, and,
// as a ceiling no dynamic schema reaches, into a Go struct), plus
// encoding/json. The Avro decoder's tick runs in the same binary, so that
// a loop over `-count 1` runs interleaves them (docs/benchmarks.md).

// benchBatchRows is the read path's batch size: a record is flushed every
// so many rows, as a query would.
const benchBatchRows = 8192

// tickSchema is the tick's Arrow schema, as a JSON Schema with
// "integer" and "number" properties maps it.
var tickSchema = arrow.NewSchema([]arrow.Field{
	{Name: "inst", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "t", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "dt", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "bid", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "ask", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
}, nil)

type tick struct {
	Inst string  `json:"inst"`
	T    int64   `json:"t"`
	Dt   int64   `json:"dt"`
	Bid  float64 `json:"bid"`
	Ask  float64 `json:"ask"`
}

// tickValues returns n ticks with realistic instrument names,
// epoch-millisecond times and prices of four to five decimals.
func tickValues(n int) []tick {
	r := rand.New(rand.NewSource(7))
	insts := []string{"EUR/USD", "GBP/USD", "USD/JPY", "CS.D.EURUSD.TODAY.IP", "IX.D.FTSE.DAILY.IP"}
	out := make([]tick, n)
	t := int64(1_700_000_000_000)
	for i := range out {
		t += int64(r.Intn(50))
		// Quotes are decimals of five places at most, as a feed sends them.
		bid := 100000 + r.Intn(100000)
		ask := bid + 1 + r.Intn(20)
		out[i] = tick{insts[r.Intn(len(insts))], t, int64(r.Intn(1000)), float64(bid) / 1e5, float64(ask) / 1e5}
	}
	return out
}

// tickJSON returns n ticks as JSON texts, sharing one backing array as
// record values sliced from a fetched batch do.
func tickJSON(n int) [][]byte {
	var all []byte
	ends := make([]int, n)
	for i, v := range tickValues(n) {
		all = append(all, `{"inst":`...)
		all = strconv.AppendQuote(all, v.Inst)
		all = append(all, `,"t":`...)
		all = strconv.AppendInt(all, v.T, 10)
		all = append(all, `,"dt":`...)
		all = strconv.AppendInt(all, v.Dt, 10)
		all = append(all, `,"bid":`...)
		all = strconv.AppendFloat(all, v.Bid, 'f', -1, 64)
		all = append(all, `,"ask":`...)
		all = strconv.AppendFloat(all, v.Ask, 'f', -1, 64)
		all = append(all, '}')
		ends[i] = len(all)
	}
	msgs := make([][]byte, n)
	start := 0
	for i, end := range ends {
		msgs[i] = all[start:end:end]
		start = end
	}
	return msgs
}

func avgSize(msgs [][]byte) int64 {
	total := 0
	for _, m := range msgs {
		total += len(m)
	}
	return int64(total / len(msgs))
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

// benchAppend runs decode over the ticks into a BatchBuilder of
// tickSchema, flushing a record every benchBatchRows rows.
func benchAppend(b *testing.B, decode func(msg []byte, bb *avroarrow.BatchBuilder) error) {
	msgs := tickJSON(1 << 16)
	bb, err := avroarrow.NewBatchBuilder(memory.NewGoAllocator(), tickSchema)
	if err != nil {
		b.Fatal(err)
	}
	defer bb.Release()
	bb.Reserve(benchBatchRows)
	b.SetBytes(avgSize(msgs))
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

func BenchmarkJSONDecodeTick(b *testing.B) {
	dec, err := NewDecoder(tickSchema, Options{})
	if err != nil {
		b.Fatal(err)
	}
	benchAppend(b, dec.Decode)
}

// appendTick appends a decoded tick to the builder's columns, as a
// decoder built on a library would after parsing.
func appendTick(bb *avroarrow.BatchBuilder, inst []byte, t, dt int64, bid, ask float64) {
	root, _ := bb.Root(tickSchema) // bb was built for tickSchema: no error
	root.Child(0).AppendBytes(inst)
	root.Child(1).AppendInt64(t)
	root.Child(2).AppendInt64(dt)
	root.Child(3).AppendFloat64(bid)
	root.Child(4).AppendFloat64(ask)
	root.AppendStruct()
}

// BenchmarkFastjsonTick parses with a reused fastjson.Parser (its fastest
// mode, allocation-free once warm) and looks each column up by name.
func BenchmarkFastjsonTick(b *testing.B) {
	var p fastjson.Parser
	benchAppend(b, func(msg []byte, bb *avroarrow.BatchBuilder) error {
		v, err := p.ParseBytes(msg)
		if err != nil {
			return err
		}
		o, err := v.Object()
		if err != nil {
			return err
		}
		inst := o.Get("inst").GetStringBytes()
		t, _ := o.Get("t").Int64()
		dt, _ := o.Get("dt").Int64()
		bid, _ := o.Get("bid").Float64()
		ask, _ := o.Get("ask").Float64()
		appendTick(bb, inst, t, dt, bid, ask)
		return nil
	})
}

// tickVisitor receives sonic's parse events for one tick.
type tickVisitor struct {
	key               string
	inst              string
	t, dt             int64
	bid, ask          float64
	ast.Visitor       // the events a tick never sends
	depth, nullsTaken int
}

func (v *tickVisitor) OnObjectBegin(int) error { v.depth++; return nil }
func (v *tickVisitor) OnObjectEnd() error      { v.depth--; return nil }
func (v *tickVisitor) OnObjectKey(k string) error {
	v.key = k
	return nil
}
func (v *tickVisitor) OnString(s string) error {
	if v.key == "inst" {
		v.inst = s
	}
	return nil
}
func (v *tickVisitor) OnInt64(i int64, _ json.Number) error {
	switch v.key {
	case "t":
		v.t = i
	case "dt":
		v.dt = i
	}
	return nil
}
func (v *tickVisitor) OnFloat64(f float64, _ json.Number) error {
	switch v.key {
	case "bid":
		v.bid = f
	case "ask":
		v.ask = f
	}
	return nil
}

// BenchmarkSonicVisitorTick parses with sonic's SAX visitor
// (ast.Preorder), its API for documents whose shape is known only at run
// time.
func BenchmarkSonicVisitorTick(b *testing.B) {
	v := &tickVisitor{}
	benchAppend(b, func(msg []byte, bb *avroarrow.BatchBuilder) error {
		if err := ast.Preorder(bytesString(msg), v, nil); err != nil {
			return err
		}
		appendTick(bb, []byte(v.inst), v.t, v.dt, v.bid, v.ask)
		return nil
	})
}

// BenchmarkSonicStructTick unmarshals into a Go struct: sonic's fastest
// mode, which needs the schema at compile time, so no reader of topics
// can use it; a ceiling.
func BenchmarkSonicStructTick(b *testing.B) {
	var t tick
	benchAppend(b, func(msg []byte, bb *avroarrow.BatchBuilder) error {
		if err := sonic.Unmarshal(msg, &t); err != nil {
			return err
		}
		appendTick(bb, []byte(t.Inst), t.T, t.Dt, t.Bid, t.Ask)
		return nil
	})
}

// BenchmarkEncodingJSONStructTick is the standard library's decoder into
// a struct.
func BenchmarkEncodingJSONStructTick(b *testing.B) {
	var t tick
	benchAppend(b, func(msg []byte, bb *avroarrow.BatchBuilder) error {
		if err := json.Unmarshal(msg, &t); err != nil {
			return err
		}
		appendTick(bb, []byte(t.Inst), t.T, t.Dt, t.Bid, t.Ask)
		return nil
	})
}

// BenchmarkArrowJSONReaderTick reads newline-delimited ticks with
// arrow-go's array.NewJSONReader, a record of benchBatchRows rows at a
// time; b.N counts messages.
func BenchmarkArrowJSONReaderTick(b *testing.B) {
	msgs := tickJSON(benchBatchRows)
	var nd []byte
	for _, m := range msgs {
		nd = append(append(nd, m...), '\n')
	}
	b.SetBytes(avgSize(msgs))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPUTime()
	for done := 0; done < b.N; {
		rdr := array.NewJSONReader(bytes.NewReader(nd), tickSchema, array.WithChunk(benchBatchRows), array.WithAllocator(memory.NewGoAllocator()))
		for rdr.Next() {
			done += int(rdr.RecordBatch().NumRows())
		}
		if err := rdr.Err(); err != nil {
			b.Fatal(err)
		}
		rdr.Release()
	}
	b.StopTimer()
	reportPerMessage(b, processCPUTime()-cpu0)
}

const avroTickSchema = `{"type":"record","name":"Tick","namespace":"avros.pricing.ig","fields":[
 {"name":"inst","type":"string"},{"name":"t","type":"long"},{"name":"dt","type":"int"},
 {"name":"bid","type":"float"},{"name":"ask","type":"float"}]}`

// BenchmarkAvroDecodeTick is avroarrow's BenchmarkDecodeTick over the same
// ticks encoded as Avro, in this binary so that runs interleave with the
// JSON ones and the machine's drift cancels.
func BenchmarkAvroDecodeTick(b *testing.B) {
	codec, err := goavro.NewCodec(avroTickSchema)
	if err != nil {
		b.Fatal(err)
	}
	vals := tickValues(1 << 16)
	msgs := make([][]byte, len(vals))
	for i, v := range vals {
		if msgs[i], err = codec.BinaryFromNative(nil, map[string]any{
			"inst": v.Inst, "t": v.T, "dt": int32(v.Dt), "bid": float32(v.Bid), "ask": float32(v.Ask),
		}); err != nil {
			b.Fatal(err)
		}
	}
	s := avroarrow.MustParse(avroTickSchema)
	dec, err := avroarrow.CompileDecoder(s, s, avroarrow.DecoderOptions{})
	if err != nil {
		b.Fatal(err)
	}
	bb, err := avroarrow.NewBatchBuilder(memory.NewGoAllocator(), dec.Schema())
	if err != nil {
		b.Fatal(err)
	}
	defer bb.Release()
	bb.Reserve(benchBatchRows)
	b.SetBytes(avgSize(msgs))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPUTime()
	for i := 0; i < b.N; i++ {
		if err := dec.Decode(msgs[i&(len(msgs)-1)], bb); err != nil {
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
