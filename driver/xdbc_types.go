package driver

import "github.com/apache/arrow-go/v18/arrow"

// ODBC/JDBC type codes for GetObjects' xdbc_data_type and
// xdbc_sql_data_type. The two standards share the codes of the basic SQL
// types; for nested and union columns, which ODBC lacks, the JDBC codes
// (java.sql.Types) are used.
const (
	xdbcUnknown   int16 = 0
	xdbcDecimal   int16 = 3
	xdbcInteger   int16 = 4
	xdbcSmallint  int16 = 5
	xdbcReal      int16 = 7
	xdbcDouble    int16 = 8
	xdbcDatetime  int16 = 9  // ODBC SQL_DATETIME, the verbose type of dates and times
	xdbcInterval  int16 = 10 // ODBC SQL_INTERVAL
	xdbcVarchar   int16 = 12
	xdbcDate      int16 = 91
	xdbcTime      int16 = 92
	xdbcTimestamp int16 = 93
	xdbcBinary    int16 = -2
	xdbcVarbinary int16 = -3
	xdbcBigint    int16 = -5
	xdbcTinyint   int16 = -6
	xdbcBit       int16 = -7
	xdbcOther     int16 = 1111 // JDBC OTHER: maps and unions
	xdbcStruct    int16 = 2002 // JDBC STRUCT
	xdbcArray     int16 = 2003 // JDBC ARRAY

	// ODBC SQL_DATETIME subcodes (xdbc_datetime_sub).
	xdbcSubDate      int16 = 1
	xdbcSubTime      int16 = 2
	xdbcSubTimestamp int16 = 3

	// xdbc_nullable values (ODBC SQL_NO_NULLS, SQL_NULLABLE).
	xdbcNoNulls  int16 = 0
	xdbcNullable int16 = 1
)

// xdbcType is the ODBC-style description of an Arrow type. Negative sizes
// mean "not applicable" and are listed as null.
type xdbcType struct {
	dataType    int16
	sqlDataType int16
	// columnSize is ODBC's COLUMN_SIZE: digits of precision for numbers
	// (bits for floating point, see radix), characters for dates and
	// times, bytes for fixed-size binary.
	columnSize    int32
	decimalDigits int16 // scale, or fractional-second digits
	radix         int16 // 10 or 2, for numbers
	datetimeSub   int16
	octetLength   int32 // bytes, for fixed-size binary
}

// xdbcTypeOf describes dt in ODBC terms.
func xdbcTypeOf(dt arrow.DataType) xdbcType {
	na := xdbcType{columnSize: -1, decimalDigits: -1, radix: -1, datetimeSub: -1, octetLength: -1}
	integer := func(code int16, digits int32) xdbcType {
		x := na
		x.dataType, x.sqlDataType, x.columnSize, x.decimalDigits, x.radix = code, code, digits, 0, 10
		return x
	}
	float := func(code int16, bits int32) xdbcType {
		x := na
		x.dataType, x.sqlDataType, x.columnSize, x.radix = code, code, bits, 2
		return x
	}
	plain := func(code int16) xdbcType {
		x := na
		x.dataType, x.sqlDataType = code, code
		return x
	}
	// datetime sizes: "yyyy-mm-dd" is 10 characters, "hh:mm:ss" 8, both
	// with a space 19, plus a point and the fractional digits.
	datetime := func(code, sub int16, chars int32, frac int16) xdbcType {
		x := na
		x.dataType, x.sqlDataType, x.datetimeSub = code, xdbcDatetime, sub
		x.columnSize = chars
		if frac > 0 {
			x.columnSize += 1 + int32(frac)
		}
		if code != xdbcDate {
			x.decimalDigits = frac
		}
		return x
	}
	switch t := dt.(type) {
	case *arrow.BooleanType:
		x := plain(xdbcBit)
		x.columnSize = 1
		return x
	case *arrow.Int8Type, *arrow.Uint8Type:
		return integer(xdbcTinyint, 3)
	case *arrow.Int16Type, *arrow.Uint16Type:
		return integer(xdbcSmallint, 5)
	case *arrow.Int32Type, *arrow.Uint32Type:
		return integer(xdbcInteger, 10)
	case *arrow.Int64Type:
		return integer(xdbcBigint, 19)
	case *arrow.Uint64Type:
		return integer(xdbcBigint, 20)
	case *arrow.Float16Type:
		return float(xdbcReal, 11)
	case *arrow.Float32Type:
		return float(xdbcReal, 24)
	case *arrow.Float64Type:
		return float(xdbcDouble, 53)
	case arrow.DecimalType:
		x := plain(xdbcDecimal)
		x.columnSize, x.decimalDigits, x.radix = t.GetPrecision(), int16(t.GetScale()), 10
		return x
	case *arrow.StringType, *arrow.LargeStringType, *arrow.StringViewType:
		return plain(xdbcVarchar)
	case *arrow.BinaryType, *arrow.LargeBinaryType, *arrow.BinaryViewType:
		return plain(xdbcVarbinary)
	case *arrow.FixedSizeBinaryType:
		x := plain(xdbcBinary)
		x.columnSize, x.octetLength = int32(t.ByteWidth), int32(t.ByteWidth)
		return x
	case *arrow.Date32Type, *arrow.Date64Type:
		return datetime(xdbcDate, xdbcSubDate, 10, 0)
	case *arrow.Time32Type:
		return datetime(xdbcTime, xdbcSubTime, 8, fracDigits(t.Unit))
	case *arrow.Time64Type:
		return datetime(xdbcTime, xdbcSubTime, 8, fracDigits(t.Unit))
	case *arrow.TimestampType:
		return datetime(xdbcTimestamp, xdbcSubTimestamp, 19, fracDigits(t.Unit))
	case *arrow.MonthDayNanoIntervalType, *arrow.MonthIntervalType, *arrow.DayTimeIntervalType, *arrow.DurationType:
		return plain(xdbcInterval)
	case *arrow.DictionaryType:
		return xdbcTypeOf(t.ValueType)
	case *arrow.StructType:
		return plain(xdbcStruct)
	case *arrow.ListType, *arrow.LargeListType, *arrow.FixedSizeListType, *arrow.ListViewType:
		return plain(xdbcArray)
	case *arrow.MapType, arrow.UnionType:
		return plain(xdbcOther)
	}
	return plain(xdbcUnknown)
}

// fracDigits is the number of fractional-second digits of a time unit.
func fracDigits(u arrow.TimeUnit) int16 {
	switch u {
	case arrow.Millisecond:
		return 3
	case arrow.Microsecond:
		return 6
	case arrow.Nanosecond:
		return 9
	}
	return 0
}
