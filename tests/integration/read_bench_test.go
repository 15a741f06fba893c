package integration

// Read throughput against the real broker (tests/stack): 1,000,000 ticks
// produced once per run, then read whole through the driver (SELECT *,
// decoded into Arrow) and with a plain franz-go consumer (direct partition
// assignment, records counted, nothing decoded) in the same run. The
// driver's target is at least 60% of the plain consumer's msgs/s.
//
//	tests/stack/stack.sh up && . .build/stack/env
//	go test -run '^$' -bench 'Read1M|PlainConsumer1M' -benchtime 5x ./tests/integration/

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafarr/kafarr/internal/testenv"
)

const benchTicks = 1_000_000

// benchTopic is the run's tick topic, produced by the first benchmark that
// needs it and shared by both. It is left on the test broker (whose data
// stack.sh down discards); its name carries the run's time, so a later run
// never reads a stale one.
var benchTopic struct {
	once  sync.Once
	name  string
	err   error
	parts int32
}

// readBenchTopic returns the topic holding benchTicks ticks, producing it on
// first use.
func readBenchTopic(b *testing.B, brokers, registry string) string {
	b.Helper()
	benchTopic.once.Do(func() {
		benchTopic.parts = 1
		benchTopic.name = fmt.Sprintf("kafarr-bench-read-ticks-%d", time.Now().UnixNano())
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cl, err := kgo.NewClient(kgo.SeedBrokers(brokers))
		if err != nil {
			benchTopic.err = err
			return
		}
		defer cl.Close()
		resp, err := kadm.NewClient(cl).CreateTopic(ctx, benchTopic.parts, 1, nil, benchTopic.name)
		if err == nil {
			err = resp.Err
		}
		if err != nil {
			benchTopic.err = err
			return
		}
		readProduceTicks(b, ctx, brokers, registry, benchTopic.name, benchTopic.parts, benchTicks)
	})
	if benchTopic.err != nil {
		b.Fatalf("bench topic: %v", benchTopic.err)
	}
	return benchTopic.name
}

// BenchmarkDriverRead1M reads the million ticks through the ADBC driver:
// SELECT * FROM ticks, every batch drained.
func BenchmarkDriverRead1M(b *testing.B) {
	brokers, registry := testenv.Brokers(b), testenv.Registry(b)
	topic := readBenchTopic(b, brokers, registry)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(b, 0)
	cn := readOpen(b, mem, brokers, registry, map[string]string{"kafarr.read.timeout_ms": "120000"})
	st, err := cn.NewStatement()
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if err := st.SetSqlQuery(fmt.Sprintf(`SELECT * FROM "%s"`, topic)); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		rdr, _, err := st.ExecuteQuery(ctx)
		if err != nil {
			b.Fatal(err)
		}
		var n int64
		for rdr.Next() {
			n += rdr.RecordBatch().NumRows()
		}
		if err := rdr.Err(); err != nil {
			b.Fatal(err)
		}
		rdr.Release()
		if n != benchTicks {
			b.Fatalf("read %d ticks, want %d", n, benchTicks)
		}
	}
	b.ReportMetric(float64(benchTicks)*float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkPlainConsumer1M reads the same ticks with a plain franz-go
// consumer: direct partition assignment from offset 0, records counted,
// values not decoded.
func BenchmarkPlainConsumer1M(b *testing.B) {
	brokers, registry := testenv.Brokers(b), testenv.Registry(b)
	topic := readBenchTopic(b, brokers, registry)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		parts := map[int32]kgo.Offset{}
		for p := int32(0); p < benchTopic.parts; p++ {
			parts[p] = kgo.NewOffset().At(0)
		}
		cl, err := kgo.NewClient(kgo.SeedBrokers(brokers),
			kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: parts}),
			kgo.FetchIsolationLevel(kgo.ReadCommitted()))
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for n < benchTicks {
			fs := cl.PollFetches(ctx)
			if err := fs.Err(); err != nil {
				b.Fatal(err)
			}
			n += fs.NumRecords()
		}
		cl.Close()
		if n != benchTicks {
			b.Fatalf("consumed %d ticks, want %d", n, benchTicks)
		}
	}
	b.ReportMetric(float64(benchTicks)*float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
