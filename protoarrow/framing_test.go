package protoarrow

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSplitFrame(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		id      int32
		indexes []int
		body    string
		err     string
	}{
		{"single zero byte is [0]", []byte{0, 0, 0, 1, 2, 0, 'b'}, 258, []int{0}, "b", ""},
		{"long form of [0]", []byte{0, 0, 0, 0, 7, 2, 0, 'b'}, 7, []int{0}, "b", ""},
		{"nested indexes", []byte{0, 0, 0, 0, 7, 4, 2, 6}, 7, []int{1, 3}, "", ""},
		{"empty body", []byte{0, 0, 0, 0, 7, 0}, 7, []int{0}, "", ""},
		{"negative schema id", []byte{0, 0xff, 0xff, 0xff, 0xff, 0, 1}, -1, []int{0}, "\x01", ""},
		{"empty", nil, 0, nil, "", "empty message is not in Confluent wire format"},
		{"magic byte", []byte{1, 0, 0, 0, 7, 0}, 0, nil, "", "magic byte 0x01, want 0x00"},
		{"no index list", []byte{0, 0, 0, 0, 7}, 0, nil, "", "too short"},
		{"negative count", []byte{0, 0, 0, 0, 7, 1}, 0, nil, "", "message-index count -1 is out of range"},
		{"huge count", []byte{0, 0, 0, 0, 7, 0xfe, 0xff, 0xff, 0xff, 0x0f}, 0, nil, "", "message-index count 2147483647 is out of range (0 to 64)"},
		{"count past the bytes", []byte{0, 0, 0, 0, 7, 6, 2}, 0, nil, "", "message index 1: truncated varint"},
		{"truncated count", []byte{0, 0, 0, 0, 7, 0x80}, 0, nil, "", "message-index count: truncated varint"},
		{"overlong count", []byte{0, 0, 0, 0, 7, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, 0, nil, "", "varint"},
		{"negative index", []byte{0, 0, 0, 0, 7, 2, 1}, 0, nil, "", "message index 0 is -1, out of range"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := SplitFrame(tc.in)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.id, f.SchemaID)
			assert.Equal(t, tc.body, string(f.Body))
			idx, err := DecodeIndexes(f.Indexes, nil)
			require.NoError(t, err)
			assert.Equal(t, tc.indexes, idx)
		})
	}
}

func TestAppendFrame(t *testing.T) {
	assert.Equal(t, []byte{0, 0, 0, 1, 2, 0}, AppendFrame(nil, 258, nil))
	assert.Equal(t, []byte{0, 0, 0, 1, 2, 0}, AppendFrame(nil, 258, []int{0}))
	assert.Equal(t, []byte{0, 0, 0, 0, 7, 4, 2, 6}, AppendFrame(nil, 7, []int{1, 3}))
	f, err := SplitFrame(append(AppendFrame(nil, 9, []int{2, 0, 5}), 'x'))
	require.NoError(t, err)
	idx, err := DecodeIndexes(f.Indexes, nil)
	require.NoError(t, err)
	assert.Equal(t, []int{2, 0, 5}, idx)
	assert.Equal(t, "x", string(f.Body))
	_, err = DecodeIndexes([]byte{2, 0, 9}, nil)
	assert.EqualError(t, err, "1 bytes after the message-index list")
}
