package jsonarrow

import (
	"fmt"
)

// DecodeError reports a message that is not valid JSON, breaks a limit, or
// does not fit the decoder's columns. Decode returns it having appended
// nothing.
type DecodeError struct {
	// Path locates the value in the columns: `bid`, `order.items[3].price`,
	// `tags["k"]`; empty for the message as a whole.
	Path string
	// Offset is the byte offset in the JSON text (after any framing) where
	// the problem was found.
	Offset int
	// Syntax is true when the text is not valid JSON or breaks a limit
	// (nesting depth, column size), false when it is valid JSON whose
	// values do not fit the columns.
	Syntax bool
	// Msg says what is wrong: "expected number, got string".
	Msg string
}

func (e *DecodeError) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("%s at byte %d", e.Msg, e.Offset)
	}
	return fmt.Sprintf("property \"%s\": %s at byte %d", e.Path, e.Msg, e.Offset)
}

// prependField puts a property name in front of the error's path.
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

// prependIndex puts a list index or a quoted map key in front of the
// error's path.
func (e *DecodeError) prependIndex(index string) {
	if e.Path == "" || e.Path[0] == '[' {
		e.Path = "[" + index + "]" + e.Path
	} else {
		e.Path = "[" + index + "]." + e.Path
	}
}

// SchemaError reports a schema that cannot be mapped to Arrow or read.
type SchemaError struct {
	// Path locates the node: a JSON pointer into the schema document
	// ("#/properties/order/items"), or a column path for Arrow schemas.
	Path string
	Msg  string
}

func (e *SchemaError) Error() string {
	if e.Path == "" {
		return "json schema: " + e.Msg
	}
	return fmt.Sprintf("json schema: at %s: %s", e.Path, e.Msg)
}
