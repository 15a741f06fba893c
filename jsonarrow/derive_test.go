package jsonarrow

import (
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/extensions"

	"github.com/kafarr/kafarr/avroarrow"
)

// TestDeriveJSONSchema pins the derived document: draft-07, title,
// properties in column order, nullable types as ["null", T], the
// non-nullable columns required, nested alike.
func TestDeriveJSONSchema(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int32},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "at", Type: arrow.FixedWidthTypes.Timestamp_ns},
		{Name: "u", Type: extensions.NewUUIDType(), Nullable: true},
		{Name: "side", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, Nullable: true,
			Metadata: arrow.NewMetadata([]string{avroarrow.MetaSymbols}, []string{`["BUY","SELL"]`})},
		{Name: "legs", Type: arrow.ListOf(arrow.StructOf(arrow.Field{Name: "qty", Type: arrow.PrimitiveTypes.Float64},
			arrow.Field{Name: "tags", Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.BinaryTypes.Binary), Nullable: true}))},
	}, nil)
	got, err := DeriveJSONSchema(s, "com.acme.Order")
	if err != nil {
		t.Fatal(err)
	}
	want := `{"$schema":"http://json-schema.org/draft-07/schema#","title":"com.acme.Order","type":"object","properties":{` +
		`"id":{"type":"integer","minimum":-2147483648,"maximum":2147483647},` +
		`"name":{"type":["null","string"]},` +
		`"at":{"type":"string","format":"date-time"},` +
		`"u":{"type":["null","string"],"format":"uuid"},` +
		`"side":{"type":["null","string"],"enum":["BUY","SELL",null]},` +
		`"legs":{"type":"array","items":{"type":["null","object"],"properties":{"qty":{"type":"number"},` +
		`"tags":{"type":["null","object"],"additionalProperties":{"type":["null","string"],"contentEncoding":"base64"}}},"required":["qty"]}}},` +
		`"required":["id","at","legs"]}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	back := describe(mustSchema(t, got))
	wantBack := "id: int64? {json.not_null=true json.required=true}\nname: utf8?\nat: timestamp[us, tz=UTC]? {json.not_null=true json.required=true json.type=date-time}\n" +
		"u: utf8? {json.type=uuid}\nside: dictionary<values=utf8, indices=int32, ordered=false>? {avro.symbols=[\"BUY\",\"SELL\"] json.type=enum}\n" +
		"legs: list? {json.not_null=true json.required=true}\n  item: struct?\n    qty: float64 {json.required=true}\n    tags: map?\n      key: utf8\n      value: utf8?\n"
	if back != wantBack {
		t.Errorf("read back as\n%s\nwant\n%s", back, wantBack)
	}
}

// TestDeriveJSONSchemaErrors: what has no JSON Schema form is an
// *avroarrow.EncodeError naming the column.
func TestDeriveJSONSchemaErrors(t *testing.T) {
	for _, tc := range []struct {
		fields []arrow.Field
		want   string
	}{
		{[]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}, {Name: "a", Type: arrow.PrimitiveTypes.Int64}}, `column "a": two columns have this name (field "a")`},
		{[]arrow.Field{{Name: "h", Type: arrow.FixedWidthTypes.Float16}}, `column "h": Arrow type float16 has no JSON Schema form (field "h")`},
		{[]arrow.Field{{Name: "m", Type: arrow.ListOf(arrow.MapOf(arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int32))}}, `column "m[]": map<int32, …> has no JSON form: JSON object names are strings (field "m[]")`},
	} {
		_, err := DeriveJSONSchema(arrow.NewSchema(tc.fields, nil), "T")
		var ee *avroarrow.EncodeError
		if !errors.As(err, &ee) || err.Error() != tc.want {
			t.Errorf("got %v, want %s", err, tc.want)
		}
	}
}
