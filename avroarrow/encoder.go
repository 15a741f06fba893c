package avroarrow

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// CoerceMode says which conversions an Encoder may make between an Arrow
// column and its Avro field.
type CoerceMode uint8

const (
	// CoerceExact, the default, allows narrowing conversions (int64 into
	// Avro int, double into float, nanosecond timestamps into
	// timestamp-millis, a decimal scale reduction, ...) and fails on the
	// first value that does not convert exactly.
	CoerceExact CoerceMode = iota
	// CoerceStrict refuses every narrowing conversion when the encoder is
	// compiled, naming the column; only conversions that can never lose
	// information remain.
	CoerceStrict
)

// String returns the option value that selects the mode: "exact" or
// "strict".
func (m CoerceMode) String() string {
	switch m {
	case CoerceExact:
		return "exact"
	case CoerceStrict:
		return "strict"
	}
	return "CoerceMode(" + strconv.Itoa(int(m)) + ")"
}

// EncoderOptions configures CompileEncoder.
type EncoderOptions struct {
	// Coerce selects which conversions are allowed; the zero value is
	// CoerceExact.
	Coerce CoerceMode
}

// EncodeError reports Arrow data that cannot be written with an Avro
// schema: a column whose type does not fit its field, a field with neither a
// column nor a default, a column name that is not a valid Avro name, or a
// value that does not convert exactly. DeriveSchema, CompileEncoder,
// Encoder.Check and Encoder.AppendRow return only this error type; the
// ingest path reports it as adbc.StatusInvalidArgument.
type EncodeError struct {
	// Column is the path of the Arrow column: "quote.bid" for a struct
	// child, "legs[]" for list items, "attrs{}" for map values. It is empty
	// when the error concerns a field that has no column.
	Column string
	// Field is the path of the Avro field the column feeds, built the same
	// way; empty when the error concerns no field.
	Field string
	// Row is the 0-based row within the batch, or -1 when the error is
	// about the schemas rather than a value.
	Row int
	// Value renders the offending value; empty when there is none (a null,
	// or a schema error).
	Value string
	// Msg says what is wrong.
	Msg string
}

// Error renders the error as, for example,
//
//	column "dt" row 17: value 3000000000 does not fit Avro int (field "dt")
func (e *EncodeError) Error() string {
	var b strings.Builder
	switch {
	case e.Column != "":
		b.WriteString("column ")
		b.WriteString(strconv.Quote(e.Column))
		if e.Row >= 0 {
			b.WriteString(" row ")
			b.WriteString(strconv.Itoa(e.Row))
		}
		b.WriteString(": ")
	case e.Field != "":
		b.WriteString("field ")
		b.WriteString(strconv.Quote(e.Field))
		b.WriteString(": ")
	}
	if e.Value != "" {
		b.WriteString("value ")
		b.WriteString(e.Value)
		b.WriteByte(' ')
	}
	b.WriteString(e.Msg)
	if e.Column != "" && e.Field != "" {
		b.WriteString(" (field ")
		b.WriteString(strconv.Quote(e.Field))
		b.WriteByte(')')
	}
	return b.String()
}

// Encoder writes the rows of Arrow record batches as Avro binary with one
// writer schema. It is compiled once per (Arrow schema, writer schema) pair
// by CompileEncoder; every type decision is made then, so encoding a row is
// a walk over precompiled nodes with no allocation.
//
// An Encoder remembers the last batch it was given, so it is not safe for
// concurrent use; compile one per goroutine.
type Encoder struct {
	in     *arrow.Schema // every batch given must have an equal schema
	fields []encField

	bound arrow.RecordBatch // the batch the nodes read, nil before the first
	rows  int               // bound.NumRows()
}

// encField is one writer field of a record: either a compiled node reading
// Arrow column col, or the field's default, encoded once at compile time.
type encField struct {
	col  int // index of the Arrow column or struct child; -1 for a default
	node encNode
	def  []byte

	// At the top level, bind replaces the node of a common column that
	// needs no check in this batch (no nulls, no conversion) by an inline
	// op on the column's values, saving an indirect call per value.
	op   encOp
	i64  []int64
	i32  []int32
	f32  []float32
	f64  []float64
	offs []int32
	data []byte
}

// encOp is a top-level field's fast path.
type encOp uint8

const (
	encOpNode    encOp = iota // call node
	encOpDefault              // append def
	encOpLong                 // int64 values as long
	encOpInt                  // int32 values as int or long
	encOpFloat                // float32 values as float
	encOpDouble               // float64 values as double
	encOpBytes                // utf8 or binary values as string or bytes
)

// Check validates every row of rec without producing anything: narrowing
// conversions are exact, no null lands in a non-nullable field, enum
// symbols exist, fixed sizes match, the Arrow buffers are consistent, and
// so on. It returns the first problem, as an *EncodeError naming the
// column, the 0-based row and the value, so an ingest can refuse a batch
// before any of it is produced. A batch that passes Check encodes without
// error. Columns without nulls and without a conversion that can fail cost
// nothing per row.
func (e *Encoder) Check(rec arrow.RecordBatch) (err error) {
	defer encRecover(&err)
	if eerr := e.sameSchema(rec); eerr != nil {
		return eerr
	}
	// Validate's O(1) checks (buffer sizes, offsets within children) catch
	// what would otherwise fail only as the values are read.
	for k := range e.fields {
		if f := &e.fields[k]; f.node != nil {
			if verr := array.Validate(rec.Column(f.col)); verr != nil {
				return &EncodeError{Column: rec.ColumnName(f.col), Row: -1, Msg: "malformed Arrow data: " + verr.Error()}
			}
		}
	}
	if eerr := e.bind(rec); eerr != nil {
		return eerr
	}
	for k := range e.fields {
		f := &e.fields[k]
		if f.node == nil {
			continue
		}
		if bad, eerr := f.node.check(0, e.rows); eerr != nil {
			eerr.Row = bad
			return eerr
		}
	}
	return nil
}

// AppendRow appends the Avro binary of row (0-based) of rec to dst, with no
// framing, and returns the extended buffer. Reusing dst across calls makes
// encoding allocation-free. Values are validated as they are written, as
// Check does; on error the returned buffer is dst unchanged and the error
// is an *EncodeError naming column, row and value.
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
	start := len(dst)
	for k := range e.fields {
		f := &e.fields[k]
		switch f.op {
		case encOpLong:
			dst = encAppendLong(dst, f.i64[row])
		case encOpInt:
			dst = encAppendLong(dst, int64(f.i32[row]))
		case encOpFloat:
			dst = encAppendFloat(dst, f.f32[row])
		case encOpDouble:
			dst = encAppendDouble(dst, f.f64[row])
		case encOpBytes:
			base := f.offs[0]
			dst = encAppendBytes(dst, f.data[f.offs[row]-base:f.offs[row+1]-base])
		case encOpDefault:
			dst = append(dst, f.def...)
		default:
			var eerr *EncodeError
			if dst, eerr = f.node.encode(dst, row); eerr != nil {
				eerr.Row = row
				return dst[:start], eerr
			}
		}
	}
	return dst, nil
}

// bind points the compiled nodes at the columns of rec, after checking that
// rec has the schema the encoder was compiled for.
func (e *Encoder) bind(rec arrow.RecordBatch) *EncodeError {
	if err := e.sameSchema(rec); err != nil {
		return err
	}
	e.bound = nil
	for k := range e.fields {
		f := &e.fields[k]
		if f.node == nil {
			f.op = encOpDefault
			continue
		}
		if err := f.node.bind(rec.Column(f.col)); err != nil {
			return err
		}
		f.bindFast()
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
	if s != e.in {
		if s.NumFields() != e.in.NumFields() {
			return &EncodeError{Row: -1, Msg: fmt.Sprintf("record batch has %d columns, the encoder was compiled for %d", s.NumFields(), e.in.NumFields())}
		}
		for i := 0; i < s.NumFields(); i++ {
			got, want := s.Field(i), e.in.Field(i)
			if got.Name != want.Name || !arrow.TypeEqual(got.Type, want.Type) {
				return &EncodeError{Column: got.Name, Row: -1, Msg: fmt.Sprintf("record batch column %d is %s %s, the encoder was compiled for %s %s", i, got.Name, got.Type, want.Name, want.Type)}
			}
		}
	}
	return nil
}

// bindFast picks the field's fast path for the batch just bound: only
// plain columns without nulls have one.
func (f *encField) bindFast() {
	f.op, f.i64, f.i32, f.f32, f.f64, f.offs, f.data = encOpNode, nil, nil, nil, nil, nil, nil
	switch n := f.node.(type) {
	case *encInt[int64]:
		if n.conv.plain && !n.nulls.has {
			f.op, f.i64 = encOpLong, n.vals
		}
	case *encInt[int32]:
		if n.conv.plain && !n.nulls.has {
			f.op, f.i32 = encOpInt, n.vals
		}
	case *encFloat[float32]:
		if !n.double && !n.nulls.has {
			f.op, f.f32 = encOpFloat, n.vals
		}
	case *encFloat[float64]:
		if n.double && !n.nulls.has {
			f.op, f.f64 = encOpDouble, n.vals
		}
	case *encBytes:
		if !n.utf8 && !n.nulls.has && n.src.offs32 != nil {
			f.op, f.offs, f.data = encOpBytes, n.src.offs32, n.src.data
		}
	}
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
