package jsonarrow

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/kafarr/kafarr/kafkaio"
)

func TestFromJSONSchema(t *testing.T) {
	tests := []struct {
		name, schema, want string
	}{
		{"tick", `{"type":"object","title":"Tick","properties":{
			"inst":{"type":"string"},"t":{"type":"integer"},"dt":{"type":"integer"},
			"bid":{"type":"number"},"ask":{"type":"number"}},"required":["inst","t"]}`,
			"inst: utf8? {json.not_null=true json.required=true}\nt: int64? {json.not_null=true json.required=true}\ndt: int64?\nbid: float64?\nask: float64?\n"},
		{"document order, not alphabetical", `{"type":"object","properties":{"z":{"type":"boolean"},"a":{"type":"null"},"m":{"type":"string"}}}`,
			"z: bool?\na: null?\nm: utf8?\n"},
		{"required nested fields are not null", `{"type":"object","properties":{"o":{"type":"object","properties":{
			"r":{"type":"integer"},"rn":{"type":["integer","null"]},"opt":{"type":"integer"}},"required":["r","rn"]}}}`,
			"o: struct?\n  r: int64 {json.required=true}\n  rn: int64? {json.required=true}\n  opt: int64?\n"},
		{"nullable forms", `{"type":"object","properties":{
			"a":{"type":["null","string"]},
			"b":{"oneOf":[{"type":"null","title":"Not included"},{"type":"integer"}]},
			"c":{"anyOf":[{"type":"number"},{"type":"null"}]},
			"d":{"type":["integer","number"]}},"required":["a","b","c","d"]}`,
			"a: utf8? {json.required=true}\nb: int64? {json.required=true}\nc: float64? {json.required=true}\nd: float64? {json.not_null=true json.required=true}\n"},
		{"formats", `{"type":"object","properties":{"ts":{"type":"string","format":"date-time"},
			"d":{"type":"string","format":"date"},"u":{"type":"string","format":"uuid"},"e":{"type":"string","format":"email"}}}`,
			"ts: timestamp[us, tz=UTC]? {json.type=date-time}\nd: date32? {json.type=date}\nu: utf8? {json.type=uuid}\ne: utf8?\n"},
		{"arrays", `{"type":"object","properties":{"l":{"type":"array","items":{"type":"integer"}},
			"ln":{"type":"array","items":{"type":["string","null"]}},"any":{"type":"array"},
			"tuple":{"type":"array","items":[{"type":"string"},{"type":"integer"}]},
			"prefix":{"type":"array","prefixItems":[{"type":"string"}]}}}`,
			"l: list?\n  item: int64\nln: list?\n  item: utf8?\nany: list?\n  item: utf8? {json.type=json}\ntuple: utf8? {json.type=json}\nprefix: utf8? {json.type=json}\n"},
		{"maps and free objects", `{"type":"object","properties":{
			"m":{"type":"object","additionalProperties":{"type":"number"}},
			"free":{"type":"object"},"closed":{"type":"object","additionalProperties":false},
			"both":{"type":"object","properties":{"x":{"type":"integer"}},"additionalProperties":{"type":"string"}}}}`,
			"m: map?\n  key: utf8\n  value: float64\nfree: utf8? {json.type=json}\nclosed: utf8? {json.type=json}\nboth: struct?\n  x: int64?\n"},
		{"enums", `{"type":"object","properties":{"side":{"type":"string","enum":["BUY","SELL"]},
			"ns":{"enum":["A",null]},"num":{"type":"integer","enum":[1,2]},"mixed":{"enum":["A",1]}}}`,
			"side: dictionary<values=utf8, indices=int32, ordered=false>? {avro.symbols=[\"BUY\",\"SELL\"] json.type=enum}\n" +
				"ns: dictionary<values=utf8, indices=int32, ordered=false>? {avro.symbols=[\"A\"] json.type=enum}\n" +
				"num: int64?\nmixed: utf8? {json.type=json}\n"},
		{"not mappable: JSON text", `{"type":"object","properties":{
			"mixed":{"type":["string","integer"]},"objs":{"oneOf":[{"type":"object","properties":{"a":{"type":"string"}}},{"type":"object","properties":{"b":{"type":"string"}}}]},
			"any":{},"t":true,"all":{"allOf":[{"type":"string"},{"maxLength":3}]}}}`,
			"mixed: utf8? {json.type=json}\nobjs: utf8? {json.type=json}\nany: utf8? {json.type=json}\nt: utf8? {json.type=json}\nall: utf8? {json.type=json}\n"},
		{"keywords without type", `{"properties":{"o":{"properties":{"a":{"type":"boolean"}}},"l":{"items":{"type":"string"}},
			"c":{"const":7},"one":{"allOf":[{"type":"integer"}]}}}`,
			"o: struct?\n  a: bool?\nl: list?\n  item: utf8\nc: int64?\none: int64?\n"},
		{"$ref to $defs and definitions", `{"type":"object","properties":{"a":{"$ref":"#/$defs/Price"},"b":{"$ref":"#/definitions/Side"},
			"c":{"$ref":"#/properties/a"}},"required":["a"],
			"$defs":{"Price":{"type":"object","properties":{"v":{"type":"number"}},"required":["v"]}},
			"definitions":{"Side":{"type":"string","enum":["B","S"]}}}`,
			"a: struct? {json.not_null=true json.required=true}\n  v: float64 {json.required=true}\n" +
				"b: dictionary<values=utf8, indices=int32, ordered=false>? {avro.symbols=[\"B\",\"S\"] json.type=enum}\n" +
				"c: struct?\n  v: float64 {json.required=true}\n"},
		{"root $ref", `{"$ref":"#/definitions/T","definitions":{"T":{"type":"object","properties":{"x":{"type":"integer"}}}}}`,
			"x: int64?\n"},
		{"recursion becomes JSON text", `{"type":"object","properties":{"node":{"$ref":"#/$defs/N"}},
			"$defs":{"N":{"type":"object","properties":{"v":{"type":"integer"},"next":{"$ref":"#/$defs/N"}}}}}`,
			"node: struct?\n  v: int64?\n  next: utf8? {json.type=json}\n"},
		{"root not an object", `{"type":"array","items":{"type":"integer"}}`,
			"{json.root=value}\nvalue: list? {json.not_null=true}\n  item: int64\n"},
		{"root string", `{"type":"string"}`, "{json.root=value}\nvalue: utf8? {json.not_null=true}\n"},
		{"pointer escapes", `{"type":"object","properties":{"a":{"$ref":"#/$defs/x~1y~0z"}},"$defs":{"x/y~z":{"type":"boolean"}}}`,
			"a: bool?\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustSchema(t, tt.schema)
			if got := describe(s); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
			if _, err := NewDecoder(s, Options{}); err != nil {
				t.Errorf("NewDecoder: %v", err)
			}
		})
	}
}

func TestFromJSONSchemaErrors(t *testing.T) {
	tests := []struct{ schema, want string }{
		{`{"type":`, "json schema: not JSON: unexpected EOF"},
		{`{"type":"object"} x`, "json schema: not JSON: data after the schema"},
		{`{"type":"object","properties":{"a":{"type":"decimal"}}}`, `json schema: at #/properties/a/type: unknown type "decimal"`},
		{`{"type":"object","properties":{"a":{"type":7}}}`, `json schema: at #/properties/a/type: type must be a type name or an array of them`},
		{`{"type":"object","properties":{"a":{"$ref":"#/$defs/missing"}}}`, `json schema: at #/properties/a/$ref: $ref "#/$defs/missing" points at nothing`},
		{`{"type":"object","properties":{"a":{"$ref":"#anchor"}}}`, `json schema: at #/properties/a/$ref: $ref "#anchor": only JSON pointer fragments (#/...) are supported, not anchors`},
		{`{"type":"object","properties":{"a":{"$ref":"other.json"}}}`, `json schema: at #/properties/a/$ref: $ref "other.json" names no reference of the schema (its references: [])`},
		{`{"type":"object","properties":{"a":5}}`, `json schema: at #/properties/a: a schema must be an object or a boolean, not a number`},
		{`{"type":"object","properties":[]}`, `json schema: at #/properties: properties must be an object`},
		{strings.Repeat(`{"type":"object","properties":{"a":`, 70) + `{"type":"integer"}` + strings.Repeat(`}}`, 70),
			`json schema: at #` + strings.Repeat("/properties/a", 65) + `: the schema nests deeper than 64 levels`},
	}
	for _, tt := range tests {
		_, err := FromJSONSchema(t.Context(), tt.schema, nil, nil)
		var se *SchemaError
		if !errors.As(err, &se) || err.Error() != tt.want {
			t.Errorf("%.60s: got %v, want %s", tt.schema, err, tt.want)
		}
	}
}

// TestFromJSONSchemaReferences resolves $refs to other registered
// schemas, as Confluent's JSON Schema references name them, through the
// caller's resolver: nested references, a fragment into a referenced
// document, each document fetched once.
func TestFromJSONSchemaReferences(t *testing.T) {
	registry := map[string]kafkaio.SchemaInfo{
		"price-value/1": {Type: "JSON", Schema: `{"type":"object","properties":{"v":{"type":"number"},"cur":{"$ref":"currency.json"}},"required":["v"]}`,
			References: []kafkaio.SchemaReference{{Name: "currency.json", Subject: "currency", Version: 2}}},
		"currency/2": {Type: "JSON", Schema: `{"type":"string","enum":["EUR","USD"]}`},
		"defs/1":     {Type: "JSON", Schema: `{"$defs":{"Side":{"type":"string","enum":["B","S"]}}}`},
		"avro/1":     {Type: "AVRO", Schema: `"string"`},
	}
	fetched := map[string]int{}
	resolve := func(_ context.Context, ref kafkaio.SchemaReference) (kafkaio.SchemaInfo, error) {
		key := ref.Subject + "/" + itoa(ref.Version)
		fetched[key]++
		info, ok := registry[key]
		if !ok {
			return kafkaio.SchemaInfo{}, errors.New("subject not found")
		}
		return info, nil
	}
	refs := []kafkaio.SchemaReference{
		{Name: "price.json", Subject: "price-value", Version: 1},
		{Name: "defs.json", Subject: "defs", Version: 1},
		{Name: "avro.json", Subject: "avro", Version: 1},
		{Name: "gone.json", Subject: "gone", Version: 1},
	}
	s, err := FromJSONSchema(t.Context(), `{"type":"object","properties":{
		"bid":{"$ref":"price.json"},"ask":{"$ref":"price.json"},"side":{"$ref":"defs.json#/$defs/Side"}}}`, refs, resolve)
	if err != nil {
		t.Fatal(err)
	}
	want := "bid: struct?\n  v: float64 {json.required=true}\n  cur: dictionary<values=utf8, indices=int32, ordered=false>? {avro.symbols=[\"EUR\",\"USD\"] json.type=enum}\n" +
		"ask: struct?\n  v: float64 {json.required=true}\n  cur: dictionary<values=utf8, indices=int32, ordered=false>? {avro.symbols=[\"EUR\",\"USD\"] json.type=enum}\n" +
		"side: dictionary<values=utf8, indices=int32, ordered=false>? {avro.symbols=[\"B\",\"S\"] json.type=enum}\n"
	if got := describe(s); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if fetched["price-value/1"] != 1 || fetched["currency/2"] != 1 || fetched["defs/1"] != 1 {
		t.Errorf("fetches: %v, want each document once", fetched)
	}

	_, err = FromJSONSchema(t.Context(), `{"type":"object","properties":{"a":{"$ref":"avro.json"}}}`, refs, resolve)
	if want := `json schema: at #/properties/a/$ref: reference "avro.json" (subject "avro" version 1) has schema type AVRO, not JSON`; err == nil || err.Error() != want {
		t.Errorf("AVRO reference: got %v", err)
	}
	_, err = FromJSONSchema(t.Context(), `{"type":"object","properties":{"a":{"$ref":"gone.json"}}}`, refs, resolve)
	if want := `json schema: resolving reference "gone.json" (subject "gone" version 1): subject not found`; err == nil || err.Error() != want {
		t.Errorf("missing reference: got %v, want %s", err, want)
	}
	_, err = FromJSONSchema(t.Context(), `{"type":"object","properties":{"a":{"$ref":"price.json"}}}`, refs, nil)
	if want := `json schema: at #/properties/a/$ref: $ref "price.json" needs the schema registry to resolve it`; err == nil || err.Error() != want {
		t.Errorf("no resolver: got %v, want %s", err, want)
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
