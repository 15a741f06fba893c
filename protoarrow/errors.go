package protoarrow

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// DecodeError reports Protobuf data that cannot be read into the reader
// message's columns: malformed wire data, a field whose wire type is not
// its type's, invalid UTF-8 in a string, a value the column cannot hold.
type DecodeError struct {
	// Path locates the value by field names from the top-level message,
	// e.g. "order.items.price"; empty for the message as a whole.
	Path string
	// Offset is the byte offset in the Protobuf message (after the
	// framing) where the problem was found.
	Offset int
	// Err is the cause.
	Err error
}

func (e *DecodeError) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("protobuf decode: at byte %d: %v", e.Offset, e.Err)
	}
	return fmt.Sprintf("protobuf decode: %s at byte %d: %v", e.Path, e.Offset, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// ErrTruncated is the cause of a DecodeError for data that ends before the
// value does.
var ErrTruncated = errors.New("unexpected end of data")

// MaxDepth bounds the nesting of messages and groups in one message, the
// skipped ones included.
const MaxDepth = 512

// state is the per-call state of a decode. Errors are kept in err, the
// first one winning; functions that fail return a negative position.
type state struct {
	err   *DecodeError
	depth int
	dec   *Decoder
}

func (st *state) fail(off int, path string, cause error) int {
	if st.err == nil {
		st.err = &DecodeError{Path: path, Offset: off, Err: cause}
	}
	return -1
}

func (st *state) failf(off int, path, format string, args ...any) int {
	return st.fail(off, path, fmt.Errorf(format, args...))
}

// prepend puts a field name in front of the error's path, as a failure
// unwinds through the messages that hold the field.
func (st *state) prepend(name string) {
	if st.err == nil {
		return
	}
	if st.err.Path == "" {
		st.err.Path = name
	} else {
		st.err.Path = name + "." + st.err.Path
	}
}

// varintError reports a varint that could not be read: code is the
// negative position varint returned.
func (st *state) varintError(code, off int, path string) int {
	if code == errOverflow {
		return st.failf(off, path, "varint overflows 64 bits")
	}
	return st.fail(off, path, ErrTruncated)
}

var wireNames = [8]string{"varint", "i64", "len", "sgroup", "egroup", "i32", "6", "7"}

// wireError reports a field whose wire type is not its type's. Protobuf
// runtimes keep such a field as an unknown field; kafarr fails the
// message instead, since a writer that changed a field's type
// incompatibly would otherwise read as defaults without a word.
func (st *state) wireError(f *field, got protowire.Type, off int) int {
	return st.failf(off, f.name, "field %d has wire type %s (%d), where its type takes %s (%d)",
		f.num, wireNames[got&7], got, wireNames[f.wire&7], f.wire)
}
