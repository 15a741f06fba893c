package statement

import (
	"sort"

	"github.com/kafarr/kafarr/kafkaio"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// ORDER BY _offset | _timestamp | _partition [DESC] materializes the rows
// in range, sorts them and hands them out in batches. With LIMIT n the plan
// reads only each partition's first (or, DESC, last) n offsets; when gaps
// in the offsets (transaction markers, compaction) leave fewer than n rows,
// the window widens until it has n rows or covers the whole range.

// nextOrdered returns the next batch of the sorted result.
func (r *recordReader) nextOrdered() (arrow.RecordBatch, error) {
	if !r.sorted {
		if err := r.sortAll(); err != nil {
			return nil, err
		}
		r.sorted = true
	}
	if r.ordered == nil || r.orderAt >= r.ordered.NumRows() {
		return nil, nil
	}
	end := min(r.orderAt+int64(r.plan.set.BatchRows), r.ordered.NumRows())
	out := r.ordered.NewSlice(r.orderAt, end)
	r.orderAt = end
	return out, nil
}

func (r *recordReader) sortAll() error {
	p := r.plan
	if p.q.Limit == 0 {
		return nil
	}
	for {
		all, err := r.collect()
		if err != nil {
			return err
		}
		if p.full == nil || !r.widen() {
			if all == nil {
				return nil
			}
			return r.sortCollected(all)
		}
		// A partition's window held too few rows: read again.
		if all != nil {
			all.Release()
		}
		r.s.release()
		if err := r.e.reopen(r.widened); err != nil {
			return err
		}
		s, err := newScan(r.e, r.mem)
		if err != nil {
			return err
		}
		r.s = s
	}
}

// widen grows the window of every partition that gave fewer than LIMIT
// rows while reading less than its full ranges, fourfold, and reports
// whether any grew. Each partition must contribute its own LIMIT rows: the
// top n of the topic may all come from the partition whose window was
// short, however many rows the others gave.
func (r *recordReader) widen() bool {
	p := r.plan
	grew := false
	var ranges []kafkaio.PartitionRange
	cur, full := r.e.ranges, p.full
	for len(full) > 0 {
		part := full[0].Partition
		fk, ck := partitionLen(full), partitionLen(cur)
		f, c := full[:fk], cur[:ck]
		full, cur = full[fk:], cur[ck:]
		size, fullSize := rangesSize(c), rangesSize(f)
		if r.s.rows[part] >= p.q.Limit || size >= fullSize {
			ranges = append(ranges, c...)
			continue
		}
		n := max(size, 1)
		if n > fullSize/4 {
			n = fullSize
		} else {
			n *= 4
		}
		ranges = append(ranges, windowed(f, n, p.q.OrderBy.Desc)...)
		grew = true
	}
	r.widened = ranges
	return grew
}

// partitionLen is how many ranges at the start of rs are of its first
// range's partition.
func partitionLen(rs []kafkaio.PartitionRange) int {
	k := 0
	for k < len(rs) && rs[k].Partition == rs[0].Partition {
		k++
	}
	return k
}

// collect reads every batch of the scan into one record (nil when empty).
func (r *recordReader) collect() (arrow.RecordBatch, error) {
	var batches []arrow.RecordBatch
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	for {
		b, err := r.s.next()
		if err != nil {
			return nil, err
		}
		if b == nil {
			break
		}
		batches = append(batches, b)
	}
	if len(batches) == 0 {
		return nil, nil
	}
	if len(batches) == 1 {
		batches[0].Retain()
		return batches[0], nil
	}
	schema := batches[0].Schema()
	cols := make([]arrow.Array, schema.NumFields())
	var rows int64
	for _, b := range batches {
		rows += b.NumRows()
	}
	for i := range cols {
		parts := make([]arrow.Array, len(batches))
		for k, b := range batches {
			parts[k] = b.Column(i)
		}
		c, err := array.Concatenate(parts, r.mem)
		if err != nil {
			for _, done := range cols[:i] {
				done.Release()
			}
			return nil, err
		}
		cols[i] = c
	}
	out := array.NewRecordBatch(schema, cols, rows)
	for _, c := range cols {
		c.Release()
	}
	return out, nil
}

// sortCollected sorts all by the ORDER BY column, applies LIMIT and keeps
// the result for nextOrdered.
func (r *recordReader) sortCollected(all arrow.RecordBatch) error {
	defer all.Release()
	p := r.plan
	oc, _ := resolvePath(p.built, p.q.OrderBy.Column, p.sql)
	key := all.Column(oc.index)
	n := int(all.NumRows())
	value := func(i int) int64 {
		switch a := key.(type) {
		case *array.Int32:
			return int64(a.Value(i))
		case *array.Int64:
			return a.Value(i)
		case *array.Timestamp:
			return int64(a.Value(i))
		}
		return 0
	}
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(i)
	}
	desc := p.q.OrderBy.Desc
	sort.SliceStable(idx, func(a, b int) bool {
		va, vb := value(int(idx[a])), value(int(idx[b]))
		if desc {
			return va > vb
		}
		return va < vb
	})
	if p.q.Limit >= 0 && int64(len(idx)) > p.q.Limit {
		idx = idx[:p.q.Limit]
	}
	out, err := takeRows(r.e.ctx, r.mem, all, idx)
	if err != nil {
		return err
	}
	r.ordered = out
	return nil
}
