package kafkaio

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

func TestProduce(t *testing.T) {
	c := newCluster(t, kfake.SeedTopics(3, "t"))
	cl := newTestClient(t, c)
	adm := NewAdmin(cl)
	ctx := testCtx(t)

	if err := checkDurable(cl); err != nil {
		t.Fatalf("kgo defaults are not acks=all + idempotent: %v", err)
	}
	var recs []*kgo.Record
	for i := range 3000 {
		recs = append(recs, &kgo.Record{Topic: "t", Partition: int32(i % 3), Value: []byte(fmt.Sprint(i))})
	}
	acked, err := Produce(ctx, cl, recs)
	if err != nil || acked != 3000 {
		t.Fatalf("Produce = %d, %v", acked, err)
	}
	ends, err := adm.EndOffsets(ctx, "t", ReadUncommitted)
	if err != nil || ends[0] != 1000 || ends[1] != 1000 || ends[2] != 1000 {
		t.Fatalf("end offsets %v, %v", ends, err)
	}
	for _, r := range recs {
		if r.Offset != int64(mustAtoi(t, string(r.Value))/3) {
			t.Fatalf("record %s landed at offset %d", r.Value, r.Offset)
		}
	}
	if n, err := Produce(ctx, cl, nil); n != 0 || err != nil {
		t.Fatalf("empty produce: %d, %v", n, err)
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestProduceFailures(t *testing.T) {
	c := newCluster(t, kfake.SeedTopics(1, "t"))
	ctx := testCtx(t)

	t.Run("missing topic counts acknowledgements", func(t *testing.T) {
		cl := newTestClient(t, c, kgo.RecordDeliveryTimeout(time.Second))
		recs := []*kgo.Record{
			{Topic: "t", Value: []byte("a")},
			{Topic: "t", Value: []byte("b")},
			{Topic: "missing", Value: []byte("c")},
		}
		acked, err := Produce(ctx, cl, recs)
		if acked != 2 {
			t.Fatalf("acked %d, want 2", acked)
		}
		var ae adbc.Error
		if !errorsAs(err, &ae) || ae.Code == adbc.StatusOK {
			t.Fatalf("error %v", err)
		}
		requireStatus(t, err, ae.Code, "producing 3 records: 2 acknowledged, 1 not", `topic "missing"`)
	})

	t.Run("deadline", func(t *testing.T) {
		cl := newTestClient(t, c)
		ctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		acked, err := Produce(ctx, cl, []*kgo.Record{{Topic: "nowhere", Value: []byte("x")}})
		if acked != 0 {
			t.Fatalf("acked %d", acked)
		}
		requireStatus(t, err, adbc.StatusTimeout, "0 acknowledged, 1 not")
	})

	t.Run("weak client refused", func(t *testing.T) {
		for name, opt := range map[string]kgo.Opt{
			"acks=1":         kgo.RequiredAcks(kgo.LeaderAck()),
			"non-idempotent": kgo.DisableIdempotentWrite(),
		} {
			opts := []kgo.Opt{opt}
			if name == "acks=1" {
				opts = append(opts, kgo.DisableIdempotentWrite()) // kgo requires it for acks != all
			}
			cl := newTestClient(t, c, opts...)
			_, err := Produce(ctx, cl, []*kgo.Record{{Topic: "t", Value: []byte("x")}})
			requireStatus(t, err, adbc.StatusInvalidArgument)
		}
	})
}

func TestProduceTransaction(t *testing.T) {
	c := newCluster(t, kfake.SeedTopics(2, "t"))
	plain := newTestClient(t, c)
	txn := newTestClient(t, c, kgo.TransactionalID("ingest"))
	adm := NewAdmin(plain)
	ctx := testCtx(t)

	committedCount := func() int {
		snap, err := adm.Snapshot(ctx, "t", SnapshotOptions{Isolation: ReadCommitted})
		if err != nil {
			t.Fatal(err)
		}
		r, err := NewPartitionReader(plain, "t", snap.Ranges, ReaderOptions{Isolation: ReadCommitted, Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		recs, err := readAll(t, r)
		if err != nil {
			t.Fatal(err)
		}
		return len(recs)
	}

	var recs []*kgo.Record
	for i := range 10 {
		recs = append(recs, &kgo.Record{Topic: "t", Partition: int32(i % 2), Value: []byte(fmt.Sprint(i))})
	}
	acked, err := ProduceTransaction(ctx, txn, recs)
	if err != nil || acked != 10 {
		t.Fatalf("ProduceTransaction = %d, %v", acked, err)
	}
	if n := committedCount(); n != 10 {
		t.Fatalf("read_committed sees %d records, want 10", n)
	}

	// One bad record aborts the whole transaction.
	bad := []*kgo.Record{{Topic: "t", Value: []byte("x")}, {Topic: "t", Partition: 1, Value: []byte("y")}, {Topic: "missing", Value: []byte("z")}}
	acked, err = ProduceTransaction(ctx, txn, bad)
	if acked != 0 {
		t.Fatalf("aborted transaction reports %d acked", acked)
	}
	var ae adbc.Error
	if !errorsAs(err, &ae) {
		t.Fatalf("error %v", err)
	}
	requireStatus(t, err, ae.Code, "transaction aborted", "none of its 3 records", "(2 had been acknowledged)")
	if n := committedCount(); n != 10 {
		t.Fatalf("after abort, read_committed sees %d records, want 10", n)
	}
	// The client is usable for the next transaction.
	if acked, err := ProduceTransaction(ctx, txn, recs[:3]); err != nil || acked != 3 {
		t.Fatalf("transaction after abort: %d, %v", acked, err)
	}
	if n := committedCount(); n != 13 {
		t.Fatalf("read_committed sees %d records, want 13", n)
	}

	_, err = ProduceTransaction(ctx, plain, recs)
	requireStatus(t, err, adbc.StatusInvalidArgument, "transactional id")
}
