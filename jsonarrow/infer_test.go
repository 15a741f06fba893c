package jsonarrow

import (
	"reflect"
	"strings"
	"testing"
)

func TestInfer(t *testing.T) {
	tests := []struct {
		name    string
		samples []string
		want    string
	}{
		{"tick", []string{`{"inst":"EUR/USD","t":1700000000123,"dt":17,"bid":1.0712,"ask":1.0714}`},
			"inst: utf8?\nt: int64?\ndt: int64?\nbid: float64?\nask: float64?\n"},
		{"order of first appearance across samples", []string{`{"b":1,"a":true}`, `{"c":"x","a":false}`, `{"d":null,"b":2}`},
			"b: int64?\na: bool?\nc: utf8?\nd: utf8? {json.type=json}\n"},
		{"int widens to float, either order", []string{`{"x":1,"y":2.5}`, `{"x":1.5,"y":3}`, `{"x":null}`},
			"x: float64?\ny: float64?\n"},
		{"integers beyond int64 are numbers", []string{`{"big":18446744073709551615,"ok":9223372036854775807,"e":1e3}`},
			"big: float64?\nok: int64?\ne: float64?\n"},
		{"mixed kinds are JSON text", []string{`{"a":1,"b":"s","c":{"x":1},"d":[1],"e":true}`, `{"a":"1","b":2,"c":[1],"d":{"y":2},"e":0}`},
			"a: utf8? {json.type=json}\nb: utf8? {json.type=json}\nc: utf8? {json.type=json}\nd: utf8? {json.type=json}\ne: utf8? {json.type=json}\n"},
		{"nested objects merge", []string{`{"o":{"a":1,"n":{"z":true}}}`, `{"o":{"b":"x","a":2.5,"n":null}}`, `{"o":null}`},
			"o: struct?\n  a: float64?\n  n: struct?\n    z: bool?\n  b: utf8?\n"},
		{"arrays merge their items", []string{`{"l":[1,2],"e":[],"o":[{"a":1},{"b":[true]}]}`, `{"l":[3.5,null],"e":[],"o":[]}`},
			"l: list?\n  item: float64?\ne: list?\n  item: utf8? {json.type=json}\no: list?\n  item: struct?\n    a: int64?\n    b: list?\n      item: bool?\n"},
		{"empty objects and null-only are JSON text", []string{`{"o":{},"n":null,"ln":[null]}`},
			"o: utf8? {json.type=json}\nn: utf8? {json.type=json}\nln: list?\n  item: utf8? {json.type=json}\n"},
		{"keys with escapes", []string{`{"a\"b":1,"\u00e9":2}`, `{"é":3}`}, "a\"b: int64?\né: int64?\n"},
		{"samples that are not objects are skipped", []string{``, `[1]`, `"s"`, `{"a":1`, "{\"a\":\"\xff\"}", `{"a":1} x`, `{"a":1}`},
			"a: int64?\n"},
		{"no samples, no columns", nil, ""},
		{"only tombstones, no columns", []string{"", ""}, ""},
		{"too deep is skipped", []string{strings.Repeat(`{"a":`, 65) + `1` + strings.Repeat(`}`, 65), `{"b":1}`}, "b: int64?\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			samples := make([][]byte, len(tt.samples))
			for i, s := range tt.samples {
				samples[i] = []byte(s)
			}
			s, err := Infer(samples, InferOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got := describe(s); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
			// Every sample that is an object decodes with the inferred
			// columns.
			for _, m := range tt.samples {
				if IsObject([]byte(m)) {
					if _, errs := decodeAll(t, s, m); errs[0] != "" {
						t.Errorf("sample %q does not decode: %s", m, errs[0])
					}
				}
			}
		})
	}
}

func TestInferNoObject(t *testing.T) {
	_, err := Infer([][]byte{[]byte(`[1]`), nil, []byte(`x`)}, InferOptions{})
	if want := "json schema: cannot infer columns: no sampled message is a JSON object (2 sampled)"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

// TestInferDecodes reads samples of mixed kinds back through the inferred
// columns: JSON text keeps each value's text.
func TestInferDecodes(t *testing.T) {
	msgs := []string{`{"v":1,"w":[1,2]}`, `{"v":"one","w":[1.5]}`, `{"v":{"x":[true]}}`}
	samples := make([][]byte, len(msgs))
	for i, m := range msgs {
		samples[i] = []byte(m)
	}
	s, err := Infer(samples, InferOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := decodeAll(t, s, msgs...)
	want := []row{
		{"v": jsonNum("1"), "w": []any{1.0, 2.0}},
		{"v": "one", "w": []any{1.5}},
		{"v": map[string]any{"x": []any{true}}, "w": nil},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v\nwant %#v", got, want)
	}
}

func TestIsObject(t *testing.T) {
	for m, want := range map[string]bool{
		`{}`: true, ` {"a":[1,{"b":null}]} `: true, `{"a":1}{}`: false, `[]`: false, `"x"`: false, `{"a":}`: false,
		"{\"a\":\"\xc3\"}": false, ``: false, `null`: false,
	} {
		if got := IsObject([]byte(m)); got != want {
			t.Errorf("IsObject(%q) = %v", m, got)
		}
	}
}
