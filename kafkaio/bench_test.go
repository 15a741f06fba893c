package kafkaio

import (
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// BenchmarkReaderKfake reads 200,000 small records (the size of an
// Avro-encoded tick, 31 bytes; snappy-compressed by kgo's default producer)
// from 4 partitions of an in-process kfake broker per iteration, and
// reports records per second. kfake serves fetches from memory on
// loopback, so this measures the reader's own cost plus kfake's.
func BenchmarkReaderKfake(b *testing.B) {
	c := newCluster(b, kfake.NumBrokers(1), kfake.SeedTopics(4, "ticks"))
	cl := newTestClient(b, c)
	benchRead(b, cl, "ticks", 4, 50_000)
}

// benchRead produces perPart tick-sized records to each of partitions
// partitions of topic, then reads them all per iteration.
func benchRead(b *testing.B, cl *kgo.Client, topic string, partitions int32, perPart int) {
	var recs []*kgo.Record
	for p := range partitions {
		for i := range perPart {
			v := make([]byte, 31)
			copy(v, fmt.Sprintf("\x06EUR%08d", i))
			binary.LittleEndian.PutUint64(v[20:], uint64(i))
			recs = append(recs, &kgo.Record{Topic: topic, Partition: p, Value: v})
		}
	}
	if n, err := Produce(testCtx(b), cl, recs); err != nil || n != int64(len(recs)) {
		b.Fatalf("produce: %d, %v", n, err)
	}
	snap, err := NewAdmin(cl).Snapshot(testCtx(b), topic, SnapshotOptions{})
	if err != nil {
		b.Fatal(err)
	}
	total := snap.Total()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		r, err := NewPartitionReader(cl, topic, snap.Ranges, ReaderOptions{Timeout: time.Minute})
		if err != nil {
			b.Fatal(err)
		}
		var n int64
		for {
			batch, err := r.NextBatch(testCtx(b))
			if err != nil {
				break
			}
			n += int64(batch.Len())
		}
		r.Close()
		if n != total {
			b.Fatalf("read %d records, want %d", n, total)
		}
	}
	b.ReportMetric(float64(total)*float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}
