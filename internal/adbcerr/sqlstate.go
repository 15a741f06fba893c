package adbcerr

// SQLState is a SQLSTATE: a two-character class and a three-character
// subclass (SQL:2003, ISO/IEC 9075; ODBC adds the HY class). It converts
// to adbc.Error's SqlState field and to NewState's state as is.
type SQLState [5]byte

// String returns the five characters, or "" for the zero value.
func (s SQLState) String() string {
	if s == (SQLState{}) {
		return ""
	}
	return string(s[:])
}

// The SQLSTATEs kafarr sets. DB-API and ODBC tools classify errors by them
// (the class decides the exception type: 42 is a programming error, 22 a
// data error, 0A a not-supported error), so each is set where its meaning
// is certain and nowhere else.
var (
	// TableNotFound (42S02, ODBC "base table or view not found"): a
	// missing topic. A missing partition of an existing topic is not a
	// missing table and gets no SQLSTATE.
	TableNotFound = SQLState{'4', '2', 'S', '0', '2'}
	// TableExists (42S01, ODBC "base table or view already exists"): a
	// topic a create was to make exists already.
	TableExists = SQLState{'4', '2', 'S', '0', '1'}
	// ColumnNotFound (42S22, ODBC "column not found"): a query names a
	// column the topic does not have.
	ColumnNotFound = SQLState{'4', '2', 'S', '2', '2'}
	// SyntaxError (42000, the class "syntax error or access rule
	// violation", ODBC "syntax error or access violation").
	SyntaxError = SQLState{'4', '2', '0', '0', '0'}
	// SyntaxErrorAt (42601, the standard's "syntax error" subclass of
	// 42000, PostgreSQL's syntax_error) is what the SQL parser sets on a
	// parse error that points at a token.
	SyntaxErrorAt = SQLState{'4', '2', '6', '0', '1'}
	// FeatureNotSupported (0A000): SQL outside kafarr's grammar (the
	// parser sets it), a feature Kafka does not have.
	FeatureNotSupported = SQLState{'0', 'A', '0', '0', '0'}
	// NumericOutOfRange (22003): a numeric literal out of range (the
	// parser sets it).
	NumericOutOfRange = SQLState{'2', '2', '0', '0', '3'}
	// InvalidDatetimeFormat (22007): a DATE or TIMESTAMP literal that is
	// not a valid date or time (the parser sets it).
	InvalidDatetimeFormat = SQLState{'2', '2', '0', '0', '7'}
	// InvalidParameter (HY024, ODBC "invalid attribute value"): an option
	// given a value it does not accept. ADBC options are what ODBC calls
	// connection and statement attributes (SQLSetConnectAttr,
	// SQLSetStmtAttr answer HY024 for a bad value), and ODBC-derived
	// tools map HY024 to a programming error. The SQL standard's 22023
	// ("invalid parameter value") is in class 22, data exception, which
	// DB-API tools map to DataError: wrong for a misconfigured driver.
	InvalidParameter = SQLState{'H', 'Y', '0', '2', '4'}
)
