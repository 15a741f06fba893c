package kafkaio

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafarr/kafarr/internal/adbcerr"
)

func clientClosed(cl *kgo.Client) bool {
	select {
	case <-cl.Context().Done():
		return true
	default:
		return false
	}
}

func TestProducerPool(t *testing.T) {
	c := newCluster(t)
	p := NewProducerPool(Config{Brokers: c.ListenAddrs()})
	defer p.Close()
	plain := ProducerKey{Compression: "none"}
	lz4 := ProducerKey{Compression: "lz4"}
	a, err := p.Get(plain)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := p.Get(plain)
	cl, _ := p.Get(plain)
	if a == b || b == cl {
		t.Fatal("clients in use were handed out twice")
	}
	p.Put(plain, a, true)
	p.Put(plain, b, true)
	p.Put(plain, cl, true) // beyond maxIdleProducers: closed
	if !clientClosed(cl) || clientClosed(a) || clientClosed(b) {
		t.Fatalf("closed after Put: a %v b %v c %v; want only c", clientClosed(a), clientClosed(b), clientClosed(cl))
	}
	if got, _ := p.Get(plain); got != b {
		t.Error("Get did not reuse the idle client")
	}
	if got, _ := p.Get(lz4); got == a {
		t.Error("a client was reused for other settings")
	} else {
		p.Put(lz4, got, false) // a failed ingest's client is closed
		if !clientClosed(got) {
			t.Error("an unhealthy client was kept")
		}
	}
	if _, err := p.Get(ProducerKey{Compression: "brotli"}); adbcerr.Status(err) != adbc.StatusInvalidArgument {
		t.Errorf("Get with compression brotli: %v; want InvalidArgument", err)
	}
	// Close closes the idle clients at once; a client in use is closed
	// when given back.
	p.Close()
	if !clientClosed(a) {
		t.Fatal("the idle client outlived the pool")
	}
	p.Put(plain, b, true)
	if !clientClosed(b) {
		t.Error("a client given back to a closed pool was kept")
	}
}

// TestProducerPoolLimits: clients of different batch limits are never
// handed out for one another, and the pool keeps at most maxIdleTotal idle
// clients, closing the least recently used.
func TestProducerPoolLimits(t *testing.T) {
	c := newCluster(t)
	p := NewProducerPool(Config{Brokers: c.ListenAddrs()})
	defer p.Close()
	small, big := ProducerKey{MaxBatchBytes: 1 << 20}, ProducerKey{MaxBatchBytes: 20 << 20}
	a, _ := p.Get(small)
	if got := a.OptValue(kgo.ProducerBatchMaxBytes); got != batchLimit(1<<20) {
		t.Errorf("client for %d bytes has ProducerBatchMaxBytes %v, want %d", small.MaxBatchBytes, got, batchLimit(1<<20))
	}
	p.Put(small, a, true)
	b, _ := p.Get(big)
	if b == a {
		t.Fatal("a client made for 1 MiB batches was handed out for 20 MiB ones")
	}
	p.Put(big, b, true)
	if got, _ := p.Get(small); got != a {
		t.Error("the idle client of the same limit was not reused")
	} else {
		p.Put(small, got, true)
	}
	// Fill the pool past maxIdleTotal with clients of other limits: b,
	// given back least recently, goes first.
	var more []*kgo.Client
	for i := range maxIdleTotal - 1 {
		k := ProducerKey{MaxBatchBytes: int32(2<<20 + i)}
		cl, _ := p.Get(k)
		more = append(more, cl)
	}
	for i, cl := range more {
		p.Put(ProducerKey{MaxBatchBytes: int32(2<<20 + i)}, cl, true)
	}
	if clientClosed(a) || !clientClosed(b) {
		t.Errorf("after %d more idle clients: a closed %v, b closed %v; want only b", len(more), clientClosed(a), clientClosed(b))
	}
}

// TestProducerBatchLimit: a producer made for batches of at most limit
// bytes builds none the broker refuses as larger than max.message.bytes =
// limit, whether kgo counts a batch's length prefix in 4 bytes or as a
// uvarint, and takes a lone record of RecordLimit(limit) bytes (kfake
// checks what a real broker does: the batch against max.message.bytes).
func TestProducerBatchLimit(t *testing.T) {
	// kgo cuts a batch when its broker-counted size s plus the length
	// prefix exceeds batchLimit: 4 bytes before it knows the produce
	// version and with versions below 9, uvarintLen(s) after (sink.go,
	// wireLengthForProduceVersion).
	uvarintLen := func(s int32) int32 {
		n := int32(1)
		for s >>= 7; s != 0; s >>= 7 {
			n++
		}
		return n
	}
	for _, limit := range []int32{1000, 16383, 16384, 100_000, 1048588, 2097151, 2097152, 20 << 20} {
		k := batchLimit(limit)
		for s := limit - 10; s <= limit+10; s++ {
			if (s+4 <= k || s+uvarintLen(s) <= k) && s > limit {
				t.Errorf("limit %d: kgo would build a batch of %d bytes", limit, s)
			}
		}
		if r := RecordLimit(limit); r+4 > k || r+uvarintLen(r) > k || r > limit {
			t.Errorf("limit %d: RecordLimit %d does not pass kgo (batch limit %d) or is over the limit", limit, r, k)
		}
	}
	if got := RecordLimit(100_000); got != 99_999 {
		t.Errorf("RecordLimit(100000) = %d, want 99999 (3-byte uvarint, 4-byte prefix)", got)
	}
	if got := RecordLimit(3_000_000); got != 3_000_000 {
		t.Errorf("RecordLimit(3000000) = %d, want 3000000", got)
	}
	for _, limit := range []int32{100_000, 1048588, 3_000_000} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			c := newCluster(t, kfake.NumBrokers(1))
			adm := NewAdmin(newTestClient(t, c))
			ctx := testCtx(t)
			v := fmt.Sprint(limit)
			if err := adm.CreateTopic(ctx, "t", 1, 1, map[string]*string{"max.message.bytes": &v}); err != nil {
				t.Fatal(err)
			}
			p := NewProducerPool(Config{Brokers: c.ListenAddrs()})
			defer p.Close()
			// The first client buffers before it knows the produce
			// version (counting 4 bytes per prefix); the second, reused,
			// knows it (a uvarint).
			for round := range 2 {
				cl, err := p.Get(ProducerKey{MaxBatchBytes: limit})
				if err != nil {
					t.Fatal(err)
				}
				// Records of sizes that pack batches to within a few bytes
				// of the limit, and one record of RecordLimit: a 61-byte
				// batch header, then the record: its length (3 or 4
				// bytes), attributes and two deltas (3), a null key (1),
				// the value's length (3 or 4), the value and the header
				// count (1).
				var recs []*kgo.Record
				for i := range 20 {
					recs = append(recs, &kgo.Record{Topic: "t", Value: make([]byte, int(limit)/7+i)})
				}
				lenLen := 3
				if limit >= 1<<20 {
					lenLen = 4
				}
				recs = append(recs, &kgo.Record{Topic: "t", Value: make([]byte, int(RecordLimit(limit))-61-lenLen-3-1-lenLen-1)})
				for i, r := range cl.ProduceSync(ctx, recs...) {
					if r.Err != nil {
						t.Fatalf("round %d record %d of %d bytes: %v", round, i, len(r.Record.Value), r.Err)
					}
				}
				p.Put(ProducerKey{MaxBatchBytes: limit}, cl, true)
			}
		})
	}
}
