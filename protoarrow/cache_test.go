package protoarrow

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecoderCache(t *testing.T) {
	reader := compileText(t, `syntax = "proto3"; package c; message A { int32 x = 1; } message B { message Inner {} }`)
	dec, err := NewDecoder(message(t, reader, "c.A"), DecoderOptions{})
	require.NoError(t, err)
	c := NewDecoderCache(dec)
	c.LookupErrorTTL = 50 * time.Millisecond
	calls := map[int32]int{}
	down := errors.New("down")
	lookup := func(id int32) (*Schema, error) {
		calls[id]++
		if id == 3 {
			return nil, down
		}
		return reader, nil
	}
	zero := AppendFrame(nil, 1, nil)[5:]
	for range 3 {
		got, err := c.Get(1, zero, lookup)
		require.NoError(t, err)
		assert.Same(t, dec, got)
	}
	assert.Equal(t, 1, calls[1], "one lookup per writer id")

	_, err = c.Get(1, AppendFrame(nil, 1, []int{1})[5:], lookup)
	var re *ResolveError
	require.ErrorAs(t, err, &re)
	assert.EqualError(t, err, "protobuf schema resolution: schema id 1 message [1] is c.B, not the reader's c.A")
	_, err = c.Get(1, AppendFrame(nil, 1, []int{1, 0})[5:], lookup)
	assert.EqualError(t, err, "protobuf schema resolution: schema id 1 message [1,0] is c.B.Inner, not the reader's c.A")
	assert.Equal(t, 1, calls[1])

	// Lookup failures are remembered for LookupErrorTTL, then retried.
	for range 2 {
		_, err = c.Get(3, zero, lookup)
		assert.ErrorIs(t, err, down)
	}
	assert.Equal(t, 1, calls[3])
	time.Sleep(60 * time.Millisecond)
	_, err = c.Get(3, zero, lookup)
	assert.ErrorIs(t, err, down)
	assert.Equal(t, 2, calls[3])

	// Past MaxEntries an entry is dropped.
	c.MaxEntries = 2
	for id := int32(10); id < 20; id++ {
		_, err := c.Get(id, zero, lookup)
		require.NoError(t, err)
	}
	c.mu.RLock()
	assert.LessOrEqual(t, len(c.entries), 2)
	c.mu.RUnlock()
}
