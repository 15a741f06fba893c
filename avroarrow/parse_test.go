package avroarrow

import (
	"errors"
	"testing"
)

const tickSchema = `{"type":"record","name":"Tick","namespace":"avros.pricing.ig","fields":[
 {"name":"inst","type":"string"},{"name":"t","type":"long"},{"name":"dt","type":"int"},
 {"name":"bid","type":"float"},{"name":"ask","type":"float"}]}`

func TestParseCanonical(t *testing.T) {
	tests := []struct {
		name, in, canonical string
	}{
		{"primitive", `"int"`, `"int"`},
		{"wrapped primitive", `{"type":"long"}`, `"long"`},
		{"tick", tickSchema, `{"name":"avros.pricing.ig.Tick","type":"record","fields":[{"name":"inst","type":"string"},{"name":"t","type":"long"},{"name":"dt","type":"int"},{"name":"bid","type":"float"},{"name":"ask","type":"float"}]}`},
		{"namespace inherited", `{"type":"record","name":"A","namespace":"n","fields":[{"name":"e","type":{"type":"enum","name":"E","symbols":["X","Y"]}},{"name":"e2","type":"E"}]}`,
			`{"name":"n.A","type":"record","fields":[{"name":"e","type":{"name":"n.E","type":"enum","symbols":["X","Y"]}},{"name":"e2","type":"n.E"}]}`},
		{"recursive", `{"type":"record","name":"Node","fields":[{"name":"next","type":["null","Node"]}]}`,
			`{"name":"Node","type":"record","fields":[{"name":"next","type":["null","Node"]}]}`},
		{"logical kept out of canonical", `{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}`, `"bytes"`},
		{"fixed", `{"type":"fixed","name":"md5","size":16}`, `{"name":"md5","type":"fixed","size":16}`},
		{"array map", `{"type":"array","items":{"type":"map","values":"double"}}`, `{"type":"array","items":{"type":"map","values":"double"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Canonical(); got != tt.canonical {
				t.Fatalf("canonical\n got %s\nwant %s", got, tt.canonical)
			}
			// String must re-parse to the same canonical form.
			again, err := Parse(s.String())
			if err != nil {
				t.Fatalf("re-parse of %s: %v", s.String(), err)
			}
			if again.Canonical() != tt.canonical {
				t.Fatalf("round trip changed the schema: %s", again.Canonical())
			}
		})
	}
}

func TestParseLogical(t *testing.T) {
	tests := []struct {
		in          string
		logical     string
		prec, scale int
	}{
		{`{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}`, LogicalDecimal, 9, 2},
		{`{"type":"fixed","name":"d","size":8,"logicalType":"decimal","precision":18}`, LogicalDecimal, 18, 0},
		{`{"type":"fixed","name":"d","size":8,"logicalType":"decimal","precision":19}`, "", 0, 0}, // too many digits for 8 bytes
		{`{"type":"bytes","logicalType":"decimal","precision":4,"scale":5}`, "", 0, 0},
		{`{"type":"string","logicalType":"uuid"}`, LogicalUUID, 0, 0},
		{`{"type":"int","logicalType":"date"}`, LogicalDate, 0, 0},
		{`{"type":"long","logicalType":"date"}`, "", 0, 0},
		{`{"type":"int","logicalType":"time-millis"}`, LogicalTimeMillis, 0, 0},
		{`{"type":"long","logicalType":"time-micros"}`, LogicalTimeMicros, 0, 0},
		{`{"type":"long","logicalType":"timestamp-nanos"}`, LogicalTimestampNanos, 0, 0},
		{`{"type":"long","logicalType":"local-timestamp-micros"}`, LogicalLocalTimestampMicro, 0, 0},
		{`{"type":"fixed","name":"dur","size":12,"logicalType":"duration"}`, LogicalDuration, 0, 0},
		{`{"type":"fixed","name":"dur","size":11,"logicalType":"duration"}`, "", 0, 0},
		{`{"type":"string","logicalType":"made-up"}`, "", 0, 0},
	}
	for _, tt := range tests {
		s, err := Parse(tt.in)
		if err != nil {
			t.Fatalf("%s: %v", tt.in, err)
		}
		if s.Logical != tt.logical || s.Precision != tt.prec || s.Scale != tt.scale {
			t.Errorf("%s: got %q(%d,%d), want %q(%d,%d)", tt.in, s.Logical, s.Precision, s.Scale, tt.logical, tt.prec, tt.scale)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{`, "avro schema: invalid JSON: unexpected EOF"},
		{`"intt"`, `avro schema: $: unknown type "intt"`},
		{`{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"a","type":"int"}]}`, `avro schema: $.fields[1]: duplicate field "a" in record "R"`},
		{`{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":"x"}]}`, `avro schema: $.fields[0]: default of field "a": a string does not match type int`},
		{`["null","null"]`, `avro schema: $[1]: duplicate union branch "null"`},
		{`[["int"]]`, `avro schema: $[0]: a union may not directly contain another union`},
		{`{"type":"enum","name":"E","symbols":["A","A"]}`, `avro schema: $: enum "E" has the symbol "A" twice`},
		{`{"type":"record","name":"1R","fields":[]}`, `avro schema: $: invalid name "1R"`},
		{`{"type":"fixed","name":"F"}`, `avro schema: $: fixed "F" needs a non-negative integer "size"`},
		{`{"type":"record","name":"A","fields":[{"name":"x","type":{"type":"record","name":"A","fields":[]}}]}`, `avro schema: $.fields[0].type: type "A" is defined twice`},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		var se *SchemaError
		if !errors.As(err, &se) {
			t.Fatalf("%s: got %v, want a SchemaError", tt.in, err)
		}
		if err.Error() != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.in, err, tt.want)
		}
	}
}
