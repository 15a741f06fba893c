package avroarrow

import (
	"encoding/binary"
	"fmt"
)

// FrameHeaderSize is the length of the Confluent wire format header: the
// magic byte 0 followed by the schema id as a 4-byte big-endian integer.
const FrameHeaderSize = 5

// AppendFrame appends the Confluent wire format header for schemaID to dst
// and returns the extended slice; the Avro body follows it.
func AppendFrame(dst []byte, schemaID int32) []byte {
	return append(dst, 0, byte(schemaID>>24), byte(schemaID>>16), byte(schemaID>>8), byte(schemaID))
}

// SplitFrame splits a Confluent-framed message into its schema id and its
// Avro body. The body aliases msg. A message shorter than the header or
// whose first byte is not 0 is an error saying so; a nil or empty message
// (a tombstone) is an error too, so callers check for tombstones first.
func SplitFrame(msg []byte) (schemaID int32, body []byte, err error) {
	if len(msg) == 0 {
		return 0, nil, fmt.Errorf("empty message is not in Confluent wire format")
	}
	if msg[0] != 0 {
		return 0, nil, fmt.Errorf("message is not in Confluent wire format (magic byte 0x%02x, want 0x00)", msg[0])
	}
	if len(msg) < FrameHeaderSize {
		return 0, nil, fmt.Errorf("message of %d bytes is too short for the Confluent wire format header of %d bytes", len(msg), FrameHeaderSize)
	}
	return int32(binary.BigEndian.Uint32(msg[1:5])), msg[FrameHeaderSize:], nil
}
