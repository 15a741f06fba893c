package kafkaio

import (
	"slices"
	"sync"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// fetchLog records the partition and fetch offset of every partition of
// every fetch request a kfake cluster receives.
type fetchLog struct {
	mu   sync.Mutex
	asks map[int32][]int64
}

func logFetches(c *kfake.Cluster) *fetchLog {
	l := &fetchLog{asks: map[int32][]int64{}}
	c.ControlKey(int16(kmsg.Fetch), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		l.mu.Lock()
		defer l.mu.Unlock()
		for _, t := range req.(*kmsg.FetchRequest).Topics {
			for _, p := range t.Partitions {
				l.asks[p.Partition] = append(l.asks[p.Partition], p.FetchOffset)
			}
		}
		return nil, nil, false // observe only
	})
	return l
}

func (l *fetchLog) offsets(p int32) []int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.asks[p])
}

// TestReaderSeveralRanges reads partitions in several ranges each: every
// record of the ranges comes once, in offset order, none between them, and
// no fetch request asks for an offset outside the ranges. Records are
// produced one per batch, so that a fetch's granularity is one record.
func TestReaderSeveralRanges(t *testing.T) {
	c := newCluster(t, kfake.SeedTopics(3, "t"))
	cl := newTestClient(t, c)
	for p := int32(0); p < 3; p++ {
		for i := 0; i < 100; i++ {
			produceValues(t, cl, "t", p, i, 1)
		}
	}
	fetches := logFetches(c)
	ranges := []PartitionRange{
		{0, 0, 10}, {0, 10, 10}, {0, 90, 100}, // an empty range between two
		{2, 5, 5}, {2, 20, 22}, {2, 40, 41}, {2, 99, 100},
	}
	r, err := NewPartitionReader(cl, "t", ranges, ReaderOptions{PartitionMaxBytes: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	recs, err := readAll(t, r)
	if err != nil {
		t.Fatal(err)
	}
	got := byPartition(t, recs)
	want0 := append(wantValues(0, 0, 10), wantValues(0, 90, 100)...)
	want2 := slices.Concat(wantValues(2, 20, 22), wantValues(2, 40, 41), wantValues(2, 99, 100))
	if !slices.Equal(got[0], want0) || !slices.Equal(got[2], want2) || len(got[1]) != 0 {
		t.Fatalf("read %v", got)
	}
	if pos := r.Positions(); pos[0] != 100 || pos[2] != 100 {
		t.Fatalf("positions %v, want 100 and 100", pos)
	}
	if done, total := r.Progress(); done != 24 || total != 24 {
		t.Fatalf("progress %d of %d, want 24 of 24", done, total)
	}
	inRanges := func(p int32, off int64) bool {
		for _, rg := range ranges {
			if rg.Partition == p && off >= rg.Start && off < rg.End {
				return true
			}
		}
		return false
	}
	for p := int32(0); p < 3; p++ {
		for _, off := range fetches.offsets(p) {
			if !inRanges(p, off) {
				t.Errorf("partition %d fetched at offset %d, outside its ranges (fetches %v)", p, off, fetches.offsets(p))
			}
		}
	}
	if n := len(fetches.offsets(1)); n != 0 {
		t.Errorf("partition 1, in no range, was fetched %d times", n)
	}
	// One record per batch and a 1-byte partition limit: the broker
	// returns one batch per fetch, so the offsets asked for are exactly
	// those read (a fetch may be repeated when the broker answers empty).
	asked := slices.Compact(slices.Sorted(slices.Values(fetches.offsets(0))))
	var want []int64
	for _, rg := range []PartitionRange{{0, 0, 10}, {0, 90, 100}} {
		for o := rg.Start; o < rg.End; o++ {
			want = append(want, o)
		}
	}
	if !slices.Equal(asked, want) {
		t.Errorf("partition 0: fetched at %v, want %v", asked, want)
	}
}

// TestReaderSeveralRangesInvalid rejects ranges of one partition that
// overlap or go backwards, and several ranges of a partition under follow.
func TestReaderSeveralRangesInvalid(t *testing.T) {
	c := newCluster(t, kfake.SeedTopics(1, "t"))
	cl := newTestClient(t, c)
	for _, tt := range []struct {
		name   string
		ranges []PartitionRange
		opts   ReaderOptions
		want   string
	}{
		{"overlap", []PartitionRange{{0, 0, 10}, {0, 9, 20}}, ReaderOptions{}, "overlap or are out of order: [9, 20) after one ending at 10"},
		{"backwards", []PartitionRange{{0, 20, 30}, {0, 0, 10}}, ReaderOptions{}, "partition 0 overlap or are out of order"},
		{"follow", []PartitionRange{{0, 0, 1}, {0, 1, 2}}, ReaderOptions{Follow: true}, "partition 0 of topic \"t\" is given twice in a follow read"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewPartitionReader(cl, "t", tt.ranges, tt.opts)
			requireStatus(t, err, adbc.StatusInvalidArgument, tt.want)
		})
	}
}

// TestReaderSeveralRangesBudget stops a read of several ranges at its
// record budget, in the first range or the second.
func TestReaderSeveralRangesBudget(t *testing.T) {
	c := newCluster(t, kfake.SeedTopics(1, "t"))
	cl := newTestClient(t, c)
	produceValues(t, cl, "t", 0, 0, 50)
	for _, budget := range []int64{3, 7} {
		r, err := NewPartitionReader(cl, "t", []PartitionRange{{0, 0, 5}, {0, 40, 50}}, ReaderOptions{MaxRecords: budget})
		if err != nil {
			t.Fatal(err)
		}
		recs, err := readAll(t, r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		want := slices.Concat(wantValues(0, 0, 5), wantValues(0, 40, 50))[:budget]
		if got := byPartition(t, recs)[0]; !slices.Equal(got, want) {
			t.Fatalf("budget %d: read %v, want %v", budget, got, want)
		}
	}
}
