package protoarrow

import (
	"encoding/binary"
	"fmt"
	"slices"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// HeaderSize is the length of the Confluent wire format header before the
// message-index list: the magic byte 0 and the 4-byte big-endian schema id.
const HeaderSize = 5

// MaxMessageIndexes bounds the length of a message-index list: the nesting
// depth of the message a frame names. Longer lists are refused before
// anything is allocated.
const MaxMessageIndexes = 64

// Frame is a Confluent-framed Protobuf message split into its parts. Its
// slices alias the message.
type Frame struct {
	// SchemaID is the registry id of the writer schema.
	SchemaID int32
	// Indexes is the message-index list as it was encoded: the zigzag
	// varint count, then the indexes. Equal lists encoded alike have equal
	// bytes, so it serves as a cache key; DecodeIndexes reads it.
	Indexes []byte
	// Body is the Protobuf message.
	Body []byte
}

// SplitFrame splits a Confluent-framed Protobuf message: magic byte 0, the
// schema id as a 4-byte big-endian integer, the message-index list (a
// zigzag varint count, then as many zigzag varint indexes; a count of 0,
// the single byte 0x00, means [0]), then the message. A nil or empty
// message (a tombstone) is an error too, so callers check for tombstones
// first. Counts that are negative, above MaxMessageIndexes, or longer than
// the bytes left are errors, found without allocating.
func SplitFrame(msg []byte) (Frame, error) {
	if len(msg) == 0 {
		return Frame{}, fmt.Errorf("empty message is not in Confluent wire format")
	}
	if msg[0] != 0 {
		return Frame{}, fmt.Errorf("message is not in Confluent wire format (magic byte 0x%02x, want 0x00)", msg[0])
	}
	if len(msg) < HeaderSize+1 {
		return Frame{}, fmt.Errorf("message of %d bytes is too short for the Confluent Protobuf header (magic byte, schema id, message indexes)", len(msg))
	}
	id := int32(binary.BigEndian.Uint32(msg[1:5]))
	rest := msg[HeaderSize:]
	if rest[0] == 0 {
		// The common case: [0] as one byte.
		return Frame{SchemaID: id, Indexes: rest[:1:1], Body: rest[1:]}, nil
	}
	n, err := indexListLen(rest)
	if err != nil {
		return Frame{}, err
	}
	return Frame{SchemaID: id, Indexes: rest[:n:n], Body: rest[n:]}, nil
}

// indexListLen returns the byte length of the message-index list at the
// start of b.
func indexListLen(b []byte) (int, error) {
	count, pos, err := zigzag(b, 0)
	if err != nil {
		return 0, fmt.Errorf("message-index count: %v", err)
	}
	if count < 0 || count > MaxMessageIndexes {
		return 0, fmt.Errorf("message-index count %d is out of range (0 to %d)", count, MaxMessageIndexes)
	}
	for i := range count {
		var x int64
		x, pos, err = zigzag(b, pos)
		if err != nil {
			return 0, fmt.Errorf("message index %d: %v", i, err)
		}
		if x < 0 || x > maxIndexValue {
			return 0, fmt.Errorf("message index %d is %d, out of range", i, x)
		}
	}
	return pos, nil
}

// maxIndexValue bounds one message index: no file declares more messages.
const maxIndexValue = 1 << 30

// DecodeIndexes reads a message-index list as Frame.Indexes holds it into
// dst (reused when it has room) and returns it; [0] for a count of 0.
func DecodeIndexes(raw []byte, dst []int) ([]int, error) {
	dst = dst[:0]
	n, err := indexListLen(raw)
	if err != nil {
		return nil, err
	}
	if n != len(raw) {
		return nil, fmt.Errorf("%d bytes after the message-index list", len(raw)-n)
	}
	count, pos, _ := zigzag(raw, 0)
	if count == 0 {
		return append(dst, 0), nil
	}
	for range count {
		var x int64
		x, pos, _ = zigzag(raw, pos)
		dst = append(dst, int(x))
	}
	return dst, nil
}

// AppendFrame appends the Confluent wire format header for schemaID and
// the message-index list indexes to dst and returns the extended slice;
// the Protobuf message follows it. [0] (or no indexes) is written as the
// single byte 0.
func AppendFrame(dst []byte, schemaID int32, indexes []int) []byte {
	dst = append(dst, 0, byte(schemaID>>24), byte(schemaID>>16), byte(schemaID>>8), byte(schemaID))
	if len(indexes) == 0 || (len(indexes) == 1 && indexes[0] == 0) {
		return append(dst, 0)
	}
	dst = binary.AppendVarint(dst, int64(len(indexes)))
	for _, x := range indexes {
		dst = binary.AppendVarint(dst, int64(x))
	}
	return dst
}

// zigzag reads a zigzag varint of at most 10 bytes at b[pos:].
func zigzag(b []byte, pos int) (int64, int, error) {
	var x uint64
	for k := 0; k < 10; k++ {
		if pos >= len(b) {
			return 0, pos, fmt.Errorf("truncated varint")
		}
		c := b[pos]
		pos++
		if k == 9 && c > 1 {
			return 0, pos, fmt.Errorf("varint overflows 64 bits")
		}
		x |= uint64(c&0x7f) << (7 * k)
		if c < 0x80 {
			return int64(x>>1) ^ -int64(x&1), pos, nil
		}
	}
	return 0, pos, fmt.Errorf("varint longer than 10 bytes")
}

// AppendHeader appends the Confluent framing that precedes a Protobuf
// message produced with schema id: magic byte 0, id big-endian, then the
// message-index list of the message within the schema's file (see
// MessageIndexes): a zigzag varint count and zigzag varint indexes, or
// the single byte 0 for [0] (and for an empty list), the shortcut
// Confluent's serializers write for a file's first message. It is
// AppendFrame under the name the ingest side uses.
func AppendHeader(dst []byte, id int32, indexes []int) []byte {
	return AppendFrame(dst, id, indexes)
}

// MessageIndexes returns the path of md within its file, as the Confluent
// message-index list gives it: the index of its top-level message among
// the file's messages, then the index of each nested message within its
// parent. The first message of a file is [0].
func MessageIndexes(md protoreflect.MessageDescriptor) []int {
	var rev []int
	for d := protoreflect.Descriptor(md); d != nil; d = d.Parent() {
		m, ok := d.(protoreflect.MessageDescriptor)
		if !ok {
			break
		}
		rev = append(rev, m.Index())
	}
	slices.Reverse(rev)
	return rev
}
