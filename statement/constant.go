package statement

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/kafarr/kafarr/internal/sqlparse"
)

// constantRecord evaluates SELECT literal[, ...] without FROM: one row, a
// column per literal, typed as DuckDB types such literals.
func constantRecord(mem memory.Allocator, q *sqlparse.ConstantQuery) (arrow.RecordBatch, error) {
	fields := make([]arrow.Field, len(q.Constants))
	cols := make([]arrow.Array, len(q.Constants))
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for i, c := range q.Constants {
		var b array.Builder
		lit := c.Value
		switch lit.Kind {
		case sqlparse.LitInt:
			ib := array.NewInt64Builder(mem)
			ib.Append(lit.Int)
			b = ib
		case sqlparse.LitFloat:
			fb := array.NewFloat64Builder(mem)
			fb.Append(lit.Float)
			b = fb
		case sqlparse.LitString:
			sb := array.NewStringBuilder(mem)
			sb.Append(lit.Str)
			b = sb
		case sqlparse.LitBool:
			bb := array.NewBooleanBuilder(mem)
			bb.Append(lit.Bool)
			b = bb
		case sqlparse.LitTimestamp:
			tb := array.NewTimestampBuilder(mem, &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"})
			tb.Append(arrow.Timestamp(lit.Time.UnixMicro()))
			b = tb
		case sqlparse.LitDate:
			db := array.NewDate32Builder(mem)
			db.Append(arrow.Date32FromTime(lit.Time))
			b = db
		default: // NULL
			nb := array.NewNullBuilder(mem)
			nb.AppendNull()
			b = nb
		}
		cols[i] = b.NewArray()
		b.Release()
		fields[i] = arrow.Field{Name: c.Name, Type: cols[i].DataType(), Nullable: lit.Kind == sqlparse.LitNull}
	}
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, 1), nil
}
