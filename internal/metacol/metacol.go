// Package metacol is the one table of kafarr's metadata columns: the
// columns a read fills from the Kafka record (topic, partition, offset,
// timestamp, key, headers, schema id) or from how its value was read (the
// raw value, the decoding error), rather than from the decoded value. The
// planner, the scan, the catalog and the option that lists SELECT *'s
// metadata columns all read this table, so a column is described once.
package metacol

import "github.com/apache/arrow-go/v18/arrow"

// Kind says what a metadata column holds. The scan switches on it per row,
// which costs less than comparing names.
type Kind uint8

// The metadata columns, in the order SELECT * lists them.
const (
	Topic Kind = iota
	Partition
	Offset
	Timestamp
	Key
	Headers
	SchemaID
	// Value is the undecoded value, under a raw value format.
	Value
	// Error says why a row's value columns are null, under
	// kafarr.read.on_error=null.
	Error
)

// Names of the columns that are not plain record metadata.
const (
	// ValueName is the raw value column, under kafarr.value.format=string
	// or binary.
	ValueName = "_value"
	// ErrorName is the decoding error column, under
	// kafarr.read.on_error=null.
	ErrorName = "_error"
)

// TimestampType is the type of _timestamp: Kafka timestamps are
// milliseconds since the epoch, in UTC.
var TimestampType = &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}

// HeadersType is the type of _headers. Header values are bytes; Kafka
// allows repeated keys, which an Arrow map keeps in order.
var HeadersType = arrow.MapOf(arrow.BinaryTypes.String, arrow.BinaryTypes.Binary)

// Column describes one metadata column.
type Column struct {
	Name string
	Kind Kind
	// Type is the column's Arrow type; nil for _key and _value, whose type
	// follows kafarr.key.format and kafarr.value.format.
	Type     arrow.DataType
	Nullable bool
	// Listable columns may be named in kafarr.read.metadata_columns;
	// _value and _error appear by the value format and on_error instead.
	Listable bool
	// Remark is the column's description in the catalog (GetObjects).
	Remark string
}

// Columns is every metadata column, in the order SELECT * lists them.
var Columns = []Column{
	{Name: "_topic", Kind: Topic, Type: arrow.BinaryTypes.String, Listable: true,
		Remark: "Kafka record topic"},
	{Name: "_partition", Kind: Partition, Type: arrow.PrimitiveTypes.Int32, Listable: true,
		Remark: "Kafka record partition"},
	{Name: "_offset", Kind: Offset, Type: arrow.PrimitiveTypes.Int64, Listable: true,
		Remark: "Kafka record offset within its partition (assigned by the broker)"},
	{Name: "_timestamp", Kind: Timestamp, Type: TimestampType, Listable: true,
		Remark: "Kafka record timestamp (milliseconds, UTC)"},
	{Name: "_key", Kind: Key, Nullable: true, Listable: true,
		Remark: "Kafka record key, decoded per kafarr.key.format"},
	{Name: "_headers", Kind: Headers, Type: HeadersType, Listable: true,
		Remark: "Kafka record headers"},
	{Name: "_schema_id", Kind: SchemaID, Type: arrow.PrimitiveTypes.Int32, Nullable: true, Listable: true,
		Remark: "Schema registry id of the record value's writer schema"},
	{Name: ValueName, Kind: Value, Nullable: true,
		Remark: "Kafka record value, undecoded (kafarr.value.format)"},
	{Name: ErrorName, Kind: Error, Type: arrow.BinaryTypes.String, Nullable: true,
		Remark: "Why the record value could not be decoded (kafarr.read.on_error=null)"},
}

// ListableNames are the names kafarr.read.metadata_columns accepts, in
// table order.
var ListableNames = func() []string {
	var out []string
	for _, c := range Columns {
		if c.Listable {
			out = append(out, c.Name)
		}
	}
	return out
}()

// Lookup returns the metadata column called name.
func Lookup(name string) (Column, bool) {
	for _, c := range Columns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

// IsPushdown reports whether predicates on the column named name become
// offsets to read rather than row filters.
func IsPushdown(name string) bool {
	return name == "_partition" || name == "_offset" || name == "_timestamp"
}

// Field returns the column's Arrow field. keyType and valueType give the
// types of _key and _value, which the formats decide; they are ignored for
// the other columns.
func (c Column) Field(keyType, valueType arrow.DataType) arrow.Field {
	t := c.Type
	switch c.Kind {
	case Key:
		t = keyType
	case Value:
		t = valueType
	}
	return arrow.Field{Name: c.Name, Type: t, Nullable: c.Nullable}
}
