package avroarrow

import (
	"math/rand"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/linkedin/goavro/v2"
)

// benchBatchRows is the read path's batch size: a record is flushed every
// so many rows, as a query would.
const benchBatchRows = 8192

// tickMessages returns n tick values encoded by goavro, with realistic
// instrument names, epoch-millisecond times and prices. The messages share
// one backing array, as record values sliced from a fetched batch do.
func tickMessages(tb testing.TB, n int) [][]byte {
	tb.Helper()
	codec, err := goavro.NewCodec(tickSchema)
	if err != nil {
		tb.Fatal(err)
	}
	r := rand.New(rand.NewSource(7))
	insts := []string{"EURUSD", "GBPUSD", "USDJPY", "CS.D.EURUSD.TODAY.IP", "IX.D.FTSE.DAILY.IP"}
	msgs := make([][]byte, n)
	var all []byte
	t := int64(1_700_000_000_000)
	for i := range msgs {
		t += int64(r.Intn(50))
		bid := 1 + r.Float32()
		bin, err := codec.BinaryFromNative(nil, map[string]any{
			"inst": insts[r.Intn(len(insts))],
			"t":    t,
			"dt":   int32(r.Intn(1000)),
			"bid":  bid,
			"ask":  bid + 0.0001,
		})
		if err != nil {
			tb.Fatal(err)
		}
		msgs[i] = bin
		all = append(all, bin...)
	}
	for i, off := 0, 0; i < n; i++ {
		size := len(msgs[i])
		msgs[i] = all[off : off+size : off+size]
		off += size
	}
	return msgs
}

func BenchmarkDecodeTick(b *testing.B) {
	msgs := tickMessages(b, 1<<16)
	s := MustParse(tickSchema)
	dec, err := CompileDecoder(s, s, DecoderOptions{})
	if err != nil {
		b.Fatal(err)
	}
	bb, err := NewBatchBuilder(memory.NewGoAllocator(), dec.Schema())
	if err != nil {
		b.Fatal(err)
	}
	defer bb.Release()
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

func BenchmarkGoavroDecodeTick(b *testing.B) {
	msgs := tickMessages(b, 1<<16)
	codec, err := goavro.NewCodec(tickSchema)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPUTime()
	for i := 0; i < b.N; i++ {
		if _, _, err := codec.NativeFromBinary(msgs[i&(len(msgs)-1)]); err != nil {
			b.Fatal(err)
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
