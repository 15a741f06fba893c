package statement_test

import (
	"encoding/json"
	"slices"
	"strconv"
	"testing"
	"time"
)

// parseRanges reads kafarr.read.ranges: partition -> [start, end) pairs.
func parseRanges(t *testing.T, s string) map[int32][][2]int64 {
	t.Helper()
	var m map[string][][2]int64
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("kafarr.read.ranges %q: %v", s, err)
	}
	out := map[int32][][2]int64{}
	for k, v := range m {
		p, err := strconv.Atoi(k)
		if err != nil {
			t.Fatalf("kafarr.read.ranges %q: partition %q", s, k)
		}
		out[int32(p)] = v
	}
	return out
}

// TestReadOrPushdown checks WHERE clauses with OR, NOT and parentheses on
// _partition, _offset and _timestamp: the rows are exact, and only the
// union of ranges they admit is read. How reading is counted:
//
//   - both stacks: the statement's progress after the drain, whose
//     adbc.statement.exec.progress counts the records the reader delivered
//     (the reader cuts each fetch at its ranges' ends, so a record outside
//     the ranges is never delivered) and max_progress the offsets the
//     ranges span; and the kafarr.read.ranges metadata, the ranges read;
//   - kfake: every Fetch request is intercepted, and each partition's
//     fetch offsets must lie inside its ranges, partitions outside the
//     condition never asked for. Records are produced one batch each, so
//     a fetch at an offset returns that offset's record first: fetching
//     outside the ranges would show as a fetch offset outside them.
func TestReadOrPushdown(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		// 3 partitions x 100 ticks; tick i of partition p: px 100*p+i,
		// timestamp baseMs + 1000*i + p.
		topic := e.tickTopicOneBatchEach(3, 100)
		cn := e.open(nil)
		fetches := e.logFetches()
		ts := func(ms int64) string {
			return "TIMESTAMP '" + time.UnixMilli(ms).UTC().Format("2006-01-02 15:04:05.000") + "'"
		}
		type pi struct {
			p int32
			i int
		}
		rng := func(p int32, from, to int) []pi {
			var out []pi
			for i := from; i < to; i++ {
				out = append(out, pi{p, i})
			}
			return out
		}
		for _, c := range []struct {
			where  string
			want   []pi
			ranges string // kafarr.read.ranges
			done   int64  // records delivered by the reader
			total  int64  // offsets the ranges span
		}{
			{"_partition = 0 OR _partition = 2", slices.Concat(rng(0, 0, 100), rng(2, 0, 100)),
				`{"0":[[0,100]],"2":[[0,100]]}`, 200, 200},
			{"_offset < 10 OR _offset >= 90", slices.Concat(rng(0, 0, 10), rng(0, 90, 100), rng(1, 0, 10), rng(1, 90, 100), rng(2, 0, 10), rng(2, 90, 100)),
				`{"0":[[0,10],[90,100]],"1":[[0,10],[90,100]],"2":[[0,10],[90,100]]}`, 60, 60},
			{"(_partition = 0 AND _offset < 5) OR (_partition = 2 AND _offset BETWEEN 50 AND 52)", slices.Concat(rng(0, 0, 5), rng(2, 50, 53)),
				`{"0":[[0,5]],"2":[[50,53]]}`, 8, 8},
			{"_partition IN (0, 1) AND NOT (_offset BETWEEN 10 AND 89)", slices.Concat(rng(0, 0, 10), rng(0, 90, 100), rng(1, 0, 10), rng(1, 90, 100)),
				`{"0":[[0,10],[90,100]],"1":[[0,10],[90,100]]}`, 40, 40},
			{"NOT _partition = 1 AND (_offset = 3 OR _offset = 97 OR _offset IN (50, 51))",
				[]pi{{0, 3}, {0, 50}, {0, 51}, {0, 97}, {2, 3}, {2, 50}, {2, 51}, {2, 97}},
				`{"0":[[3,4],[50,52],[97,98]],"2":[[3,4],[50,52],[97,98]]}`, 8, 8},
			// A union of timestamp ranges: each becomes offsets through
			// ListOffsets by timestamp.
			{"_timestamp < " + ts(tickMs(0, 5)) + " OR _timestamp >= " + ts(tickMs(0, 95)),
				slices.Concat(rng(0, 0, 5), rng(0, 95, 100), rng(1, 0, 5), rng(1, 95, 100), rng(2, 0, 5), rng(2, 95, 100)),
				`{"0":[[0,5],[95,100]],"1":[[0,5],[95,100]],"2":[[0,5],[95,100]]}`, 30, 30},
			{"_timestamp BETWEEN " + ts(tickMs(1, 20)) + " AND " + ts(tickMs(1, 21)) + " OR (_partition = 2 AND _offset >= 98)",
				slices.Concat(rng(0, 21, 22), rng(1, 20, 22), rng(2, 20, 21), rng(2, 98, 100)),
				`{"0":[[21,22]],"1":[[20,22]],"2":[[20,21],[98,100]]}`, 6, 6},
			// A value condition beside them: partition 1 is still never
			// read; the value condition filters the decoded rows.
			{"(_partition = 0 OR _partition = 2) AND (px < 3 OR px >= 298)", slices.Concat(rng(0, 0, 3), rng(2, 98, 100)),
				`{"0":[[0,100]],"2":[[0,100]]}`, 200, 200},
			// OR with a value condition narrows nothing: every record
			// may match px = 150.
			{"_offset < 10 OR px = 150", slices.Concat(rng(0, 0, 10), rng(1, 0, 10), rng(1, 50, 51), rng(2, 0, 10)),
				`{"0":[[0,100]],"1":[[0,100]],"2":[[0,100]]}`, 300, 300},
			// Nothing admitted: nothing read, no fetch.
			{"_offset < 5 AND _offset > 10", nil, `{}`, 0, 0},
			{"_partition = 7 OR _partition < 0", nil, `{}`, 0, 0},
			{"NOT (_offset >= 0)", nil, `{"0":[[0,0]],"1":[[0,0]],"2":[[0,0]]}`, 0, 0},
		} {
			t.Run(c.where, func(t *testing.T) {
				res, pr := e.queryCounting(cn, "SELECT * FROM "+q(topic)+" WHERE "+c.where, nil)
				sortRows(res.rows)
				var want [][]any
				for _, x := range c.want {
					want = append(want, tickRow(x.p, x.i))
				}
				wantRows(t, res, want)
				if got, _ := res.schema.Metadata().GetValue("kafarr.read.ranges"); got != c.ranges {
					t.Errorf("kafarr.read.ranges = %s, want %s", got, c.ranges)
				}
				if pr.done != c.done || pr.total != c.total {
					t.Errorf("progress %d of %d, want %d of %d", pr.done, pr.total, c.done, c.total)
				}
				if fetches == nil {
					return
				}
				asked, requests := fetches.take()
				if c.total == 0 && requests != 0 {
					t.Errorf("%d fetch requests (%v) for a read of nothing", requests, asked)
				}
				ranges := parseRanges(t, c.ranges)
				// Each non-empty range is fetched from its start: the
				// read jumps from one range to the next.
				for p, rs := range ranges {
					for _, r := range rs {
						if r[0] < r[1] && !slices.Contains(asked[p], r[0]) {
							t.Errorf("partition %d: range [%d, %d) not fetched from its start (fetches %v)", p, r[0], r[1], asked[p])
						}
					}
				}
				for p, offs := range asked {
					for _, off := range offs {
						if !slices.ContainsFunc(ranges[p], func(r [2]int64) bool { return off >= r[0] && off < r[1] }) {
							t.Errorf("partition %d fetched at offset %d, outside the ranges %s (its fetches: %v)", p, off, c.ranges, offs)
						}
					}
				}
			})
		}
	})
}
