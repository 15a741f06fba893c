package protoarrow

import (
	"fmt"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/kafarr/kafarr/avroarrow"
)

// EncoderOptions configures CompileEncoder.
type EncoderOptions struct {
	// Coerce selects which conversions are allowed, as for Avro; the zero
	// value is avroarrow.CoerceExact: narrowings (int64 into int32, double
	// into float, a decimal scale reduction) are made when every value
	// converts exactly.
	Coerce avroarrow.CoerceMode
}

// Encoder writes the rows of Arrow record batches as Protobuf messages of
// one message type, the inverse of Decoder. It is compiled once per
// (Arrow schema, message) pair by CompileEncoder; every type decision is
// made then, so encoding a row allocates nothing (fields of the JSON-mapped
// types Struct, Value, ListValue and Any excepted: they are parsed with
// protojson).
//
// An Encoder remembers the last batch it was given, so it is not safe for
// concurrent use; compile one per goroutine.
type Encoder struct {
	in   *arrow.Schema
	root *encMsg

	bound   arrow.RecordBatch // the batch the nodes read, nil before the first
	rows    int
	scratch []byte // Check's output, discarded
}

// Check validates every row of rec without producing anything: narrowing
// conversions are exact, no null lands in a field without presence, enum
// symbols exist, timestamps are in Protobuf's range, JSON text parses, and
// so on. It returns the first problem, as an *avroarrow.EncodeError naming
// the column, the 0-based row and the value, so an ingest can refuse a
// batch before any of it is produced. A batch that passes Check encodes
// without error: Check encodes each row into a scratch buffer.
func (e *Encoder) Check(rec arrow.RecordBatch) (err error) {
	defer encRecover(&err)
	if eerr := e.sameSchema(rec); eerr != nil {
		return eerr
	}
	for k := range e.root.fields {
		f := &e.root.fields[k]
		if verr := array.Validate(rec.Column(f.col)); verr != nil {
			return &avroarrow.EncodeError{Column: rec.ColumnName(f.col), Row: -1, Msg: "malformed Arrow data: " + verr.Error()}
		}
	}
	if eerr := e.bind(rec); eerr != nil {
		return eerr
	}
	for row := 0; row < e.rows; row++ {
		var eerr *avroarrow.EncodeError
		if e.scratch, eerr = e.root.encode(e.scratch[:0], row); eerr != nil {
			eerr.Row = row
			return eerr
		}
		if cap(e.scratch) > 1<<20 {
			e.scratch = nil // one huge row need not stay
		}
	}
	return nil
}

// AppendRow appends the Protobuf encoding of row (0-based) of rec to dst,
// with no framing (see AppendHeader), and returns the extended buffer.
// Reusing dst across calls makes encoding allocation-free. Values are
// validated as they are written, as Check does; on error the returned
// buffer is dst unchanged and the error is an *avroarrow.EncodeError
// naming column, row and value. Fields are written in field-number order;
// fields without presence are omitted when they hold their default, as
// protobuf runtimes do.
func (e *Encoder) AppendRow(dst []byte, rec arrow.RecordBatch, row int) (out []byte, err error) {
	defer encRecoverRow(&out, dst, &err)
	if rec != e.bound {
		if eerr := e.bind(rec); eerr != nil {
			return dst, eerr
		}
	}
	if row < 0 || row >= e.rows {
		return dst, &avroarrow.EncodeError{Row: row, Msg: fmt.Sprintf("row %d is outside the batch of %d rows", row, e.rows)}
	}
	start := len(dst)
	out, eerr := e.root.encode(dst, row)
	if eerr != nil {
		eerr.Row = row
		return dst[:start], eerr
	}
	return out, nil
}

// bind points the compiled nodes at the columns of rec, after checking that
// rec has the schema the encoder was compiled for.
func (e *Encoder) bind(rec arrow.RecordBatch) *avroarrow.EncodeError {
	if err := e.sameSchema(rec); err != nil {
		return err
	}
	e.bound = nil
	for k := range e.root.fields {
		f := &e.root.fields[k]
		if err := f.bind(rec.Column(f.col)); err != nil {
			return err
		}
	}
	e.bound, e.rows = rec, int(rec.NumRows())
	return nil
}

// sameSchema checks that rec has the column names and types the encoder
// was compiled for.
func (e *Encoder) sameSchema(rec arrow.RecordBatch) *avroarrow.EncodeError {
	if rec == nil {
		return &avroarrow.EncodeError{Row: -1, Msg: "nil record batch"}
	}
	s := rec.Schema()
	if s == e.in {
		return nil
	}
	if s.NumFields() != e.in.NumFields() {
		return &avroarrow.EncodeError{Row: -1, Msg: fmt.Sprintf("record batch has %d columns, the encoder was compiled for %d", s.NumFields(), e.in.NumFields())}
	}
	for i := 0; i < s.NumFields(); i++ {
		got, want := s.Field(i), e.in.Field(i)
		if got.Name != want.Name || !arrow.TypeEqual(got.Type, want.Type) {
			return &avroarrow.EncodeError{Column: got.Name, Row: -1, Msg: fmt.Sprintf("record batch column %d is %s %s, the encoder was compiled for %s %s", i, got.Name, got.Type, want.Name, want.Type)}
		}
	}
	return nil
}

// encRecover turns a panic from malformed Arrow data (an offset past the
// end of a buffer, say) into an error: no input may crash the process.
func encRecover(err *error) {
	if r := recover(); r != nil {
		*err = &avroarrow.EncodeError{Row: -1, Msg: fmt.Sprintf("malformed Arrow data: %v", r)}
	}
}

// encRecoverRow is encRecover for AppendRow, which also restores the
// caller's buffer.
func encRecoverRow(out *[]byte, dst []byte, err *error) {
	if r := recover(); r != nil {
		*out = dst
		*err = &avroarrow.EncodeError{Row: -1, Msg: fmt.Sprintf("malformed Arrow data: %v", r)}
	}
}

// encPath names where a node sits, for errors: the Arrow column path and
// the Protobuf field path.
type encPath struct{ col, field string }

func (p encPath) child(col, field string) encPath {
	if p.col != "" && col != "" && col[0] != '[' && col[0] != '{' {
		col = "." + col
	}
	if p.field != "" && field != "" && field[0] != '[' && field[0] != '{' {
		field = "." + field
	}
	return encPath{p.col + col, p.field + field}
}

// encLeaf is the common part of value nodes: where they sit and what they
// write, for errors.
type encLeaf struct {
	path  encPath
	proto string // the Protobuf type written, as "int32" or "google.protobuf.Timestamp"
}

func (l *encLeaf) errf(value, format string, args ...any) *avroarrow.EncodeError {
	return &avroarrow.EncodeError{Column: l.path.col, Field: l.path.field, Row: -1, Value: value, Msg: fmt.Sprintf(format, args...)}
}

// beginLen reserves one byte for the length of a LEN value and returns the
// offset where the value starts; endLen fills the length in.
func beginLen(dst []byte) ([]byte, int) {
	dst = append(dst, 0)
	return dst, len(dst)
}

// endLen writes the length of the value that started at start, moving the
// value when its length needs more than the one byte reserved.
func endLen(dst []byte, start int) []byte {
	n := len(dst) - start
	if n < 0x80 {
		dst[start-1] = byte(n)
		return dst
	}
	k := protowire.SizeVarint(uint64(n))
	dst = append(dst, make([]byte, k-1)...)
	copy(dst[start+k-1:], dst[start:start+n])
	protowire.AppendVarint(dst[:start-1], uint64(n))
	return dst
}

// quoteValue renders a text value for an error, cut to 64 bytes.
func quoteValue(b []byte) string {
	if len(b) > 64 {
		return strconv.Quote(string(b[:64])) + "..."
	}
	return strconv.Quote(string(b))
}
