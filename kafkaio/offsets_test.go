package kafkaio

import (
	"encoding/json"
	"maps"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestSnapshotTotal(t *testing.T) {
	// Empty ranges count nothing, including one whose start passed its end.
	s := Snapshot{Topic: "t", Ranges: []PartitionRange{{0, 90, 100}, {1, 40, 45}, {2, 7, 7}, {3, 9, 5}}}
	if got := s.Total(); got != 15 {
		t.Fatalf("Total = %d, want 15", got)
	}
	if got := (Snapshot{}).Total(); got != 0 {
		t.Fatalf("empty Total = %d, want 0", got)
	}
}

func TestOffsetsJSON(t *testing.T) {
	s := Snapshot{Topic: "t", Ranges: []PartitionRange{{2, 5, 9}, {10, 0, 123456789012}}}
	if got, want := s.StartOffsetsJSON(), `{"2":5,"10":0}`; got != want {
		t.Fatalf("StartOffsetsJSON = %s, want %s", got, want)
	}
	if got, want := s.EndOffsetsJSON(), `{"2":9,"10":123456789012}`; got != want {
		t.Fatalf("EndOffsetsJSON = %s, want %s", got, want)
	}
	if got := (Snapshot{}).EndOffsetsJSON(); got != "{}" {
		t.Fatalf("empty: %s", got)
	}
	// The metadata is valid JSON that a reader parses as partition -> offset.
	var m map[string]int64
	if err := json.Unmarshal([]byte(s.EndOffsetsJSON()), &m); err != nil || !maps.Equal(m, map[string]int64{"2": 9, "10": 123456789012}) {
		t.Fatalf("round trip: %v, %v", m, err)
	}
}

// TestOffsetsJSONSeveralRanges covers a partition read in several ranges:
// start and end offsets show the first start and the last end, and
// kafarr.read.ranges lists every range.
func TestOffsetsJSONSeveralRanges(t *testing.T) {
	s := Snapshot{Topic: "t", Ranges: []PartitionRange{{0, 0, 10}, {0, 90, 100}, {2, 5, 5}, {7, 1, 2}, {7, 3, 4}, {7, 8, 9}}}
	for _, c := range []struct{ got, want string }{
		{s.StartOffsetsJSON(), `{"0":0,"2":5,"7":1}`},
		{s.EndOffsetsJSON(), `{"0":100,"2":5,"7":9}`},
		{s.RangesJSON(), `{"0":[[0,10],[90,100]],"2":[[5,5]],"7":[[1,2],[3,4],[8,9]]}`},
		{(Snapshot{}).RangesJSON(), `{}`},
	} {
		if c.got != c.want {
			t.Errorf("got %s, want %s", c.got, c.want)
		}
	}
	var m map[string][][2]int64
	if err := json.Unmarshal([]byte(s.RangesJSON()), &m); err != nil || len(m["7"]) != 3 || m["0"][1] != [2]int64{90, 100} {
		t.Fatalf("RangesJSON round trip: %v, %v", m, err)
	}
}

func TestSnapshot(t *testing.T) {
	c := newCluster(t, kfake.NumBrokers(2), kfake.SeedTopics(3, "t"))
	cl := newTestClient(t, c)
	adm := NewAdmin(cl)
	ctx := testCtx(t)

	// Partition 0 holds 10 records stamped 1000..1009 ms, partition 1 holds
	// 4 stamped 2000..2003, partition 2 is empty.
	var recs []*kgo.Record
	for i := range 10 {
		recs = append(recs, &kgo.Record{Topic: "t", Partition: 0, Value: []byte(value(0, i)), Timestamp: time.UnixMilli(int64(1000 + i))})
	}
	for i := range 4 {
		recs = append(recs, &kgo.Record{Topic: "t", Partition: 1, Value: []byte(value(1, i)), Timestamp: time.UnixMilli(int64(2000 + i))})
	}
	if n, err := Produce(ctx, cl, recs); err != nil || n != 14 {
		t.Fatalf("produce: %d, %v", n, err)
	}
	if err := c.DeleteRecords("t", 0, 3); err != nil {
		t.Fatal(err)
	}
	if err := adm.CommitOffsets(ctx, "g", "t", map[int32]int64{0: 1, 1: 2}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		opts SnapshotOptions
		want []PartitionRange
	}{
		{"earliest", SnapshotOptions{}, []PartitionRange{{0, 3, 10}, {1, 0, 4}, {2, 0, 0}}},
		{"latest", SnapshotOptions{Start: StartLatest}, []PartitionRange{{0, 10, 10}, {1, 4, 4}, {2, 0, 0}}},
		{"timestamp inside", SnapshotOptions{Start: StartTimestamp, Millis: 1005}, []PartitionRange{{0, 5, 10}, {1, 0, 4}, {2, 0, 0}}},
		{"timestamp before log start", SnapshotOptions{Start: StartTimestamp, Millis: 0}, []PartitionRange{{0, 3, 10}, {1, 0, 4}, {2, 0, 0}}},
		{"timestamp after all", SnapshotOptions{Start: StartTimestamp, Millis: 5000}, []PartitionRange{{0, 10, 10}, {1, 4, 4}, {2, 0, 0}}},
		{"partitions subset", SnapshotOptions{Partitions: []int32{2, 1, 1}}, []PartitionRange{{1, 0, 4}, {2, 0, 0}}},
		// The group's commit at 1 on partition 0 was deleted: restart at
		// the log start; partition 2 has no commit: fall back to latest.
		{"group with fallback", SnapshotOptions{Group: "g", Start: StartLatest}, []PartitionRange{{0, 3, 10}, {1, 2, 4}, {2, 0, 0}}},
		{"unknown group", SnapshotOptions{Group: "nobody"}, []PartitionRange{{0, 3, 10}, {1, 0, 4}, {2, 0, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := adm.Snapshot(ctx, "t", tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if s.Topic != "t" || !slices.Equal(s.Ranges, tt.want) {
				t.Fatalf("ranges %v, want %v", s.Ranges, tt.want)
			}
		})
	}

	t.Run("missing topic", func(t *testing.T) {
		_, err := adm.Snapshot(ctx, "nope", SnapshotOptions{})
		requireStatus(t, err, adbc.StatusNotFound, `topic "nope"`)
	})
	t.Run("missing partition", func(t *testing.T) {
		_, err := adm.Snapshot(ctx, "t", SnapshotOptions{Partitions: []int32{0, 3}})
		requireStatus(t, err, adbc.StatusNotFound, "partition 3", `"t"`, "3 partitions")
	})
	t.Run("bad start kind", func(t *testing.T) {
		_, err := adm.Snapshot(ctx, "t", SnapshotOptions{Start: 9})
		requireStatus(t, err, adbc.StatusInvalidArgument, "start kind")
	})
	t.Run("negative timestamp", func(t *testing.T) {
		_, err := adm.OffsetsForTimestamp(ctx, "t", -1)
		requireStatus(t, err, adbc.StatusInvalidArgument, "timestamp -1")
	})
}

func TestEndOffsetsReadCommitted(t *testing.T) {
	c := newCluster(t, kfake.SeedTopics(1, "t"))
	plain := newTestClient(t, c)
	txn := newTestClient(t, c, kgo.TransactionalID("open"))
	adm := NewAdmin(plain)
	ctx := testCtx(t)
	produceValues(t, plain, "t", 0, 0, 4)
	if err := txn.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	if err := txn.ProduceSync(ctx, &kgo.Record{Topic: "t", Value: []byte("open")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	defer txn.EndTransaction(ctx, kgo.TryAbort) //nolint:errcheck
	produceValues(t, plain, "t", 0, 5, 2)

	hw, err := adm.EndOffsets(ctx, "t", ReadUncommitted)
	if err != nil || hw[0] != 7 {
		t.Fatalf("high watermark %v, %v; want 7", hw, err)
	}
	lso, err := adm.EndOffsets(ctx, "t", ReadCommitted)
	if err != nil || lso[0] != 4 {
		t.Fatalf("last stable offset %v, %v; want 4", lso, err)
	}
	_, err = adm.EndOffsets(ctx, "missing", ReadCommitted)
	requireStatus(t, err, adbc.StatusNotFound, `"missing"`)
}

func TestGroupOffsets(t *testing.T) {
	c := newCluster(t, kfake.SeedTopics(2, "t"), kfake.SeedTopics(1, "other"))
	cl := newTestClient(t, c)
	adm := NewAdmin(cl)
	ctx := testCtx(t)

	got, err := adm.CommittedOffsets(ctx, "g", "t")
	if err != nil || len(got) != 0 {
		t.Fatalf("fresh group: %v, %v", got, err)
	}
	if err := adm.CommitOffsets(ctx, "g", "t", map[int32]int64{0: 5, 1: 0}); err != nil {
		t.Fatal(err)
	}
	if err := adm.CommitOffsets(ctx, "g", "other", map[int32]int64{0: 9}); err != nil {
		t.Fatal(err)
	}
	// A commit replaces exactly the given partitions.
	if err := adm.CommitOffsets(ctx, "g", "t", map[int32]int64{1: 3}); err != nil {
		t.Fatal(err)
	}
	got, err = adm.CommittedOffsets(ctx, "g", "t")
	if err != nil || !maps.Equal(got, map[int32]int64{0: 5, 1: 3}) {
		t.Fatalf("committed %v, %v", got, err)
	}
	if err := adm.CommitOffsets(ctx, "g", "t", nil); err != nil {
		t.Fatalf("empty commit: %v", err)
	}

	err = adm.CommitOffsets(ctx, "", "t", map[int32]int64{0: 1})
	requireStatus(t, err, adbc.StatusInvalidArgument, "consumer group")
	err = adm.CommitOffsets(ctx, "g", "t", map[int32]int64{0: -1})
	requireStatus(t, err, adbc.StatusInvalidArgument, "negative offset -1", "partition 0")
	err = adm.CommitOffsets(ctx, "g", "missing", map[int32]int64{0: 1})
	requireStatus(t, err, adbc.StatusNotFound, `"missing"`, "partition 0")
}

// TestListOffsetsRetriesNotLeader: a partition that answers a retriable
// error (as one just created, or whose leader just moved, does for a
// moment) is asked again; an error that persists through every try is the
// caller's, naming topic and partition. kgo retries such answers itself,
// but not always: of two concurrent listings of a topic (Snapshot's start
// and end), only the one that drops the topic's cached metadata retries,
// and the other's error surfaced in CI. The client here retries nothing,
// so that every retry is listOffsets'.
func TestListOffsetsRetriesNotLeader(t *testing.T) {
	for _, tc := range []struct {
		name     string
		failures int // answers that fail before the broker's own
		wantErr  bool
	}{
		{"recovers", 2, false},
		{"persists", 1 << 30, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster(t, kfake.SeedTopics(1, "t"))
			cl := newTestClient(t, c, kgo.RequestRetries(0))
			produceValues(t, cl, "t", 0, 0, 3)
			var calls atomic.Int32
			c.ControlKey(int16(kmsg.ListOffsets), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
				c.KeepControl()
				if int(calls.Add(1)) > tc.failures {
					return nil, nil, false
				}
				req := kreq.(*kmsg.ListOffsetsRequest)
				resp := req.ResponseKind().(*kmsg.ListOffsetsResponse)
				for _, rt := range req.Topics {
					st := kmsg.NewListOffsetsResponseTopic()
					st.Topic = rt.Topic
					for _, rp := range rt.Partitions {
						sp := kmsg.NewListOffsetsResponseTopicPartition()
						sp.Partition = rp.Partition
						sp.ErrorCode = kerr.NotLeaderForPartition.Code
						st.Partitions = append(st.Partitions, sp)
					}
					resp.Topics = append(resp.Topics, st)
				}
				return resp, nil, true
			})
			ends, err := NewAdmin(cl).EndOffsets(testCtx(t), "t", ReadUncommitted)
			want := tc.failures + 1
			if tc.wantErr {
				requireStatus(t, err, adbc.StatusIO, `"t" partition 0`, "NOT_LEADER")
				want = listOffsetsTries
			} else if err != nil || ends[0] != 3 {
				t.Fatalf("end offsets %v, %v; want 3", ends, err)
			}
			if got := int(calls.Load()); got != want {
				t.Fatalf("%d ListOffsets requests, want %d", got, want)
			}
		})
	}
}
