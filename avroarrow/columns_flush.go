package avroarrow

import (
	"encoding/binary"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// This file holds the Column operations that end a row or a batch:
// truncation (rolling back a failed row) and finishing the buffers into
// Arrow array data.

// Truncate drops the values after the first n and the child values only
// they referenced; n greater than Len() is ignored. It is O(1) for flat
// columns; dense unions scan back over their rows.
func (c *Column) Truncate(n int) {
	if n > c.n {
		return
	}
	// Children are truncated even when c keeps its length: a row that
	// failed half-way may have appended to them already.
	c.n = n
	switch c.kind {
	case kindBinary:
		c.dataLen = c.offset(n)
	case kindList, kindMap:
		c.children[0].Truncate(c.offset(n))
	case kindStruct:
		for _, ch := range c.children {
			ch.Truncate(n)
		}
	case kindDenseUnion:
		// Each child keeps the values up to the last one a kept row
		// references.
		keep := make([]int, len(c.children))
		found := 0
		for i := n - 1; i >= 0 && found < len(c.children); i-- {
			k := c.childOfCode(int8(c.data.b[i]))
			if keep[k] == 0 {
				keep[k] = int(binary.LittleEndian.Uint32(c.offs.b[i*4:])) + 1
				found++
			}
		}
		for k, ch := range c.children {
			ch.Truncate(keep[k])
		}
	}
}

func (c *Column) childOfCode(code int8) int {
	for k, cc := range c.codes {
		if cc == code {
			return k
		}
	}
	return 0
}

// offset reads int32 offset i of a var-width or list column.
func (c *Column) offset(i int) int {
	return int(binary.LittleEndian.Uint32(c.offs.b[i*4:]))
}

// NewArray returns the column's values as an array and empties the column
// for the next batch, keeping its buffer sizes as a hint. The caller
// releases the array.
func (c *Column) NewArray() arrow.Array {
	d := c.finish()
	defer d.Release()
	return array.MakeFromData(d)
}

// finish builds the array data of the column's values and resets it.
func (c *Column) finish() *array.Data {
	n := c.n
	var validity *memory.Buffer
	nulls := 0
	if c.valid.b != nil && c.kind != kindNull && c.kind != kindDenseUnion {
		nulls = n - bitutil.CountSetBits(c.valid.b, 0, n)
		if nulls > 0 {
			validity = c.valid.take(c.mem, int(bitutil.BytesForBits(int64(n))))
		} else {
			c.valid.release()
		}
	}
	var (
		bufs     []*memory.Buffer
		children []arrow.ArrayData
	)
	for _, ch := range c.children {
		cd := ch.finish()
		children = append(children, cd)
	}
	switch c.kind {
	case kindNull:
		bufs, nulls = []*memory.Buffer{nil}, n
	case kindBool:
		bufs = []*memory.Buffer{validity, c.takeData(int(bitutil.BytesForBits(int64(n))))}
	case kindFixed, kindDict:
		bufs = []*memory.Buffer{validity, c.takeData(n * c.width)}
	case kindBinary:
		offs := c.takeOffsets((n + 1) * 4)
		bufs = []*memory.Buffer{validity, offs, c.takeData(c.dataLen)}
	case kindList, kindMap:
		bufs = []*memory.Buffer{validity, c.takeOffsets((n + 1) * 4)}
	case kindStruct:
		bufs = []*memory.Buffer{validity}
	case kindDenseUnion:
		bufs = []*memory.Buffer{nil, c.takeData(n), c.takeOffsets(n * 4)}
	}
	var d *array.Data
	if c.kind == kindDict {
		dict := c.batchDictionary()
		d = array.NewDataWithDictionary(c.field.Type, n, bufs, nulls, 0, dict)
		dict.Release()
	} else {
		d = array.NewData(c.field.Type, n, bufs, children, nulls, 0)
	}
	for _, b := range bufs {
		if b != nil {
			b.Release()
		}
	}
	for _, cd := range children {
		cd.Release()
	}
	c.n, c.dataLen = 0, 0
	c.resetOffsets()
	c.updateFast()
	return d
}

// takeData hands over the value buffer; the next batch's buffer is
// allocated when it is first needed, with the taken one's capacity as its
// hint.
func (c *Column) takeData(used int) *memory.Buffer { return c.data.take(c.mem, used) }

// takeOffsets hands over the offsets buffer, as takeData.
func (c *Column) takeOffsets(used int) *memory.Buffer { return c.offs.take(c.mem, used) }

// Release frees the column's buffers. The column must not be used after.
func (c *Column) Release() {
	c.fast = 0
	c.valid.release()
	c.data.release()
	c.offs.release()
	for _, ch := range c.children {
		ch.Release()
	}
	c.children = nil
	if c.dict != nil {
		c.dict.Release()
		c.dict = nil
	}
}
