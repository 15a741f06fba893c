package avroarrow

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// DecodeError reports Avro binary data that does not match the writer
// schema, or that cannot be read into the reader schema.
type DecodeError struct {
	// Path locates the value in the reader schema, e.g.
	// "order.items[3].price" or `tags["k"]`; empty for the message as a
	// whole (trailing bytes, say).
	Path string
	// Offset is the byte offset in the Avro body (after any framing) where
	// the problem was found.
	Offset int
	// Err is the cause.
	Err error
}

func (e *DecodeError) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("avro decode: at byte %d: %v", e.Offset, e.Err)
	}
	return fmt.Sprintf("avro decode: %s at byte %d: %v", e.Path, e.Offset, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// ErrTruncated is the cause of a DecodeError for data that ends before the
// value does.
var ErrTruncated = errors.New("unexpected end of data")

// prependField puts a field name in front of the error's path.
func (e *DecodeError) prependField(name string) {
	switch {
	case e.Path == "":
		e.Path = name
	case e.Path[0] == '[':
		e.Path = name + e.Path
	default:
		e.Path = name + "." + e.Path
	}
}

// prependIndex puts an array index or a quoted map key in front of the
// error's path.
func (e *DecodeError) prependIndex(index string) {
	if e.Path == "" || e.Path[0] == '[' {
		e.Path = "[" + index + "]" + e.Path
	} else {
		e.Path = "[" + index + "]." + e.Path
	}
}

// maxDecodeDepth bounds the nesting of records, arrays, maps and unions in
// one message. Only recursive writer types can nest deeper than the
// reader's Arrow type, and only when skipped.
const maxDecodeDepth = 512

// DefaultMaxItems is the default bound on the items of arrays and maps
// whose items take no bytes (nulls, empty records, fixed(0)) that one
// message may materialize; items that take bytes are bounded by the
// message's length.
const DefaultMaxItems = 1 << 20

// reader reads Avro binary from buf. Errors are sticky: the first one is
// kept in err, later reads return zero values, and callers check err at
// each field and item so the path of the failure can be recorded.
type reader struct {
	buf   []byte
	pos   int
	err   *DecodeError
	items int // zero-size items left to materialize
	depth int
}

func (r *reader) fail(cause error) {
	if r.err == nil {
		r.err = &DecodeError{Offset: r.pos, Err: cause}
	}
}

func (r *reader) failf(format string, args ...any) {
	if r.err == nil {
		r.fail(fmt.Errorf(format, args...))
	}
}

// long reads a zigzag varint, at most 10 bytes.
func (r *reader) long() int64 {
	b, i := r.buf, r.pos
	if len(b)-i < 10 {
		return r.longSlow()
	}
	// At least 10 bytes are left: an unrolled decode without length
	// checks. Each step adds the next byte and, when it is not the last,
	// takes its continuation bit back out.
	p := b[i : i+10 : i+10]
	y := uint64(p[0])
	if y < 0x80 {
		r.pos = i + 1
		return int64(y>>1) ^ -int64(y&1)
	}
	v := y - 0x80
	var n int
	y = uint64(p[1])
	v += y << 7
	if y < 0x80 {
		n = 2
		goto done
	}
	v -= 0x80 << 7
	y = uint64(p[2])
	v += y << 14
	if y < 0x80 {
		n = 3
		goto done
	}
	v -= 0x80 << 14
	y = uint64(p[3])
	v += y << 21
	if y < 0x80 {
		n = 4
		goto done
	}
	v -= 0x80 << 21
	y = uint64(p[4])
	v += y << 28
	if y < 0x80 {
		n = 5
		goto done
	}
	v -= 0x80 << 28
	y = uint64(p[5])
	v += y << 35
	if y < 0x80 {
		n = 6
		goto done
	}
	v -= 0x80 << 35
	y = uint64(p[6])
	v += y << 42
	if y < 0x80 {
		n = 7
		goto done
	}
	v -= 0x80 << 42
	y = uint64(p[7])
	v += y << 49
	if y < 0x80 {
		n = 8
		goto done
	}
	v -= 0x80 << 49
	y = uint64(p[8])
	v += y << 56
	if y < 0x80 {
		n = 9
		goto done
	}
	v -= 0x80 << 56
	y = uint64(p[9])
	v += y << 63
	if y > 1 {
		return r.longSlow() // reports the overflow
	}
	n = 10
done:
	r.pos = i + n
	return int64(v>>1) ^ -int64(v&1)
}

// longSlow reads a varint byte by byte, checking the length, and reports
// truncation and overflow.
func (r *reader) longSlow() int64 {
	var x uint64
	b := r.buf
	for k, i := 0, r.pos; k < 10; k, i = k+1, i+1 {
		if i >= len(b) {
			r.fail(ErrTruncated)
			return 0
		}
		c := b[i]
		if k == 9 && c > 1 {
			r.failf("varint overflows 64 bits")
			return 0
		}
		x |= uint64(c&0x7f) << (7 * k)
		if c < 0x80 {
			r.pos = i + 1
			return int64(x>>1) ^ -int64(x&1)
		}
	}
	r.failf("varint longer than 10 bytes")
	return 0
}

// int reads a zigzag varint that must fit an int32.
func (r *reader) int() int32 {
	// Avro ints are varints of at most 5 bytes; a longer encoding of a
	// small value is tolerated, a value beyond 32 bits is not.
	v := r.long()
	if v != int64(int32(v)) {
		r.failf("int value %d out of the 32-bit range", v)
		return 0
	}
	return int32(v)
}

// float reads a little-endian IEEE 754 float's bits.
func (r *reader) float() uint32 {
	i := r.pos
	if len(r.buf)-i < 4 {
		r.fail(ErrTruncated)
		return 0
	}
	r.pos = i + 4
	b := r.buf[i : i+4]
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

// double reads a little-endian IEEE 754 double's bits.
func (r *reader) double() uint64 {
	i := r.pos
	if len(r.buf)-i < 8 {
		r.fail(ErrTruncated)
		return 0
	}
	r.pos = i + 8
	b := r.buf[i : i+8]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// boolean reads a byte that must be 0 or 1.
func (r *reader) boolean() bool {
	i := r.pos
	if i >= len(r.buf) {
		r.fail(ErrTruncated)
		return false
	}
	c := r.buf[i]
	if c > 1 {
		r.failf("boolean byte 0x%02x is neither 0 nor 1", c)
		return false
	}
	r.pos = i + 1
	return c == 1
}

// bytes reads a length-prefixed byte string, aliasing buf. The length is
// checked against the bytes left before anything is sliced.
func (r *reader) bytes() []byte {
	n := r.long()
	left := len(r.buf) - r.pos
	if uint64(n) > uint64(left) {
		if n < 0 {
			r.failf("negative length %d", n)
		} else if r.err == nil {
			r.failf("length %d exceeds the %d bytes left: %w", n, left, ErrTruncated)
		}
		return nil
	}
	i := r.pos
	r.pos = i + int(n)
	return r.buf[i:r.pos:r.pos]
}

// fixed reads n bytes, aliasing buf.
func (r *reader) fixed(n int) []byte {
	i := r.pos
	if len(r.buf)-i < n {
		r.fail(ErrTruncated)
		return nil
	}
	r.pos = i + n
	return r.buf[i:r.pos:r.pos]
}

// skip advances over n bytes.
func (r *reader) skip(n int64) {
	if uint64(n) > uint64(len(r.buf)-r.pos) {
		if n < 0 {
			r.failf("negative length %d", n)
		} else if r.err == nil {
			r.failf("length %d exceeds the %d bytes left: %w", n, len(r.buf)-r.pos, ErrTruncated)
		}
		return
	}
	r.pos += int(n)
}

// blockCount reads the item count of the next array or map block: 0 ends
// the value; a negative count is followed by the block's byte size, which
// is checked and then ignored. minSize is the fewest bytes an item takes;
// counts that the bytes left cannot hold are rejected before any item is
// read, and zero-size items draw on the message's item budget.
func (r *reader) blockCount(minSize int) int {
	n := r.long()
	if n < 0 {
		if n == math.MinInt64 {
			r.failf("block count %d out of range", n)
			return 0
		}
		n = -n
		if size := r.long(); size < 0 {
			r.failf("negative block size %d", size)
			return 0
		}
	}
	if r.err != nil {
		return 0
	}
	left := len(r.buf) - r.pos
	if minSize > 0 {
		if n > int64(left/minSize) {
			r.failf("block of %d items cannot fit the %d bytes left: %w", n, left, ErrTruncated)
			return 0
		}
	} else {
		if n > int64(r.items) {
			r.failf("block of %d items that take no bytes: only %d more such items are allowed per message", n, r.items)
			return 0
		}
		r.items -= int(n)
	}
	return int(n)
}

// validUTF8 is utf8.Valid with a fast path for ASCII.
func validUTF8(b []byte) bool {
	n := len(b)
	var acc uint64
	switch {
	case n >= 8:
		for i := 0; i+8 <= n; i += 8 {
			acc |= binary.LittleEndian.Uint64(b[i:])
		}
		acc |= binary.LittleEndian.Uint64(b[n-8:])
	case n >= 4:
		acc = uint64(binary.LittleEndian.Uint32(b) | binary.LittleEndian.Uint32(b[n-4:]))
	case n > 0:
		acc = uint64(b[0] | b[n/2] | b[n-1])
	}
	return acc&0x8080808080808080 == 0 || utf8.Valid(b)
}

// copyASCII copies src to dst, of the same length, and reports whether src
// is all ASCII. Short strings, the common case, are copied with a few
// overlapping word moves instead of a call to memmove.
func copyASCII(dst, src []byte) bool {
	n := len(src)
	if len(dst) != n {
		panic("avroarrow: copyASCII length mismatch")
	}
	var acc uint64
	switch {
	case n >= 8:
		i := 0
		for ; i+8 <= n; i += 8 {
			w := binary.LittleEndian.Uint64(src[i:])
			acc |= w
			binary.LittleEndian.PutUint64(dst[i:], w)
		}
		if i < n {
			w := binary.LittleEndian.Uint64(src[n-8:])
			acc |= w
			binary.LittleEndian.PutUint64(dst[n-8:], w)
		}
	case n >= 4:
		a, b := binary.LittleEndian.Uint32(src), binary.LittleEndian.Uint32(src[n-4:])
		binary.LittleEndian.PutUint32(dst, a)
		binary.LittleEndian.PutUint32(dst[n-4:], b)
		acc = uint64(a | b)
	case n > 0:
		a, b, c := src[0], src[n/2], src[n-1]
		dst[0], dst[n/2], dst[n-1] = a, b, c
		acc = uint64(a | b | c)
	}
	return acc&0x8080808080808080 == 0
}

// quoteKey renders a map key for an error path.
func quoteKey(k []byte) string {
	if len(k) > 64 {
		return strconv.Quote(string(k[:64]) + "...")
	}
	return strconv.Quote(string(k))
}
