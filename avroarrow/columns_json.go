package avroarrow

// This file holds the Column and BatchBuilder entry points that the JSON
// decoder (jsonarrow) needs beyond the appenders and those of
// columns_proto.go: writing a string value in place.

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
