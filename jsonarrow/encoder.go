package jsonarrow

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/kafarr/kafarr/avroarrow"
)

// EncoderOptions configures CompileEncoder.
type EncoderOptions struct {
	// Coerce selects which conversions are allowed, as for Avro; the zero
	// value is avroarrow.CoerceExact.
	Coerce avroarrow.CoerceMode
}

// EncodeError is avroarrow's: every error of the encoders names the
// column, the property (in its Field), the row and the value alike,
// whatever the format.
type EncodeError = avroarrow.EncodeError

// Encoder writes the rows of Arrow record batches as JSON objects, one per
// row, with one target schema. It is compiled once per (Arrow schema,
// target) pair by CompileEncoder, which makes every type decision; writing
// a row is a walk over the compiled nodes that allocates nothing once the
// destination buffer has room.
//
// Writing rules (docs/types.md, "JSON", "Writing JSON"):
//   - Columns match the target's properties by name; a property without
//     a column is left out (an error when it is required); a column
//     without a property is an error naming it, whatever the target's
//     additionalProperties says (the Arrow form of a JSON Schema does not
//     keep it), but for a root schema that takes any object or is a map
//     (additionalProperties alone): every column is then a member.
//   - A null of a property that is not required is left out, which every
//     schema accepts and every reader reads as null; a null of a required
//     property is written as null when the property's type admits null and
//     is an error otherwise. Without a target, nulls are written as null.
//   - Numbers are written exactly: integers as integer text whatever their
//     size (an int64 beyond 2^53 too, which a reader into float64 rounds),
//     floats as the shortest text that reads back as the same value of
//     their width, decimals as exact number text. NaN and ±Inf have no
//     JSON form and are errors naming the value.
//   - Strings must be valid UTF-8 (an error naming the row otherwise) and
//     are escaped as RFC 8259 requires (", \ and control characters).
//   - Binary is base64 (standard alphabet, padded) for a string property,
//     one code point per byte for the binary or fixed column of an Avro
//     schema (as the decoder reads them); dates are "YYYY-MM-DD",
//     timestamps RFC 3339 in UTC ("Z") with the fraction digits of their
//     unit, UUIDs canonical text, times and durations integer counts of
//     their unit.
//
// An Encoder remembers the last batch it was given, so it is not safe for
// concurrent use; compile one per goroutine.
type Encoder struct {
	in    *arrow.Schema // every batch given must have an equal schema
	root  *enode        // an object of the columns, or the whole value
	whole bool          // the message is the single column's value

	bound   arrow.RecordBatch
	rows    int
	scratch []byte // Check's output, discarded
}

// Check validates every row of rec without producing anything: narrowing
// conversions are exact, no null lands where it cannot be written, strings
// are UTF-8, floats finite, dates within years 0 to 9999, enum values among
// the symbols, the Arrow buffers consistent. It returns the first problem
// as an *avroarrow.EncodeError naming the column, the 0-based row and the
// value, so that an ingest can refuse a batch before producing any of it.
// A batch that passes Check encodes without error.
func (e *Encoder) Check(rec arrow.RecordBatch) (err error) {
	defer encRecover(&err)
	if eerr := e.sameSchema(rec); eerr != nil {
		return eerr
	}
	for i := 0; i < int(rec.NumCols()); i++ {
		if verr := array.Validate(rec.Column(i)); verr != nil {
			return &EncodeError{Column: rec.ColumnName(i), Row: -1, Msg: "malformed Arrow data: " + verr.Error()}
		}
	}
	if eerr := e.bind(rec); eerr != nil {
		return eerr
	}
	// Writing every row is the check: what Check accepts is exactly what
	// AppendRow writes.
	for row := 0; row < e.rows; row++ {
		var eerr *EncodeError
		if e.scratch, eerr = e.appendRow(e.scratch[:0], row); eerr != nil {
			eerr.Row = row
			return eerr
		}
	}
	return nil
}

// AppendRow appends the JSON text of row (0-based) of rec to dst, with no
// framing, and returns the extended buffer. Reusing dst across calls makes
// encoding allocation-free. Values are validated as they are written, as
// Check does; on error the returned buffer is dst unchanged and the error
// is an *avroarrow.EncodeError naming column, row and value.
func (e *Encoder) AppendRow(dst []byte, rec arrow.RecordBatch, row int) (out []byte, err error) {
	defer encRecoverRow(&out, dst, &err)
	if rec != e.bound {
		if eerr := e.bind(rec); eerr != nil {
			return dst, eerr
		}
	}
	if row < 0 || row >= e.rows {
		return dst, &EncodeError{Row: row, Msg: fmt.Sprintf("row %d is outside the batch of %d rows", row, e.rows)}
	}
	out, eerr := e.appendRow(dst, row)
	if eerr != nil {
		eerr.Row = row
		return dst, eerr
	}
	return out, nil
}

func (e *Encoder) appendRow(dst []byte, row int) ([]byte, *EncodeError) {
	if e.whole {
		return e.root.kids[0].value(dst, row)
	}
	return e.root.object(dst, row)
}

// bind points the compiled nodes at the columns of rec, after checking
// that rec has the schema the encoder was compiled for.
func (e *Encoder) bind(rec arrow.RecordBatch) *EncodeError {
	if err := e.sameSchema(rec); err != nil {
		return err
	}
	e.bound = nil
	for k, n := range e.root.kids {
		n.bind(rec.Column(e.root.cols[k]))
	}
	e.bound, e.rows = rec, int(rec.NumRows())
	return nil
}

// sameSchema checks that rec has the column names and types the encoder
// was compiled for.
func (e *Encoder) sameSchema(rec arrow.RecordBatch) *EncodeError {
	if rec == nil {
		return &EncodeError{Row: -1, Msg: "nil record batch"}
	}
	s := rec.Schema()
	if s == e.in {
		return nil
	}
	if s.NumFields() != e.in.NumFields() {
		return &EncodeError{Row: -1, Msg: fmt.Sprintf("record batch has %d columns, the encoder was compiled for %d", s.NumFields(), e.in.NumFields())}
	}
	for i := 0; i < s.NumFields(); i++ {
		got, want := s.Field(i), e.in.Field(i)
		if got.Name != want.Name || !arrow.TypeEqual(got.Type, want.Type) {
			return &EncodeError{Column: got.Name, Row: -1, Msg: fmt.Sprintf("record batch column %d is %s %s, the encoder was compiled for %s %s", i, got.Name, got.Type, want.Name, want.Type)}
		}
	}
	return nil
}

// encRecover turns a panic from malformed Arrow data (an offset past the
// end of a buffer, say) into an error: no input may crash the process.
func encRecover(err *error) {
	if r := recover(); r != nil {
		*err = &EncodeError{Row: -1, Msg: fmt.Sprintf("malformed Arrow data: %v", r)}
	}
}

// encRecoverRow is encRecover for AppendRow, which also restores the
// caller's buffer.
func encRecoverRow(out *[]byte, dst []byte, err *error) {
	if r := recover(); r != nil {
		*out = dst
		*err = &EncodeError{Row: -1, Msg: fmt.Sprintf("malformed Arrow data: %v", r)}
	}
}
