package protoarrow

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/kafarr/kafarr/avroarrow"
)

// Wire-level builders for messages the protobuf runtime does not write.
func tag(num protowire.Number, wt protowire.Type) []byte { return protowire.AppendTag(nil, num, wt) }

func varintField(num protowire.Number, v uint64) []byte {
	return protowire.AppendVarint(tag(num, protowire.VarintType), v)
}

func lenField(num protowire.Number, v []byte) []byte {
	return protowire.AppendBytes(tag(num, protowire.BytesType), v)
}

func fixed32Field(num protowire.Number, v uint32) []byte {
	return protowire.AppendFixed32(tag(num, protowire.Fixed32Type), v)
}

func fixed64Field(num protowire.Number, v uint64) []byte {
	return protowire.AppendFixed64(tag(num, protowire.Fixed64Type), v)
}

func groupField(num protowire.Number, body ...[]byte) []byte {
	b := tag(num, protowire.StartGroupType)
	for _, x := range body {
		b = append(b, x...)
	}
	return append(b, tag(num, protowire.EndGroupType)...)
}

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// TestDecodeWire reads messages built field by field: repeated
// occurrences, packed and unpacked lists, merges, unknown fields of every
// wire type.
func TestDecodeWire(t *testing.T) {
	s := compileText(t, allProto)
	md := message(t, s, "kt.All")
	tests := []struct {
		name string
		cols []string
		in   []byte
		want string
	}{
		{"last scalar wins", []string{"i32", "st"},
			cat(varintField(1, 5), lenField(14, []byte("a")), varintField(1, 6), lenField(14, []byte("bc"))),
			`{"i32":6,"st":"bc"}`},
		{"fields in any order", []string{"i32", "st", "u32"},
			cat(varintField(4, 9), lenField(14, []byte("x")), varintField(1, 1)),
			`{"i32":1,"st":"x","u32":9}`},
		{"unpacked list", []string{"ri"}, cat(varintField(18, 1), varintField(18, 2)), `{"ri":[1,2]}`},
		{"packed list", []string{"ri"}, lenField(18, []byte{1, 2, 0x7f}), `{"ri":[1,2,127]}`},
		{"packed and unpacked mixed", []string{"ri"},
			cat(lenField(18, []byte{1, 2}), varintField(18, 3), lenField(18, []byte{4})), `{"ri":[1,2,3,4]}`},
		{"interleaved lists", []string{"ri", "rs"},
			cat(varintField(18, 1), lenField(19, []byte("a")), varintField(18, 2), lenField(19, []byte("b"))),
			`{"ri":[1,2],"rs":["a","b"]}`},
		{"packed enums", []string{"rside"}, lenField(36, []byte{2, 1, 9}), `{"rside":["SELL","BUY","9"]}`},
		{"message merges", []string{"inner"},
			cat(lenField(17, varintField(1, 3)), lenField(17, lenField(2, []byte("x")))),
			`{"inner":{"a":3,"b":"x"}}`},
		{"message merge overwrites scalars", []string{"inner"},
			cat(lenField(17, cat(varintField(1, 3), lenField(2, []byte("x")))), lenField(17, varintField(1, 4))),
			`{"inner":{"a":4,"b":"x"}}`},
		{"oneof last member wins", []string{"choice", "choice_case"},
			cat(lenField(23, []byte("s")), varintField(25, 7)),
			`{"choice":{"c_int":7,"c_msg":null,"c_str":null},"choice_case":"c_int"}`},
		{"oneof member back again", []string{"choice", "choice_case"},
			cat(lenField(24, varintField(1, 1)), varintField(25, 7), lenField(24, lenField(2, []byte("y")))),
			`{"choice":{"c_int":null,"c_msg":{"a":0,"b":"y"},"c_str":null},"choice_case":"c_msg"}`},
		{"oneof message merges", []string{"choice", "choice_case"},
			cat(lenField(24, varintField(1, 1)), lenField(24, lenField(2, []byte("y")))),
			`{"choice":{"c_int":null,"c_msg":{"a":1,"b":"y"},"c_str":null},"choice_case":"c_msg"}`},
		{"map entry with key and value missing", []string{"ms", "mi"},
			cat(lenField(21, nil), lenField(22, nil)),
			`{"mi":[{"key":0,"value":{"a":0,"b":""}}],"ms":[{"key":"","value":0}]}`},
		{"map entry fields reversed", []string{"ms"},
			lenField(21, cat(varintField(2, 8), lenField(1, []byte("k")))),
			`{"ms":[{"key":"k","value":8}]}`},
		{"unknown fields of every wire type", []string{"i32", "st"},
			cat(varintField(1, 5), varintField(100, 1<<40), fixed32Field(101, 1), fixed64Field(102, 2),
				lenField(103, []byte("zz")), groupField(104, varintField(1, 1), groupField(2, lenField(3, nil))),
				lenField(14, []byte("a")), varintField(5000, 1), varintField(protowire.MaxValidNumber, 1)),
			`{"i32":5,"st":"a"}`},
		{"projected-out fields are skipped", []string{"st"},
			cat(varintField(1, 5), lenField(17, []byte{0xff}), lenField(14, []byte("a"))),
			`{"st":"a"}`},
		{"wrapper present and empty is the zero value", []string{"w32", "wstr"},
			cat(lenField(29, nil), lenField(30, nil)), `{"w32":0,"wstr":""}`},
		{"wrapper last value wins", []string{"w32"},
			lenField(29, cat(varintField(1, 1), varintField(1, 2))), `{"w32":2}`},
		{"timestamp field occurring twice: last wins", []string{"ts"},
			cat(lenField(27, varintField(1, 10)), lenField(27, varintField(2, 5000))), `{"ts":"1970-01-01T00:00:00.000005Z"}`},
		{"struct with a repeated key: last wins", []string{"js"},
			lenField(31, cat(
				lenField(1, cat(lenField(1, []byte("k")), lenField(2, varintField(4, 1)))),
				lenField(1, cat(lenField(1, []byte("k")), lenField(2, fixed64Field(2, 0x4000000000000000)))),
				lenField(1, lenField(1, []byte("e"))))),
			`{"js":"{\"e\":null,\"k\":2}"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dec, err := NewDecoder(md, DecoderOptions{Projection: tc.cols})
			require.NoError(t, err)
			rows := decodeRows(t, dec, tc.in)
			require.Len(t, rows, 1)
			assert.JSONEq(t, tc.want, rows[0])
		})
	}
}

// TestDecodeMergeAcrossRows checks that merging and reopening touch only
// the row being decoded: rows around it keep their values.
func TestDecodeMergeAcrossRows(t *testing.T) {
	s := compileText(t, allProto)
	md := message(t, s, "kt.All")
	dec, err := NewDecoder(md, DecoderOptions{Projection: []string{"inner", "ri", "choice", "choice_case", "ms"}})
	require.NoError(t, err)
	rows := decodeRows(t, dec,
		cat(lenField(17, varintField(1, 1)), varintField(18, 1), lenField(21, lenField(1, []byte("a")))),
		cat(lenField(17, varintField(1, 2)), varintField(18, 2), lenField(24, varintField(1, 5)),
			lenField(17, lenField(2, []byte("m"))), varintField(18, 3), lenField(24, lenField(2, []byte("n"))),
			lenField(21, lenField(1, []byte("b"))), lenField(21, lenField(1, []byte("c")))),
		nil,
	)
	want := []string{
		`{"choice":null,"choice_case":null,"inner":{"a":1,"b":""},"ms":[{"key":"a","value":0}],"ri":[1]}`,
		`{"choice":{"c_int":null,"c_msg":{"a":5,"b":"n"},"c_str":null},"choice_case":"c_msg","inner":{"a":2,"b":"m"},"ms":[{"key":"b","value":0},{"key":"c","value":0}],"ri":[2,3]}`,
		`{"choice":null,"choice_case":null,"inner":null,"ms":[],"ri":[]}`,
	}
	require.Len(t, rows, 3)
	for i := range want {
		assert.JSONEq(t, want[i], rows[i], "row %d", i)
	}
}

// TestDecodeDecimal checks the unscaled values of decimal columns and the
// values that do not fit.
func TestDecodeDecimal(t *testing.T) {
	s := compileText(t, allProto)
	md := message(t, s, "kt.All")
	dec, err := NewDecoder(md, DecoderOptions{Projection: []string{"dec"}})
	require.NoError(t, err)
	decimal := func(value []byte, scale int32) []byte {
		return lenField(35, cat(lenField(1, value), varintField(3, uint64(uint32(scale)))))
	}
	tests := []struct {
		name  string
		in    []byte
		want  string // unscaled at scale 2
		cause string
	}{
		{"as is", decimal([]byte{0x04, 0xd2}, 2), "1234", ""},
		{"scale up", decimal([]byte{0x05}, 0), "500", ""},
		{"negative scale", decimal([]byte{0x05}, -2), "50000", ""},
		{"scale down exactly", decimal([]byte{0x30, 0x34}, 3), "1234", ""},
		{"negative", decimal([]byte{0xfb, 0x2e}, 2), "-1234", ""},
		{"redundant sign bytes", decimal([]byte{0xff, 0xff, 0xfb, 0x2e}, 2), "-1234", ""},
		{"largest of the precision", decimal([]byte{0x02, 0x54, 0x0b, 0xe3, 0xff}, 2), "9999999999", ""},
		{"empty value is zero", decimal(nil, 7), "0", ""},
		{"rounding needed", decimal([]byte{0x30, 0x39}, 3), "", "does not fit scale 2 without rounding"},
		{"too many digits", decimal([]byte{0x02, 0x54, 0x0b, 0xe4, 0x00}, 2), "", "more than the 10 digits"},
		{"too large for 256 bits", decimal(append([]byte{0x01}, make([]byte, 32)...), 0), "", "too large"},
		{"huge scale up", decimal([]byte{0x01}, -100), "", "does not fit decimal(10, 2)"},
		{"wrong wire type", lenField(35, varintField(1, 5)), "", "wire type varint (0), where its type takes len (2)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			bb, err := avroarrow.NewBatchBuilder(mem, dec.Schema())
			require.NoError(t, err)
			defer bb.Release()
			err = dec.Decode(tc.in, bb)
			if tc.cause != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.cause)
				assert.Contains(t, err.Error(), "dec")
				assert.Equal(t, 0, bb.Len())
				return
			}
			require.NoError(t, err)
			rec, err := bb.NewRecord()
			require.NoError(t, err)
			defer rec.Release()
			got := rec.Column(0).Data().Buffers()[1].Bytes()
			num := decimal128.New(int64(leUint64(got[8:])), leUint64(got[:8]))
			assert.Equal(t, tc.want, num.BigInt().String())
		})
	}
}

func leUint64(b []byte) uint64 {
	var x uint64
	for i := 7; i >= 0; i-- {
		x = x<<8 | uint64(b[i])
	}
	return x
}
