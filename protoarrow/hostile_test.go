package protoarrow

import (
	"bytes"
	"errors"
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/kafarr/kafarr/avroarrow"
)

// nestGroups wraps inner in n levels of group num.
func nestGroups(n int, num protowire.Number, inner []byte) []byte {
	return cat(bytes.Repeat(tag(num, protowire.StartGroupType), n), inner, bytes.Repeat(tag(num, protowire.EndGroupType), n))
}

// TestDecodeHostile feeds malformed and hostile messages: each is a
// *DecodeError naming its cause, appends nothing, allocates nothing in
// proportion to what the message claims, and leaves the builder ready for
// the next message.
func TestDecodeHostile(t *testing.T) {
	s := compileText(t, allProto)
	md := message(t, s, "kt.All")
	dec, err := NewDecoder(md, DecoderOptions{})
	require.NoError(t, err)
	good := encodeJSON(t, md, `{"i32":1,"st":"ok","inner":{"a":1},"ri":[1],"ms":{"k":"1"},"c_int":"2","js":{"a":1}}`)

	deepStruct := []byte{}
	for range 600 {
		// Value{list_value: ListValue{values: [deepStruct]}}
		deepStruct = lenField(6, lenField(1, deepStruct))
	}
	tests := []struct {
		name  string
		in    []byte
		cause string
		path  string
	}{
		{"truncated tag", []byte{0x80}, "unexpected end of data", ""},
		{"truncated varint value", cat(tag(1, protowire.VarintType), []byte{0xff, 0xff}), "unexpected end of data", "i32"},
		{"varint overflowing 64 bits", cat(tag(6, protowire.VarintType), bytes.Repeat([]byte{0xff}, 9), []byte{0x02}), "varint overflows 64 bits", "i64"},
		{"varint of 11 bytes", cat(tag(6, protowire.VarintType), bytes.Repeat([]byte{0x80}, 10), []byte{0x00}), "varint overflows 64 bits", "i64"},
		{"truncated fixed32", cat(tag(3, protowire.Fixed32Type), []byte{1, 2}), "unexpected end of data", "sf32"},
		{"truncated fixed64", cat(tag(12, protowire.Fixed64Type), []byte{1, 2, 3}), "unexpected end of data", "db"},
		{"wrong wire type for a scalar", lenField(1, []byte{1}), "field 1 has wire type len (2), where its type takes varint (0)", "i32"},
		{"wrong wire type for a message", varintField(17, 1), "field 17 has wire type varint (0), where its type takes len (2)", "inner"},
		{"wrong wire type for a string", fixed32Field(14, 1), "field 14 has wire type i32 (5), where its type takes len (2)", "st"},
		{"wrong wire type in a nested message", lenField(17, fixed64Field(1, 1)), "field 1 has wire type i64 (1)", "inner.a"},
		{"wrong wire type in a timestamp", lenField(27, lenField(1, nil)), "field 1 has wire type len (2), where its type takes varint (0)", "ts"},
		{"length past the end", cat(tag(14, protowire.BytesType), []byte{5, 'a'}), "length 5 exceeds the 1 bytes left", "st"},
		{"huge length", cat(tag(14, protowire.BytesType), protowire.AppendVarint(nil, math.MaxUint64)), "exceeds the 0 bytes left", "st"},
		{"huge length of an unknown field", cat(tag(99, protowire.BytesType), protowire.AppendVarint(nil, 1<<62)), "field 99: length 4611686018427387904 exceeds", ""},
		{"huge length of a nested message", cat(tag(17, protowire.BytesType), protowire.AppendVarint(nil, 1<<40)), "length 1099511627776 exceeds", "inner"},
		{"huge packed list", cat(tag(18, protowire.BytesType), protowire.AppendVarint(nil, 1<<40)), "length 1099511627776 exceeds", "ri"},
		{"field number 0", []byte{0x00, 0x01}, "invalid field number 0", ""},
		{"field number past the maximum", cat(protowire.AppendVarint(nil, uint64(protowire.MaxValidNumber+1)<<3), []byte{0}), "invalid field number 536870912", ""},
		{"field number past 32 bits", cat(protowire.AppendVarint(nil, uint64(1)<<35|8), []byte{0}), "invalid field number", ""},
		{"wire type 6", []byte{0x0e}, "field 1 has wire type 6 (6)", "i32"},
		{"wire type 7 unknown field", []byte{0xff, 0x07}, "invalid wire type 7", ""},
		{"end group without start", tag(99, protowire.EndGroupType), "end-group tag of field 99 without its start", ""},
		{"group without end", tag(99, protowire.StartGroupType), "group of field 99 has no end tag", ""},
		{"group with another end", cat(tag(99, protowire.StartGroupType), tag(98, protowire.EndGroupType)), "group of field 99 ends with the end tag of field 98", ""},
		{"unknown groups nested 100,000 deep", nestGroups(100_000, 99, nil), "groups nested deeper than 512 levels", ""},
		{"struct values nested 600 deep", lenField(32, deepStruct), "values nested deeper than 512 levels", "jv"},
		{"invalid UTF-8 in a string", lenField(14, []byte{0xff, 'a'}), "string is not valid UTF-8", "st"},
		{"invalid UTF-8 in a long string", lenField(14, append(bytes.Repeat([]byte{'a'}, 40), 0xc3)), "string is not valid UTF-8", "st"},
		{"invalid UTF-8 in a list", cat(lenField(19, []byte("a")), lenField(19, []byte{0xc3, 0x28})), "string is not valid UTF-8", "rs"},
		{"invalid UTF-8 in a map key", lenField(21, lenField(1, []byte{0xed, 0xa0, 0x80})), "string is not valid UTF-8", "ms.key"},
		{"invalid UTF-8 in a wrapper", lenField(30, lenField(1, []byte{0xfe})), "string is not valid UTF-8", "wstr"},
		{"invalid UTF-8 in a Struct key", lenField(31, lenField(1, lenField(1, []byte{0xff}))), "Struct key is not valid UTF-8", "js"},
		{"invalid UTF-8 in a Value string", lenField(32, lenField(3, []byte{0xff})), "Value string is not valid UTF-8", "jv"},
		{"NaN in a Value", lenField(32, fixed64Field(2, math.Float64bits(math.NaN()))), "has no JSON form", "jv"},
		{"timestamp before year 1", lenField(27, varintField(1, neg(62135596801))), "outside years 1 to 9999", "ts"},
		{"timestamp negative nanos", lenField(27, varintField(2, neg(1))), "timestamp nanos -1 outside", "ts"},
		{"duration with mixed signs", lenField(28, cat(varintField(1, 1), varintField(2, neg(1)))), "duration nanos -1 out of range for 1 seconds", "du"},
		{"duration too long", lenField(28, varintField(1, 315576000001)), "outside +-315576000000", "du"},
		{"malformed Any", lenField(34, []byte{0x0a, 0x05}), "Any: ", "ja"},
		{"truncated map entry", lenField(22, lenField(2, []byte{0x08})), "unexpected end of data", "mi.value.a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			bb, err := avroarrow.NewBatchBuilder(mem, dec.Schema())
			require.NoError(t, err)
			defer bb.Release()
			require.NoError(t, dec.Decode(good, bb))
			before := mem.CurrentAlloc()

			err = dec.Decode(tc.in, bb)
			require.Error(t, err)
			var de *DecodeError
			require.True(t, errors.As(err, &de), "%T: %v", err, err)
			assert.Contains(t, err.Error(), tc.cause)
			assert.Equal(t, tc.path, de.Path)
			assert.Equal(t, 1, bb.Len(), "a failed message appends nothing")
			assert.Less(t, mem.CurrentAlloc()-before, 1<<20, "no allocation in proportion to the claims")

			require.NoError(t, dec.Decode(good, bb))
			rec, err := bb.NewRecord()
			require.NoError(t, err)
			defer rec.Release()
			rows := recordRows(t, rec)
			require.Len(t, rows, 2)
			assert.Equal(t, rows[0], rows[1])
		})
	}
}

// TestDecodePackedLengths refuses packed fixed-width lists whose byte
// length is not a multiple of the width.
func TestDecodePackedLengths(t *testing.T) {
	s := compileText(t, `syntax = "proto3"; message M { repeated fixed32 a = 1; repeated double b = 2; }`)
	dec, err := NewDecoder(message(t, s, "M"), DecoderOptions{})
	require.NoError(t, err)
	for in, want := range map[string]string{
		string(lenField(1, []byte{1, 2, 3})):    "packed fixed32 values of 3 bytes, not a multiple of 4",
		string(lenField(2, make([]byte, 12))):   "packed fixed64 values of 12 bytes, not a multiple of 8",
		string(lenField(1, []byte{1, 2, 3, 4})): "",
	} {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		bb, err := avroarrow.NewBatchBuilder(mem, dec.Schema())
		require.NoError(t, err)
		err = dec.Decode([]byte(in), bb)
		if want == "" {
			assert.NoError(t, err)
		} else {
			assert.ErrorContains(t, err, want)
		}
		bb.Release()
		mem.AssertSize(t, 0)
	}
}

// neg is -x as a varint's bits.
func neg(x int64) uint64 { return uint64(-x) }
