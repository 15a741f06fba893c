package statement

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"

	"github.com/kafarr/kafarr/internal/adbcerr"
	"github.com/kafarr/kafarr/kafkaio"
)

// TestSplitRanges checks how ranges are cut: consecutive, together the
// range, at most maxRows offsets each, lengths within one of each other.
func TestSplitRanges(t *testing.T) {
	snap := kafkaio.Snapshot{Topic: "t", Ranges: []kafkaio.PartitionRange{
		{Partition: 0, Start: 0, End: 100_000},
		{Partition: 1, Start: 5, End: 5}, // empty: no split
		{Partition: 2, Start: 10, End: 17},
		{Partition: 3, Start: 1 << 62, End: 1<<62 + 3},
	}}
	for _, c := range []struct {
		maxRows int64
		want    string
	}{
		{0, "[{0 0 100000} {2 10 17} {3 4611686018427387904 4611686018427387907}]"},
		{100_000, "[{0 0 100000} {2 10 17} {3 4611686018427387904 4611686018427387907}]"},
		{25_000, "[{0 0 25000} {0 25000 50000} {0 50000 75000} {0 75000 100000} {2 10 17} {3 4611686018427387904 4611686018427387907}]"},
		{40_000, "[{0 0 33334} {0 33334 66667} {0 66667 100000} {2 10 17} {3 4611686018427387904 4611686018427387907}]"},
		{3, ""},
	} {
		got, err := splitRanges(snap, c.maxRows)
		if c.want == "" {
			// 33,334 splits of partition 0 alone: within maxSplits.
			if err != nil || len(got) != 33_334+3+1 {
				t.Fatalf("max_rows=3: %d splits, %v", len(got), err)
			}
		} else if err != nil || fmt.Sprint(got) != c.want {
			t.Fatalf("max_rows=%d: %v, %v\nwant %s", c.maxRows, got, err, c.want)
		}
		for i := 1; i < len(got); i++ {
			if a, b := got[i-1], got[i]; a.Partition == b.Partition && a.End != b.Start {
				t.Fatalf("max_rows=%d: %v and %v are not consecutive", c.maxRows, a, b)
			}
		}
	}
	_, err := splitRanges(snap, 1)
	if adbcerr.Status(err) != adbc.StatusInvalidArgument {
		t.Fatalf("100,010 splits: %v, want InvalidArgument", err)
	}
}
