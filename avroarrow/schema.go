package avroarrow

import (
	"fmt"
	"strings"
)

// Type is the kind of an Avro schema node.
type Type uint8

// The Avro types. Logical types are carried by Schema.Logical on top of
// their underlying type.
const (
	TypeNull Type = iota
	TypeBoolean
	TypeInt
	TypeLong
	TypeFloat
	TypeDouble
	TypeBytes
	TypeString
	TypeRecord
	TypeEnum
	TypeArray
	TypeMap
	TypeUnion
	TypeFixed
)

var typeNames = [...]string{
	TypeNull:    "null",
	TypeBoolean: "boolean",
	TypeInt:     "int",
	TypeLong:    "long",
	TypeFloat:   "float",
	TypeDouble:  "double",
	TypeBytes:   "bytes",
	TypeString:  "string",
	TypeRecord:  "record",
	TypeEnum:    "enum",
	TypeArray:   "array",
	TypeMap:     "map",
	TypeUnion:   "union",
	TypeFixed:   "fixed",
}

// String returns the Avro name of the type ("int", "record", ...).
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", t)
}

// Named reports whether schemas of this type carry a name (record, enum,
// fixed).
func (t Type) Named() bool { return t == TypeRecord || t == TypeEnum || t == TypeFixed }

// Primitive reports whether the type is one of Avro's eight primitives.
func (t Type) Primitive() bool { return t <= TypeString }

// Logical type names, as they appear in the "logicalType" attribute.
const (
	LogicalDecimal             = "decimal"
	LogicalUUID                = "uuid"
	LogicalDate                = "date"
	LogicalTimeMillis          = "time-millis"
	LogicalTimeMicros          = "time-micros"
	LogicalTimestampMillis     = "timestamp-millis"
	LogicalTimestampMicros     = "timestamp-micros"
	LogicalTimestampNanos      = "timestamp-nanos"
	LogicalLocalTimestampMilli = "local-timestamp-millis"
	LogicalLocalTimestampMicro = "local-timestamp-micros"
	LogicalLocalTimestampNanos = "local-timestamp-nanos"
	LogicalDuration            = "duration"
)

// Schema is one node of a parsed Avro schema. Named types (record, enum,
// fixed) are shared: every reference to a name points at the same *Schema,
// so a recursive record is a cyclic graph. Schemas are immutable once
// parsed and safe for concurrent use.
type Schema struct {
	// Type is the node's Avro type.
	Type Type
	// Name is the fully qualified name of a record, enum or fixed
	// ("avros.pricing.ig.Tick"); empty for other types.
	Name string
	// Aliases are the fully qualified aliases of a named type.
	Aliases []string
	// Doc is the "doc" attribute.
	Doc string

	// Logical is the logical type ("decimal", "timestamp-micros", ...) when
	// it is valid for the underlying type; an invalid logical type is
	// ignored, as the Avro specification requires, and leaves Logical
	// empty.
	Logical string
	// Precision and Scale qualify the decimal logical type.
	Precision, Scale int

	// Size is the byte size of a fixed.
	Size int
	// Fields are a record's fields, in declaration order.
	Fields []*Field
	// Symbols are an enum's symbols, in declaration order.
	Symbols []string
	// EnumDefault is the enum's default symbol, used when a writer symbol
	// is unknown to the reader; meaningful when HasEnumDefault.
	EnumDefault    string
	HasEnumDefault bool
	// Items is an array's element schema.
	Items *Schema
	// Values is a map's value schema.
	Values *Schema
	// Branches are a union's member schemas, in declaration order.
	Branches []*Schema

	// Props holds attributes the parser does not interpret, so they
	// survive a round trip through String.
	Props map[string]any
}

// Field is one field of a record.
type Field struct {
	// Name is the field name.
	Name string
	// Aliases are alternative names used in schema resolution.
	Aliases []string
	// Doc is the "doc" attribute.
	Doc string
	// Type is the field's schema.
	Type *Schema
	// Default is the JSON-decoded default value (numbers as json.Number);
	// meaningful when HasDefault. A default of JSON null is a nil Default
	// with HasDefault set.
	Default    any
	HasDefault bool
	// Order is the "order" attribute ("ascending" when absent).
	Order string
	// Props holds attributes the parser does not interpret.
	Props map[string]any
}

// ShortName returns the last dotted component of a named type's name.
func (s *Schema) ShortName() string {
	if i := strings.LastIndexByte(s.Name, '.'); i >= 0 {
		return s.Name[i+1:]
	}
	return s.Name
}

// Namespace returns the namespace part of a named type's full name.
func (s *Schema) Namespace() string {
	if i := strings.LastIndexByte(s.Name, '.'); i >= 0 {
		return s.Name[:i]
	}
	return ""
}

// FieldByName returns the record field with the given name, or nil.
func (s *Schema) FieldByName(name string) *Field {
	for _, f := range s.Fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// NullableBranch reports whether s is a union of exactly null and one other
// branch, returning that branch and the null branch's index. Such unions map
// to a nullable Arrow column rather than to a struct of branches.
func (s *Schema) NullableBranch() (branch *Schema, nullIndex int, ok bool) {
	if s.Type != TypeUnion || len(s.Branches) != 2 {
		return nil, 0, false
	}
	switch {
	case s.Branches[0].Type == TypeNull && s.Branches[1].Type != TypeNull:
		return s.Branches[1], 0, true
	case s.Branches[1].Type == TypeNull && s.Branches[0].Type != TypeNull:
		return s.Branches[0], 1, true
	}
	return nil, 0, false
}

// BranchName is the name a union branch goes by: the full name of a named
// type, otherwise the type name ("string", "array", "map"). Avro forbids two
// branches of the same unnamed type, so it is unique within a union.
func (s *Schema) BranchName() string {
	if s.Type.Named() {
		return s.Name
	}
	return s.Type.String()
}
