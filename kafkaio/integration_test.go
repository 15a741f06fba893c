package kafkaio

// Tests against the real broker and registry of tests/stack:
//
//	tests/stack/stack.sh up
//	set -a; . .build/stack/env; set +a
//	KAFARR_REQUIRE_STACK=1 go test -run Integration ./kafkaio/
//
// They skip when KAFARR_TEST_BROKERS is unset, and fail instead when
// KAFARR_REQUIRE_STACK=1. (internal/testenv did not exist when these were
// written; they read the environment themselves.)

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafarr/kafarr/internal/adbcerr"
	"github.com/kafarr/kafarr/internal/testenv"
)

// stackEnv returns the value of env var name, skipping the test when it is
// unset unless KAFARR_REQUIRE_STACK=1.
func stackEnv(t *testing.T, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		if os.Getenv("KAFARR_REQUIRE_STACK") == "1" {
			t.Fatalf("%s is not set but KAFARR_REQUIRE_STACK=1: start tests/stack/stack.sh up and source .build/stack/env", name)
		}
		t.Skipf("%s not set: no real stack (tests/stack/stack.sh up)", name)
	}
	return v
}

// realTopic creates a uniquely named topic on the real broker, deleted with
// the test.
func realTopic(t *testing.T, adm *Admin, partitions int32) string {
	t.Helper()
	name := fmt.Sprintf("kafkaio-it-%s-%d", t.Name(), time.Now().UnixNano())
	if err := adm.CreateTopic(testCtx(t), name, partitions, 1, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = adm.DeleteTopic(ctx, name)
	})
	return name
}

// realClient returns a client on the real broker, closed with the test
// and leak-checked after.
func realClient(t *testing.T, extra ...kgo.Opt) *kgo.Client {
	t.Helper()
	brokers := stackEnv(t, "KAFARR_TEST_BROKERS")
	testenv.CheckLeaks(t)
	extra = append([]kgo.Opt{kgo.RecordPartitioner(kgo.ManualPartitioner())}, extra...)
	cl, err := Connect(testCtx(t), Config{Brokers: []string{brokers}}, extra...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

func TestIntegrationReadWrite(t *testing.T) {
	cl := realClient(t)
	adm := NewAdmin(cl)
	ctx := testCtx(t)
	topic := realTopic(t, adm, 3)

	if err := adm.CreateTopic(ctx, topic, 1, 1, nil); adbcerr.Status(err) != adbc.StatusAlreadyExists {
		t.Fatalf("creating an existing topic: %v", err)
	}
	counts := map[int32]int{0: 1000, 1: 0, 2: 25}
	for p, n := range counts {
		if n > 0 {
			produceValues(t, cl, topic, p, 0, n)
		}
	}
	snap, err := adm.Snapshot(ctx, topic, SnapshotOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []PartitionRange{{0, 0, 1000}, {1, 0, 0}, {2, 0, 25}}; !slices.Equal(snap.Ranges, want) {
		t.Fatalf("ranges %v, want %v", snap.Ranges, want)
	}
	start := time.Now()
	r, err := NewPartitionReader(cl, topic, snap.Ranges, ReaderOptions{Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := readAll(t, r)
	r.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("read %d records in %s", len(recs), time.Since(start))
	got := byPartition(t, recs)
	for p, n := range counts {
		if !slices.Equal(got[p], wantValues(p, 0, n)) {
			t.Fatalf("partition %d: %d values", p, len(got[p]))
		}
	}

	// LIMIT-style budget and the tail of a partition: the last 10 offsets
	// of each range (the whole of partition 1, which is empty).
	tail := []PartitionRange{{0, 990, 1000}, {1, 0, 0}, {2, 15, 25}}
	r, err = NewPartitionReader(cl, topic, tail, ReaderOptions{MaxRecords: 15, Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	recs, err = readAll(t, r)
	r.Close()
	if err != nil || len(recs) != 15 {
		t.Fatalf("tail read: %d records, %v", len(recs), err)
	}
	for _, rec := range recs {
		if end := snap.Ranges[rec.Partition].End; rec.Offset < end-10 {
			t.Fatalf("tail read returned offset %d of partition %d (end %d)", rec.Offset, rec.Partition, end)
		}
	}

	// Group walk.
	group := topic + "-g"
	seen := 0
	for range 10 {
		s, err := adm.Snapshot(ctx, topic, SnapshotOptions{Group: group})
		if err != nil {
			t.Fatal(err)
		}
		r, err := NewPartitionReader(cl, topic, s.Ranges, ReaderOptions{MaxRecords: 400, Timeout: 20 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		recs, err := readAll(t, r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		seen += len(recs)
		if len(recs) == 0 {
			break
		}
		if err := adm.CommitOffsets(ctx, group, topic, r.Positions()); err != nil {
			t.Fatal(err)
		}
	}
	if seen != 1025 {
		t.Fatalf("group walk saw %d records, want 1025", seen)
	}
}

func TestIntegrationTransactions(t *testing.T) {
	plain := realClient(t)
	txn := realClient(t, kgo.TransactionalID(fmt.Sprintf("kafkaio-it-%d", time.Now().UnixNano())))
	adm := NewAdmin(plain)
	ctx := testCtx(t)
	topic := realTopic(t, adm, 1)

	produceValues(t, plain, topic, 0, 0, 3)
	if n, err := ProduceTransaction(ctx, txn, []*kgo.Record{{Topic: topic, Value: []byte("c1")}, {Topic: topic, Value: []byte("c2")}}); err != nil || n != 2 {
		t.Fatalf("committed transaction: %d, %v", n, err)
	}
	produceTxn(t, txn, topic, 0, []string{"a1", "a2"}, false)
	// Transaction markers are written after EndTransaction returns: the
	// last stable offset reaches 9 a moment later.
	for deadline := time.Now().Add(10 * time.Second); ; {
		ends, err := adm.EndOffsets(ctx, topic, ReadCommitted)
		if err != nil {
			t.Fatal(err)
		}
		if ends[0] == 9 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("last stable offset stuck at %d", ends[0])
		}
		time.Sleep(20 * time.Millisecond)
	}

	for _, tt := range []struct {
		iso  Isolation
		want []string
	}{
		{ReadCommitted, []string{value(0, 0), value(0, 1), value(0, 2), "c1", "c2"}},
		{ReadUncommitted, []string{value(0, 0), value(0, 1), value(0, 2), "c1", "c2", "a1", "a2"}},
	} {
		t.Run(tt.iso.String(), func(t *testing.T) {
			snap, err := adm.Snapshot(ctx, topic, SnapshotOptions{Isolation: tt.iso})
			if err != nil {
				t.Fatal(err)
			}
			if snap.Ranges[0].End != 9 {
				t.Fatalf("end %d, want 9 (3 + 2 + marker + 2 + marker)", snap.Ranges[0].End)
			}
			start := time.Now()
			r, err := NewPartitionReader(plain, topic, snap.Ranges, ReaderOptions{Isolation: tt.iso, Timeout: 20 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			recs, err := readAll(t, r)
			if err != nil {
				t.Fatal(err)
			}
			if got := byPartition(t, recs)[0]; !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			if pos := r.Positions()[0]; pos != 9 {
				t.Fatalf("position %d, want 9", pos)
			}
			t.Logf("%s read ended after %s", tt.iso, time.Since(start))
		})
	}
}

func TestIntegrationFollow(t *testing.T) {
	cl := realClient(t)
	adm := NewAdmin(cl)
	topic := realTopic(t, adm, 1)
	snap, err := adm.Snapshot(testCtx(t), topic, SnapshotOptions{Start: StartLatest})
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewPartitionReader(cl, topic, snap.Ranges, ReaderOptions{Follow: true, MaxRecords: 4, Timeout: 20 * time.Second, FollowMaxWait: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// Produced from another goroutine, which must not call t.Fatal:
	// its outcome is checked once the read is over.
	produced := make(chan error, 1)
	go func() {
		time.Sleep(300 * time.Millisecond)
		recs := make([]*kgo.Record, 6)
		for i := range recs {
			recs[i] = &kgo.Record{Topic: topic, Partition: 0, Key: []byte(fmt.Sprintf("k%d", i)), Value: []byte(value(0, i))}
		}
		acked, err := Produce(context.Background(), cl, recs)
		if err == nil && acked != 6 {
			err = fmt.Errorf("acked %d of 6", acked)
		}
		produced <- err
	}()
	recs, err := readAll(t, r)
	if perr := <-produced; perr != nil {
		t.Fatalf("producing: %v", perr)
	}
	if err != nil {
		t.Fatal(err)
	}
	if got := byPartition(t, recs)[0]; !slices.Equal(got, wantValues(0, 0, 4)) {
		t.Fatalf("follow got %v", got)
	}
}

func TestIntegrationRegistry(t *testing.T) {
	url := stackEnv(t, "KAFARR_TEST_REGISTRY")
	reg := newReg(t, RegistryConfig{URL: url})
	ctx := testCtx(t)
	subject := fmt.Sprintf("kafkaio-it-%d-value", time.Now().UnixNano())
	t.Cleanup(func() { _, _ = reg.DeleteSubject(context.Background(), subject, true) })

	id1, err := reg.Register(ctx, subject, schemaV1)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := reg.Register(ctx, subject, schemaV1); err != nil || again != id1 {
		t.Fatalf("re-register: %d, %v (want %d)", again, err, id1)
	}
	if l, err := reg.Latest(ctx, subject); err != nil || l.ID != id1 || l.Version != 1 {
		t.Fatalf("latest: %+v, %v", l, err)
	}
	id2, err := reg.Register(ctx, subject, schemaV2)
	if err != nil {
		t.Fatal(err)
	}
	if l, err := reg.Latest(ctx, subject); err != nil || l.ID != id2 || l.Version != 2 {
		t.Fatalf("latest after v2: %+v, %v", l, err)
	}
	fresh := newReg(t, RegistryConfig{URL: url})
	if s, err := fresh.SchemaByID(ctx, id1); err != nil || s.ID != id1 || s.Schema == "" {
		t.Fatalf("by id: %+v, %v", s, err)
	}
	if s, err := fresh.SchemaByVersion(ctx, subject, 1); err != nil || s.ID != id1 {
		t.Fatalf("by version: %+v, %v", s, err)
	}
	_, err = fresh.SchemaByVersion(ctx, subject, 99)
	requireStatus(t, err, adbc.StatusNotFound, subject)
	_, err = fresh.Latest(ctx, subject+"-missing")
	requireStatus(t, err, adbc.StatusNotFound, subject+"-missing")
	if vs, err := reg.DeleteSubject(ctx, subject, true); err != nil || !slices.Equal(vs, []int{1, 2}) {
		t.Fatalf("delete: %v, %v", vs, err)
	}
}

// BenchmarkReaderReal is BenchmarkReaderKfake against the real test broker
// (200,000 records in 4 partitions).
func BenchmarkReaderReal(b *testing.B) {
	brokers := os.Getenv("KAFARR_TEST_BROKERS")
	if brokers == "" {
		b.Skip("KAFARR_TEST_BROKERS not set")
	}
	testenv.CheckLeaks(b)
	cl, err := Connect(testCtx(b), Config{Brokers: []string{brokers}}, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	adm := NewAdmin(cl)
	topic := fmt.Sprintf("kafkaio-bench-%d", time.Now().UnixNano())
	if err := adm.CreateTopic(testCtx(b), topic, 4, 1, nil); err != nil {
		b.Fatal(err)
	}
	defer adm.DeleteTopic(context.Background(), topic) //nolint:errcheck
	benchRead(b, cl, topic, 4, 50_000)
}
