package avroarrow

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// BatchBuilder accumulates decoded rows into Arrow columns: the value
// columns a Decoder appends to, then any extra columns (the read path's
// metadata columns) that the caller appends to itself. NewRecord turns the
// rows into a record batch and starts the next batch. A BatchBuilder is not
// safe for concurrent use.
type BatchBuilder struct {
	mem    *bufferPool   // recycles the buffers of released records
	values *arrow.Schema // the value columns' schema
	root   *Column       // struct whose children are the value columns
	extra  []*Column
	fields []arrow.Field // value then extra fields
	schema *arrow.Schema // cache of the full schema; nil after AddColumn

	// bound is the value schema of the last decoder that appended here,
	// so decoders sharing a schema are checked once.
	bound *arrow.Schema
}

// NewBatchBuilder returns a builder for the value columns of schema, as
// Decoder.Schema or ArrowSchema return it. Schema metadata is kept on the
// records it builds. Buffers come from mem; those of records the caller
// has released are reused for later batches until Release.
func NewBatchBuilder(mem memory.Allocator, schema *arrow.Schema) (*BatchBuilder, error) {
	pool := newBufferPool(mem)
	root, err := NewColumn(pool, arrow.Field{Name: "", Type: arrow.StructOf(schema.Fields()...)})
	if err != nil {
		return nil, err
	}
	return &BatchBuilder{
		mem:    pool,
		values: schema,
		root:   root,
		fields: schema.Fields(),
	}, nil
}

// AddColumn adds an extra column after the value columns (and after the
// extra columns added before) and returns it. The caller appends exactly
// one value to it per row; decoders never touch it.
func (b *BatchBuilder) AddColumn(field arrow.Field) (*Column, error) {
	c, err := NewColumn(b.mem, field)
	if err != nil {
		return nil, err
	}
	c.Reserve(b.root.n)
	b.extra = append(b.extra, c)
	b.fields = append(b.fields, field)
	b.schema = nil
	return c, nil
}

// Schema returns the schema of the records NewRecord builds: the value
// columns then the extra columns.
func (b *BatchBuilder) Schema() *arrow.Schema {
	if b.schema == nil {
		if len(b.extra) == 0 {
			b.schema = b.values
		} else {
			md := b.values.Metadata()
			b.schema = arrow.NewSchema(b.fields, &md)
		}
	}
	return b.schema
}

// NumValueColumns returns the number of value columns.
func (b *BatchBuilder) NumValueColumns() int { return len(b.root.children) }

// Column returns column i: value columns first, then extra columns.
func (b *BatchBuilder) Column(i int) *Column {
	if i < len(b.root.children) {
		return b.root.children[i]
	}
	return b.extra[i-len(b.root.children)]
}

// Len returns the number of rows in the value columns.
func (b *BatchBuilder) Len() int { return b.root.n }

// Reserve makes room for n more rows in every column's fixed-width parts.
func (b *BatchBuilder) Reserve(n int) {
	b.root.Reserve(n)
	for _, c := range b.extra {
		c.Reserve(n)
	}
}

// AppendNullRow appends a row whose value columns are all null, as for a
// tombstone or an undecodable message. Extra columns are the caller's.
func (b *BatchBuilder) AppendNullRow() {
	for _, c := range b.root.children {
		c.AppendNull()
	}
	b.root.n++
}

// Mark returns the current row count, for Rollback.
func (b *BatchBuilder) Mark() int { return b.root.n }

// Rollback drops every row after mark from all columns, value and extra.
func (b *BatchBuilder) Rollback(mark int) {
	b.root.Truncate(mark)
	for _, c := range b.extra {
		c.Truncate(mark)
	}
}

// NewRecord returns the rows appended since the last NewRecord as a record
// batch and empties the builder, which keeps its buffer sizes for the next
// batch. Every extra column must have one value per row. The caller
// releases the record.
func (b *BatchBuilder) NewRecord() (arrow.RecordBatch, error) {
	n := b.root.n
	for i, c := range b.extra {
		if c.n != n {
			return nil, fmt.Errorf("avroarrow: extra column %q has %d values for %d rows", b.fields[len(b.root.children)+i].Name, c.n, n)
		}
	}
	cols := make([]arrow.Array, 0, len(b.fields))
	rootData := b.root.finish()
	for _, cd := range rootData.Children() {
		cols = append(cols, array.MakeFromData(cd))
	}
	rootData.Release()
	for _, c := range b.extra {
		cols = append(cols, c.NewArray())
	}
	rec := array.NewRecordBatch(b.Schema(), cols, int64(n))
	for _, a := range cols {
		a.Release()
	}
	return rec, nil
}

// Release frees the builder's buffers.
func (b *BatchBuilder) Release() {
	b.root.Release()
	for _, c := range b.extra {
		c.Release()
	}
	b.extra = nil
	b.mem.close()
}

// bind checks that the builder's value columns are those of a decoder
// with value schema s.
func (b *BatchBuilder) bind(s *arrow.Schema) error {
	if !b.values.Equal(s) {
		return fmt.Errorf("avroarrow: the batch builder's value columns %s do not match the decoder's %s", b.values, s)
	}
	b.bound = s
	return nil
}
