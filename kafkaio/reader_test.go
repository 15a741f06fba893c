package kafkaio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// fetchSpy counts the fetch requests a cluster receives and remembers the
// largest MaxWaitMillis asked for.
type fetchSpy struct {
	n       atomic.Int64
	maxWait atomic.Int64
}

func spyFetches(c *kfake.Cluster) *fetchSpy {
	s := &fetchSpy{}
	c.ControlKey(int16(kmsg.Fetch), func(req kmsg.Request) (kmsg.Response, error, bool) {
		s.n.Add(1)
		if w := int64(req.(*kmsg.FetchRequest).MaxWaitMillis); w > s.maxWait.Load() {
			s.maxWait.Store(w)
		}
		return nil, nil, false // observe only
	})
	return s
}

func TestReaderPartitionsExact(t *testing.T) {
	c := newCluster(t, kfake.NumBrokers(3), kfake.SeedTopics(3, "t"))
	cl := newTestClient(t, c)
	counts := map[int32]int{0: 50, 1: 0, 2: 1234}
	for p, n := range counts {
		if n > 0 {
			produceValues(t, cl, "t", p, 0, n)
		}
	}
	snap, err := NewAdmin(cl).Snapshot(testCtx(t), "t", SnapshotOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []PartitionRange{{0, 0, 50}, {1, 0, 0}, {2, 0, 1234}}
	if !slices.Equal(snap.Ranges, want) {
		t.Fatalf("snapshot ranges %v, want %v", snap.Ranges, want)
	}

	spy := spyFetches(c)
	r, err := NewPartitionReader(cl, "t", snap.Ranges, ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	recs, err := readAll(t, r)
	if err != nil {
		t.Fatal(err)
	}
	got := byPartition(t, recs)
	for p, n := range counts {
		if !slices.Equal(got[p], wantValues(p, 0, n)) {
			t.Fatalf("partition %d: got %d values, want %d in order", p, len(got[p]), n)
		}
	}
	for _, rec := range recs {
		if rec.Topic != "t" || string(rec.Value) != value(rec.Partition, int(rec.Offset)) {
			t.Fatalf("record %s/%d@%d has value %q", rec.Topic, rec.Partition, rec.Offset, rec.Value)
		}
	}
	if pos := r.Positions(); pos[0] != 50 || pos[1] != 0 || pos[2] != 1234 {
		t.Fatalf("positions %v", pos)
	}
	if d, total := r.Progress(); d != 1284 || total != 1284 {
		t.Fatalf("progress %d/%d, want 1284/1284", d, total)
	}
	// A bounded read never asks the broker to wait.
	if w := spy.maxWait.Load(); w != 0 {
		t.Fatalf("bounded read sent a fetch with MaxWaitMillis %d", w)
	}
	// Errors and EOF are sticky.
	if _, err := r.Next(testCtx(t)); !errors.Is(err, io.EOF) {
		t.Fatalf("Next after EOF: %v", err)
	}
}

func TestReaderEndNeedsNoExtraFetch(t *testing.T) {
	// One partition whose whole range fits one response: the read must
	// end after exactly one fetch, not wait for another round.
	c := newCluster(t, kfake.SeedTopics(1, "t"))
	cl := newTestClient(t, c)
	produceValues(t, cl, "t", 0, 0, 100)
	spy := spyFetches(c)
	r, err := NewPartitionReader(cl, "t", []PartitionRange{{0, 0, 100}}, ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	recs, err := readAll(t, r)
	if err != nil || len(recs) != 100 {
		t.Fatalf("read %d records, err %v", len(recs), err)
	}
	if n := spy.n.Load(); n != 1 {
		t.Fatalf("read took %d fetch requests, want 1", n)
	}
}

func TestReaderEmpty(t *testing.T) {
	c := newCluster(t, kfake.SeedTopics(2, "empty"))
	cl := newTestClient(t, c)
	spy := spyFetches(c)
	snap, err := NewAdmin(cl).Snapshot(testCtx(t), "empty", SnapshotOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []PartitionRange{{0, 0, 0}, {1, 0, 0}}; !slices.Equal(snap.Ranges, want) {
		t.Fatalf("ranges %v, want %v", snap.Ranges, want)
	}
	for _, ranges := range [][]PartitionRange{snap.Ranges, nil} {
		r, err := NewPartitionReader(cl, "empty", ranges, ReaderOptions{Timeout: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Next(testCtx(t)); !errors.Is(err, io.EOF) {
			t.Fatalf("Next on empty ranges: %v", err)
		}
		r.Close()
	}
	if n := spy.n.Load(); n != 0 {
		t.Fatalf("empty ranges caused %d fetches", n)
	}
}

func TestReaderSubrangesAndBudget(t *testing.T) {
	c := newCluster(t, kfake.NumBrokers(2), kfake.SeedTopics(2, "t"))
	cl := newTestClient(t, c)
	produceValues(t, cl, "t", 0, 0, 30)
	produceValues(t, cl, "t", 1, 0, 30)

	tests := []struct {
		name      string
		ranges    []PartitionRange
		budget    int64
		wantCount int
		check     func(t *testing.T, got map[int32][]string, pos map[int32]int64)
	}{
		{
			name:      "middle slices",
			ranges:    []PartitionRange{{0, 10, 20}, {1, 25, 30}},
			wantCount: 15,
			check: func(t *testing.T, got map[int32][]string, pos map[int32]int64) {
				if !slices.Equal(got[0], wantValues(0, 10, 20)) || !slices.Equal(got[1], wantValues(1, 25, 30)) {
					t.Fatalf("got %v", got)
				}
				if pos[0] != 20 || pos[1] != 30 {
					t.Fatalf("positions %v", pos)
				}
			},
		},
		{
			name:      "budget of 7 from one partition",
			ranges:    []PartitionRange{{0, 3, 30}},
			budget:    7,
			wantCount: 7,
			check: func(t *testing.T, got map[int32][]string, pos map[int32]int64) {
				if !slices.Equal(got[0], wantValues(0, 3, 10)) || pos[0] != 10 {
					t.Fatalf("got %v, positions %v", got, pos)
				}
			},
		},
		{
			name:      "budget across partitions",
			ranges:    []PartitionRange{{0, 0, 30}, {1, 0, 30}},
			budget:    45,
			wantCount: 45,
			check: func(t *testing.T, got map[int32][]string, pos map[int32]int64) {
				// Whatever the interleaving, each partition is a
				// prefix and positions follow the last record.
				for p, vs := range got {
					if !slices.Equal(vs, wantValues(p, 0, len(vs))) || pos[p] != int64(len(vs)) {
						t.Fatalf("partition %d: %v, position %d", p, vs, pos[p])
					}
				}
			},
		},
		{
			name:      "budget larger than data",
			ranges:    []PartitionRange{{0, 28, 30}},
			budget:    1000,
			wantCount: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewPartitionReader(cl, "t", tt.ranges, ReaderOptions{MaxRecords: tt.budget})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			recs, err := readAll(t, r)
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != tt.wantCount {
				t.Fatalf("read %d records, want %d", len(recs), tt.wantCount)
			}
			if tt.check != nil {
				tt.check(t, byPartition(t, recs), r.Positions())
			}
		})
	}
}

func TestReaderTimeout(t *testing.T) {
	c := newCluster(t, kfake.SeedTopics(2, "t"))
	cl := newTestClient(t, c)
	produceValues(t, cl, "t", 0, 0, 5)
	produceValues(t, cl, "t", 1, 0, 3)
	// Partition 0's end lies beyond what exists: it can never finish.
	r, err := NewPartitionReader(cl, "t", []PartitionRange{{0, 0, 15}, {1, 0, 3}}, ReaderOptions{Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	recs, err := readAll(t, r)
	requireStatus(t, err, adbc.StatusTimeout, `topic "t"`, "partition 0 at offset 5 of end 15")
	if len(recs) != 8 {
		t.Fatalf("got %d records before the timeout, want 8", len(recs))
	}
	if strings.Contains(err.Error(), "partition 1 at") {
		t.Fatalf("finished partition 1 listed as unfinished: %v", err)
	}
	// The error is sticky.
	if _, err2 := r.Next(testCtx(t)); err2 == nil || err2.Error() != err.Error() {
		t.Fatalf("second Next: %v", err2)
	}
}

func TestReaderCallerContext(t *testing.T) {
	c := newCluster(t, kfake.SeedTopics(1, "t"))
	cl := newTestClient(t, c)
	r, err := NewPartitionReader(cl, "t", []PartitionRange{{0, 0, 10}}, ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	_, err = r.Next(ctx)
	requireStatus(t, err, adbc.StatusCancelled, `topic "t"`, "partition 0 at offset 0 of end 10")

	r2, err := NewPartitionReader(cl, "t", []PartitionRange{{0, 0, 10}}, ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	ctx2, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	_, err = r2.Next(ctx2)
	requireStatus(t, err, adbc.StatusTimeout, `topic "t"`)
}

func TestReaderMissingTopic(t *testing.T) {
	c := newCluster(t, kfake.SeedTopics(1, "t"))
	cl := newTestClient(t, c)
	r, err := NewPartitionReader(cl, "nope", []PartitionRange{{0, 0, 10}}, ReaderOptions{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	_, err = r.Next(testCtx(t))
	requireStatus(t, err, adbc.StatusNotFound, `"nope"`)

	r2, err := NewPartitionReader(cl, "t", []PartitionRange{{7, 0, 10}}, ReaderOptions{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	_, err = r2.Next(testCtx(t))
	requireStatus(t, err, adbc.StatusNotFound, "partition 7", `"t"`)
}

func TestReaderInvalidOptions(t *testing.T) {
	c := newCluster(t, kfake.SeedTopics(1, "t"))
	cl := newTestClient(t, c)
	tests := []struct {
		name   string
		ranges []PartitionRange
		opts   ReaderOptions
		want   string
	}{
		{"negative budget", nil, ReaderOptions{MaxRecords: -1}, "budget"},
		{"negative timeout", nil, ReaderOptions{Timeout: -time.Second}, "timeout"},
		{"bad isolation", nil, ReaderOptions{Isolation: 5}, "isolation"},
		{"overlapping ranges of a partition", []PartitionRange{{0, 0, 2}, {0, 1, 3}}, ReaderOptions{}, "partition 0"},
		{"negative start", []PartitionRange{{0, -2, 1}}, ReaderOptions{}, "start offset -2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewPartitionReader(cl, "t", tt.ranges, tt.opts)
			requireStatus(t, err, adbc.StatusInvalidArgument, tt.want)
		})
	}
}

// produceTxn produces values through a transactional client and commits or
// aborts.
func produceTxn(t *testing.T, cl *kgo.Client, topic string, p int32, vals []string, commit bool) {
	t.Helper()
	ctx := testCtx(t)
	if err := cl.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	for _, v := range vals {
		if err := cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Partition: p, Value: []byte(v)}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	if err := cl.EndTransaction(ctx, kgo.TransactionEndTry(commit)); err != nil {
		t.Fatal(err)
	}
}

func TestReaderTransactions(t *testing.T) {
	c := newCluster(t, kfake.SeedTopics(1, "tx"))
	plain := newTestClient(t, c)
	txn := newTestClient(t, c, kgo.TransactionalID("kafkaio-test"))

	// Offsets: 0-2 plain, 3-4 committed txn + marker at 5, 6-7 aborted txn
	// + marker at 8. HWM = LSO = 9; the last data record is at 4 (read
	// committed) or 7 (uncommitted), never at End-1.
	produceValues(t, plain, "tx", 0, 0, 3)
	produceTxn(t, txn, "tx", 0, []string{"c1", "c2"}, true)
	produceTxn(t, txn, "tx", 0, []string{"a1", "a2"}, false)

	adm := NewAdmin(plain)
	for _, tt := range []struct {
		iso  Isolation
		want []string
	}{
		{ReadCommitted, []string{value(0, 0), value(0, 1), value(0, 2), "c1", "c2"}},
		{ReadUncommitted, []string{value(0, 0), value(0, 1), value(0, 2), "c1", "c2", "a1", "a2"}},
	} {
		t.Run(tt.iso.String(), func(t *testing.T) {
			snap, err := adm.Snapshot(testCtx(t), "tx", SnapshotOptions{Isolation: tt.iso})
			if err != nil {
				t.Fatal(err)
			}
			if want := []PartitionRange{{0, 0, 9}}; !slices.Equal(snap.Ranges, want) {
				t.Fatalf("ranges %v, want %v", snap.Ranges, want)
			}
			// The timeout is only a backstop: finishing relies on the
			// position moving past the markers.
			r, err := NewPartitionReader(plain, "tx", snap.Ranges, ReaderOptions{Isolation: tt.iso, Timeout: 10 * time.Second})
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
				t.Fatalf("position %d, want 9 (past the abort marker)", pos)
			}
		})
	}
}

func TestReaderOpenTransaction(t *testing.T) {
	c := newCluster(t, kfake.SeedTopics(1, "tx"))
	plain := newTestClient(t, c)
	txnA := newTestClient(t, c, kgo.TransactionalID("a"))
	txnB := newTestClient(t, c, kgo.TransactionalID("b"))
	ctx := testCtx(t)

	produceValues(t, plain, "tx", 0, 0, 2) // offsets 0, 1
	// Transaction A writes 2-3, then B opens at 4 and stays open, then A
	// aborts (marker at 5). The LSO is 4: below it, the read-committed
	// range ends in aborted records whose marker lies above the LSO.
	if err := txnA.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"a1", "a2"} {
		if err := txnA.ProduceSync(ctx, &kgo.Record{Topic: "tx", Value: []byte(v)}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	if err := txnB.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	if err := txnB.ProduceSync(ctx, &kgo.Record{Topic: "tx", Value: []byte("b1")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	if err := txnA.EndTransaction(ctx, kgo.TryAbort); err != nil {
		t.Fatal(err)
	}
	defer txnB.EndTransaction(context.Background(), kgo.TryAbort) //nolint:errcheck

	adm := NewAdmin(plain)
	for _, tt := range []struct {
		iso  Isolation
		end  int64
		want []string
	}{
		{ReadCommitted, 4, []string{value(0, 0), value(0, 1)}},
		{ReadUncommitted, 6, []string{value(0, 0), value(0, 1), "a1", "a2", "b1"}},
	} {
		t.Run(tt.iso.String(), func(t *testing.T) {
			snap, err := adm.Snapshot(testCtx(t), "tx", SnapshotOptions{Isolation: tt.iso})
			if err != nil {
				t.Fatal(err)
			}
			if want := []PartitionRange{{0, 0, tt.end}}; !slices.Equal(snap.Ranges, want) {
				t.Fatalf("ranges %v, want %v", snap.Ranges, want)
			}
			r, err := NewPartitionReader(plain, "tx", snap.Ranges, ReaderOptions{Isolation: tt.iso, Timeout: 10 * time.Second})
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
			if pos := r.Positions()[0]; pos != tt.end {
				t.Fatalf("position %d, want %d", pos, tt.end)
			}
		})
	}
}

func TestReaderDeletedRecords(t *testing.T) {
	c := newCluster(t, kfake.SeedTopics(1, "t"))
	cl := newTestClient(t, c)
	produceValues(t, cl, "t", 0, 0, 20)
	if err := c.DeleteRecords("t", 0, 8); err != nil {
		t.Fatal(err)
	}
	adm := NewAdmin(cl)
	snap, err := adm.Snapshot(testCtx(t), "t", SnapshotOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []PartitionRange{{0, 8, 20}}; !slices.Equal(snap.Ranges, want) {
		t.Fatalf("ranges %v, want %v", snap.Ranges, want)
	}

	tests := []struct {
		name    string
		ranges  []PartitionRange
		skip    bool
		want    []string
		wantErr string
	}{
		{name: "from the new log start", ranges: snap.Ranges, want: wantValues(0, 8, 20)},
		{name: "stale start fails", ranges: []PartitionRange{{0, 2, 20}}, wantErr: "offsets [2, 8) were deleted"},
		{name: "stale start skipped", ranges: []PartitionRange{{0, 2, 20}}, skip: true, want: wantValues(0, 8, 20)},
		{name: "whole range deleted, skipped", ranges: []PartitionRange{{0, 2, 6}}, skip: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewPartitionReader(cl, "t", tt.ranges, ReaderOptions{SkipDeleted: tt.skip, Timeout: 10 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			recs, err := readAll(t, r)
			if tt.wantErr != "" {
				requireStatus(t, err, adbc.StatusInvalidState, tt.wantErr, `topic "t" partition 0`)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := byPartition(t, recs)[0]; !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestReaderCompactedGaps(t *testing.T) {
	c := newCluster(t, kfake.SeedTopics(1, "t"))
	cl := newTestClient(t, c)
	adm := NewAdmin(cl)
	if err := adm.CreateTopic(testCtx(t), "compacted", 1, 1, map[string]*string{"cleanup.policy": kmsgStr("compact")}); err != nil {
		t.Fatal(err)
	}
	// One record per batch. Keys k0 k1 k2 k1 k3 k2 k4: compaction keeps
	// the latest of each key, dropping offsets 1 and 2 from the middle.
	for i, k := range []int{0, 1, 2, 1, 3, 2, 4} {
		rec := &kgo.Record{Topic: "compacted", Key: []byte(fmt.Sprintf("k%d", k)), Value: []byte(fmt.Sprintf("v%d", i))}
		if err := cl.ProduceSync(testCtx(t), rec).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	c.Compact()
	r, err := NewPartitionReader(cl, "compacted", []PartitionRange{{0, 0, 7}}, ReaderOptions{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	recs, err := readAll(t, r)
	if err != nil {
		t.Fatal(err)
	}
	var offsets []int64
	for _, rec := range recs {
		offsets = append(offsets, rec.Offset)
	}
	if !slices.Equal(offsets, []int64{0, 3, 4, 5, 6}) {
		t.Fatalf("offsets after compaction %v, want [0 3 4 5 6]", offsets)
	}
	if pos := r.Positions()[0]; pos != 7 {
		t.Fatalf("position %d, want 7", pos)
	}
}

func kmsgStr(s string) *string { return &s }

func TestReaderTailGap(t *testing.T) {
	// A broker answers an empty partition whose high watermark is past
	// the range's end: nothing is stored in [pos, end), so the read is
	// done at once rather than timing out. (Compaction or deletion can
	// leave such a gap at a range's tail; kfake keeps the last batch, so
	// the answer is staged.)
	c := newCluster(t, kfake.SeedTopics(1, "t"))
	cl := newTestClient(t, c)
	produceValues(t, cl, "t", 0, 0, 5)
	c.ControlKey(int16(kmsg.Fetch), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		req := kreq.(*kmsg.FetchRequest)
		if len(req.Topics) != 1 || len(req.Topics[0].Partitions) != 1 || req.Topics[0].Partitions[0].FetchOffset != 5 {
			return nil, nil, false
		}
		c.KeepControl()
		resp := req.ResponseKind().(*kmsg.FetchResponse)
		rt := kmsg.NewFetchResponseTopic()
		rt.Topic, rt.TopicID = req.Topics[0].Topic, req.Topics[0].TopicID
		rp := kmsg.NewFetchResponseTopicPartition()
		rp.HighWatermark, rp.LastStableOffset, rp.LogStartOffset = 9, 9, 0
		rt.Partitions = append(rt.Partitions, rp)
		resp.Topics = append(resp.Topics, rt)
		return resp, nil, true
	})
	r, err := NewPartitionReader(cl, "t", []PartitionRange{{0, 3, 9}}, ReaderOptions{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	recs, err := readAll(t, r)
	if err != nil {
		t.Fatal(err)
	}
	if got := byPartition(t, recs)[0]; !slices.Equal(got, wantValues(0, 3, 5)) {
		t.Fatalf("got %v", got)
	}
	if pos := r.Positions()[0]; pos != 9 {
		t.Fatalf("position %d, want 9", pos)
	}
}

func TestReaderSmallResponses(t *testing.T) {
	// With a response budget of one byte every response carries a single
	// batch, so all but the first partition of each request come back
	// empty: they must be asked for again, never taken as finished.
	c := newCluster(t, kfake.SeedTopics(4, "t"))
	cl := newTestClient(t, c)
	var ranges []PartitionRange
	for p := range int32(4) {
		for i := range 3 { // three batches per partition
			produceValues(t, cl, "t", p, i*4, 4)
		}
		ranges = append(ranges, PartitionRange{p, 0, 12})
	}
	r, err := NewPartitionReader(cl, "t", ranges, ReaderOptions{MaxBytes: 1, PartitionMaxBytes: 1, Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	recs, err := readAll(t, r)
	if err != nil {
		t.Fatal(err)
	}
	got := byPartition(t, recs)
	for p := range int32(4) {
		if !slices.Equal(got[p], wantValues(p, 0, 12)) {
			t.Fatalf("partition %d: %v", p, got[p])
		}
	}
}

func TestReaderFollow(t *testing.T) {
	c := newCluster(t, kfake.SeedTopics(2, "t"))
	cl := newTestClient(t, c)
	produceValues(t, cl, "t", 0, 0, 5)
	adm := NewAdmin(cl)
	snap, err := adm.Snapshot(testCtx(t), "t", SnapshotOptions{Start: StartLatest})
	if err != nil {
		t.Fatal(err)
	}
	if want := []PartitionRange{{0, 5, 5}, {1, 0, 0}}; !slices.Equal(snap.Ranges, want) {
		t.Fatalf("ranges %v, want %v", snap.Ranges, want)
	}

	t.Run("budget reached", func(t *testing.T) {
		r, err := NewPartitionReader(cl, "t", snap.Ranges, ReaderOptions{Follow: true, MaxRecords: 3, Timeout: 20 * time.Second, FollowMaxWait: 100 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(150 * time.Millisecond) // let the reader start waiting
			produceValues(t, cl, "t", 0, 5, 2)
			produceValues(t, cl, "t", 1, 0, 2)
		}()
		recs, err := readAll(t, r)
		wg.Wait()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 3 {
			t.Fatalf("follow read %d records, want 3", len(recs))
		}
		got := byPartition(t, recs)
		for p, vs := range got {
			from := map[int32]int{0: 5, 1: 0}[p]
			if !slices.Equal(vs, wantValues(p, from, from+len(vs))) {
				t.Fatalf("partition %d: %v", p, vs)
			}
		}
	})

	t.Run("deadline ends quietly", func(t *testing.T) {
		snap, err := adm.Snapshot(testCtx(t), "t", SnapshotOptions{Start: StartLatest})
		if err != nil {
			t.Fatal(err)
		}
		r, err := NewPartitionReader(cl, "t", snap.Ranges, ReaderOptions{Follow: true, MaxRecords: 100, Timeout: 300 * time.Millisecond, FollowMaxWait: 100 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		recs, err := readAll(t, r)
		if err != nil || len(recs) != 0 {
			t.Fatalf("follow read with no new data: %d records, err %v", len(recs), err)
		}
		if pos := r.Positions(); pos[0] != snap.Ranges[0].Start || pos[1] != snap.Ranges[1].Start {
			t.Fatalf("positions %v moved without data", pos)
		}
	})
}

func TestReaderGroupWalk(t *testing.T) {
	// The pykafarr listener loop: snapshot from the group's commits, read
	// LIMIT n, commit the positions; repeated, it walks the topic without
	// gaps or duplicates.
	c := newCluster(t, kfake.SeedTopics(3, "t"))
	cl := newTestClient(t, c)
	for p := range int32(3) {
		produceValues(t, cl, "t", p, 0, 10)
	}
	adm := NewAdmin(cl)
	seen := make(map[string]int)
	for round := 0; ; round++ {
		if round > 20 {
			t.Fatal("group walk does not end")
		}
		snap, err := adm.Snapshot(testCtx(t), "t", SnapshotOptions{Group: "g"})
		if err != nil {
			t.Fatal(err)
		}
		r, err := NewPartitionReader(cl, "t", snap.Ranges, ReaderOptions{MaxRecords: 7})
		if err != nil {
			t.Fatal(err)
		}
		recs, err := readAll(t, r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) == 0 {
			break
		}
		for _, rec := range recs {
			seen[string(rec.Value)]++
		}
		if err := adm.CommitOffsets(testCtx(t), "g", "t", r.Positions()); err != nil {
			t.Fatal(err)
		}
	}
	if len(seen) != 30 {
		t.Fatalf("walk saw %d distinct records, want 30", len(seen))
	}
	for v, n := range seen {
		if n != 1 {
			t.Fatalf("record %s delivered %d times", v, n)
		}
	}
	committed, err := adm.CommittedOffsets(testCtx(t), "g", "t")
	if err != nil {
		t.Fatal(err)
	}
	if committed[0] != 10 || committed[1] != 10 || committed[2] != 10 {
		t.Fatalf("final commits %v, want 10 each", committed)
	}
}

func TestReaderClose(t *testing.T) {
	c := newCluster(t, kfake.SeedTopics(1, "t"))
	cl := newTestClient(t, c)
	produceValues(t, cl, "t", 0, 0, 10)
	r, err := NewPartitionReader(cl, "t", []PartitionRange{{0, 0, 100}}, ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := r.Next(testCtx(t))
	if err != nil || len(recs) == 0 {
		t.Fatalf("first Next: %d records, %v", len(recs), err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-r.stopped:
	default:
		t.Fatal("fetcher still running after Close")
	}
	if _, err := r.Next(testCtx(t)); !errors.Is(err, io.EOF) {
		t.Fatalf("Next after Close: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestReaderLeaderMove(t *testing.T) {
	// Partition 0 moves to another broker mid-read: the reader follows it.
	c := newCluster(t, kfake.NumBrokers(3), kfake.SeedTopics(1, "t"))
	cl := newTestClient(t, c)
	produceValues(t, cl, "t", 0, 0, 40)
	var moved atomic.Bool
	c.ControlKey(int16(kmsg.Fetch), func(kmsg.Request) (kmsg.Response, error, bool) {
		if moved.CompareAndSwap(false, true) {
			next := (c.LeaderFor("t", 0) + 1) % 3
			if err := c.MoveTopicPartition("t", 0, next); err != nil {
				t.Errorf("moving partition: %v", err)
			}
		}
		return nil, nil, false
	})
	r, err := NewPartitionReader(cl, "t", []PartitionRange{{0, 0, 40}}, ReaderOptions{PartitionMaxBytes: 1, Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	recs, err := readAll(t, r)
	if err != nil {
		t.Fatal(err)
	}
	if got := byPartition(t, recs)[0]; !slices.Equal(got, wantValues(0, 0, 40)) {
		t.Fatalf("got %d records", len(got))
	}
}

func TestReaderClusterDown(t *testing.T) {
	c := newCluster(t, kfake.SeedTopics(1, "t"))
	cl := newTestClient(t, c)
	produceValues(t, cl, "t", 0, 0, 10)
	// The range reaches past the data, so the reader keeps fetching after
	// the first ten records, when the cluster goes away.
	r, err := NewPartitionReader(cl, "t", []PartitionRange{{0, 0, 20}}, ReaderOptions{Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	recs, err := r.Next(testCtx(t))
	if err != nil || len(recs) != 10 {
		t.Fatalf("first Next: %d records, %v", len(recs), err)
	}
	c.Close()
	_, err = readAll(t, r)
	requireStatus(t, err, adbc.StatusTimeout, "partition 0 at offset 10 of end 20", "last fetch error: broker", "127.0.0.1:")
}

func TestReaderCorruptData(t *testing.T) {
	c := newCluster(t, kfake.SeedTopics(1, "t"))
	cl := newTestClient(t, c)
	produceValues(t, cl, "t", 0, 0, 3)
	c.ControlKey(int16(kmsg.Fetch), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		req := kreq.(*kmsg.FetchRequest)
		c.KeepControl()
		resp := req.ResponseKind().(*kmsg.FetchResponse)
		rt := kmsg.NewFetchResponseTopic()
		rt.Topic, rt.TopicID = req.Topics[0].Topic, req.Topics[0].TopicID
		rp := *corrupted(partitionOf(dataBatch(0, -1, false, "a", "b", "c")), 65)
		rp.HighWatermark, rp.LastStableOffset = 3, 3
		rt.Partitions = append(rt.Partitions, rp)
		resp.Topics = append(resp.Topics, rt)
		return resp, nil, true
	})
	r, err := NewPartitionReader(cl, "t", []PartitionRange{{0, 0, 3}}, ReaderOptions{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	_, err = readAll(t, r)
	requireStatus(t, err, adbc.StatusInvalidData, `topic "t" partition 0 at offset 0`, "CRC mismatch")
}

func TestReaderRecordFields(t *testing.T) {
	c := newCluster(t, kfake.SeedTopics(1, "t"))
	cl := newTestClient(t, c)
	ts := time.UnixMilli(1_700_000_000_123)
	recs := []*kgo.Record{
		{Topic: "t", Key: nil, Value: nil, Timestamp: ts},
		{Topic: "t", Key: []byte("k"), Value: []byte{}, Timestamp: ts.Add(time.Second), Headers: []kgo.RecordHeader{{Key: "a", Value: []byte("1")}, {Key: "b"}}},
	}
	if n, err := Produce(testCtx(t), cl, recs); err != nil || n != 2 {
		t.Fatalf("produce: %d, %v", n, err)
	}
	r, err := NewPartitionReader(cl, "t", []PartitionRange{{0, 0, 2}}, ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := r.NextBatch(testCtx(t))
	if err != nil || b.Len() != 2 {
		t.Fatalf("NextBatch: %v, %v", b, err)
	}
	if b.Topic != "t" || b.Partition != 0 || b.Key(0) != nil || b.Value(0) != nil || string(b.Key(1)) != "k" || b.Value(1) == nil || len(b.Value(1)) != 0 {
		t.Fatal("keys/values")
	}
	if b.Timestamps[0] != ts.UnixMilli() || b.Timestamps[1] != ts.UnixMilli()+1000 {
		t.Fatalf("timestamps %v", b.Timestamps)
	}
	if h := b.Headers(1); len(h) != 2 || h[0].Key != "a" || string(h[0].Value) != "1" || h[1].Key != "b" || len(h[1].Value) != 0 || b.Headers(0) != nil {
		t.Fatalf("headers %+v", h)
	}
}
