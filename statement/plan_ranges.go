package statement

import (
	"context"
	"slices"
	"sync"

	"github.com/kafarr/kafarr/kafkaio"
)

// maxTimestampLookups bounds the ListOffsets-by-timestamp lookups one
// query makes: past it, the timestamps of the ranges to read are the hull
// of the condition's (the records are still checked exactly).
const maxTimestampLookups = 16

// coarsened returns bs with its timestamp sets replaced by their common
// hull when they have more than n distinct finite bounds.
func (bs boxes) coarsened(n int) boxes {
	if len(timestampBounds(bs)) <= n {
		return bs
	}
	h := bs.dimUnion(dimTimestamp).hull()
	out := slices.Clone(bs)
	for i := range out {
		out[i][dimTimestamp] = interval(h.lo, h.hi)
	}
	return out
}

// timestampBounds lists the distinct timestamps (ms, positive) whose
// offsets the ranges of bs need: the finite ends of their timestamp sets.
// Bounds at or before the epoch need no lookup: nothing is older.
func timestampBounds(bs boxes) []int64 {
	var out []int64
	for _, b := range bs {
		for _, s := range b[dimTimestamp] {
			for _, v := range []int64{s.lo, s.hi} {
				if v > 0 && v != maxBound {
					out = append(out, v)
				}
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// tsOffsets maps a timestamp (ms) to each partition's first offset whose
// record timestamp is at or after it (the end when none is).
type tsOffsets map[int64]map[int32]int64

// lookupTimestamps asks the cluster for the offsets of the timestamps the
// plan's ranges need, concurrently.
func (p *readPlan) lookupTimestamps(ctx context.Context, adm *kafkaio.Admin) (tsOffsets, error) {
	ts := timestampBounds(p.ranging)
	if len(ts) == 0 {
		return nil, nil
	}
	out := make(tsOffsets, len(ts))
	errs := make([]error, len(ts))
	res := make([]map[int32]int64, len(ts))
	var wg sync.WaitGroup
	for i, t := range ts {
		wg.Go(func() { res[i], errs[i] = adm.OffsetsForTimestamp(ctx, p.q.Topic, t) })
	}
	wg.Wait()
	for i, t := range ts {
		if errs[i] != nil {
			return nil, errs[i]
		}
		out[t] = res[i]
	}
	return out, nil
}

// planRanges narrows the snapshot's ranges to the records the pushdown
// admits and, under ORDER BY ... LIMIT, cuts them to windows. ts holds
// the offsets of the timestamps the ranges need (nil when the snapshot is
// fixed: a partition descriptor's range, where timestamps are only
// checked per record). A partition whose admitted offsets are not one run
// gets one range per run, in offset order: _offset < 10 OR _offset >= 90
// reads [start, 10) and [90, end), never the offsets between. Every range
// stays inside the snapshot's: a bound outside the log (a negative
// offset, an offset past the end) gives an empty range, never an offset
// the log does not have. The plan does no I/O.
func (p *readPlan) planRanges(snap kafkaio.Snapshot, ts tsOffsets) {
	p.snap, p.offsetsKnown = snap, true
	if len(snap.Ranges) == 0 {
		return
	}
	p.snap.Ranges = nil
	for _, r := range snap.Ranges {
		p.snap.Ranges = append(p.snap.Ranges, p.narrow(r, ts)...)
	}
	if o := p.q.OrderBy; o != nil && p.q.Limit >= 0 && p.residual == nil && o.Column.String() != "_partition" {
		// The latest (or earliest) n rows of the whole topic are among
		// the latest (earliest) n of each partition; the execution
		// widens the window when gaps leave fewer rows than that.
		p.full = slices.Clone(p.snap.Ranges)
		p.snap.Ranges = windowed(p.snap.Ranges, p.q.Limit, o.Desc)
	}
}

// narrow returns the ranges of r's partition that the pushdown admits.
func (p *readPlan) narrow(r kafkaio.PartitionRange, ts tsOffsets) []kafkaio.PartitionRange {
	if p.empty {
		return []kafkaio.PartitionRange{{Partition: r.Partition, Start: r.End, End: r.End}}
	}
	var offs, byTimeAll []span
	for _, b := range p.ranging {
		if !b[dimPartition].has(int64(r.Partition)) {
			continue
		}
		o := b[dimOffset]
		if b[dimTimestamp].isAll() || ts == nil {
			offs = append(offs, o...)
			continue
		}
		var byTime []span
		for _, s := range b[dimTimestamp] {
			byTime = append(byTime, span{offsetAt(ts, s.lo, r, minBound), offsetAt(ts, s.hi, r, maxBound)})
		}
		byTimeAll = append(byTimeAll, byTime...)
		offs = append(offs, o.and(normSpans(byTime))...)
	}
	admitted := normSpans(offs)
	if p.set.Follow {
		// A follow read has no end and one range per partition: it
		// starts where the first admitted offset is, and each record
		// is checked.
		start := r.End
		if len(admitted) > 0 {
			start = max(r.Start, admitted[0].lo)
		}
		return []kafkaio.PartitionRange{{Partition: r.Partition, Start: min(start, r.End), End: r.End}}
	}
	in := admitted.and(interval(r.Start, r.End))
	if len(in) == 0 {
		// Nothing to read: an empty range at the snapshot's offset
		// nearest the first admitted offset (or the first timestamp
		// bound's), so that the metadata says where the read would be.
		at := r.End
		switch {
		case len(admitted) > 0:
			at = admitted[0].lo
		case len(byTimeAll) > 0:
			at = byTimeAll[0].lo
		}
		at = min(max(r.Start, at), r.End)
		return []kafkaio.PartitionRange{{Partition: r.Partition, Start: at, End: at}}
	}
	out := make([]kafkaio.PartitionRange, len(in))
	for i, s := range in {
		out[i] = kafkaio.PartitionRange{Partition: r.Partition, Start: s.lo, End: s.hi}
	}
	return out
}

// offsetAt is the offset of timestamp t in r's partition: unbounded for
// the unbounded ends, the range's start for t at or before the epoch,
// else the looked-up offset (unbounded, unbound, when the cluster gave
// none).
func offsetAt(ts tsOffsets, t int64, r kafkaio.PartitionRange, unbound int64) int64 {
	switch {
	case t == minBound || t == maxBound:
		return t
	case t <= 0:
		return r.Start
	}
	if o, ok := ts[t][r.Partition]; ok {
		return o
	}
	return unbound
}

// windowed cuts each partition's ranges to their first n offsets, or with
// tail their last n, counted across the partition's ranges. A partition
// keeps at least one (possibly empty) range.
func windowed(rs []kafkaio.PartitionRange, n int64, tail bool) []kafkaio.PartitionRange {
	var out []kafkaio.PartitionRange
	for len(rs) > 0 {
		k := 1
		for k < len(rs) && rs[k].Partition == rs[0].Partition {
			k++
		}
		out = append(out, windowOne(rs[:k], n, tail)...)
		rs = rs[k:]
	}
	return out
}

// windowOne windows one partition's ranges (see windowed).
func windowOne(rs []kafkaio.PartitionRange, n int64, tail bool) []kafkaio.PartitionRange {
	var out []kafkaio.PartitionRange
	left := n
	if tail {
		for i := len(rs) - 1; i >= 0 && left > 0; i-- {
			r := rs[i]
			r.Start = max(r.Start, r.End-left)
			if r.Empty() {
				continue
			}
			left -= r.End - r.Start
			out = append(out, r)
		}
		slices.Reverse(out)
	} else {
		for _, r := range rs {
			if left <= 0 {
				break
			}
			if r.End-r.Start > left {
				r.End = r.Start + left
			}
			if r.Empty() {
				continue
			}
			left -= r.End - r.Start
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		r := rs[0]
		if tail {
			r = rs[len(rs)-1]
			r.Start = r.End
		} else {
			r.End = r.Start
		}
		out = append(out, r)
	}
	return out
}

// rangesSize is the number of offsets of rs.
func rangesSize(rs []kafkaio.PartitionRange) int64 {
	return kafkaio.Snapshot{Ranges: rs}.Total()
}
