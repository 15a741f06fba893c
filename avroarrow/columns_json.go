package avroarrow

import (
	"github.com/apache/arrow-go/v18/arrow"
)

// This file holds the Column and BatchBuilder entry points that decoders
// of other formats (jsonarrow) need beyond the appenders: binding to a
// builder, the root struct of a row, and writing a string value in place.

// Bind checks that b's value columns are those of schema s, the value
// schema of a decoder about to append to b. A decoder calls it before
// every message; it costs a pointer comparison after the first success
// with the same schema.
func (b *BatchBuilder) Bind(s *arrow.Schema) error {
	if b.bound == s {
		return nil
	}
	return b.bind(s)
}

// Root returns the struct column whose children are the value columns.
// A decoder appends one value to every child and then AppendStruct on the
// root to end a row; Truncate on the root to the length it had before
// undoes a failed row.
func (b *BatchBuilder) Root() *Column { return b.root }

// NumChildren returns the number of children of a struct or dense union
// column, 1 for a list or a map (its items or entries), else 0.
func (c *Column) NumChildren() int { return len(c.children) }

// BytesSlot returns room for up to n bytes after the values of a binary
// or utf8 column, for a decoder to write a value in place (a JSON string
// whose escapes it resolves, say). It appends nothing: CommitBytes does.
// It reports false, reserving nothing, when n more bytes would not fit the
// column's int32 offsets.
func (c *Column) BytesSlot(n int) ([]byte, bool) {
	end := c.dataLen + n
	if end > maxColumnOffset {
		return nil, false
	}
	if end > len(c.data.b) {
		c.data.reserve(c.mem, end)
	}
	return c.data.b[c.dataLen:end], true
}

// CommitBytes appends the value whose first n bytes were written into the
// slot the last BytesSlot returned; n is at most that slot's length. Like
// AppendBytes it does not check UTF-8.
func (c *Column) CommitBytes(n int) {
	c.dataLen += n
	c.putOffset(c.dataLen)
	c.setValid()
	c.n++
}
