package jsonarrow

import (
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/kafarr/kafarr/avroarrow"
)

// TestHostileInput feeds messages built to hurt a parser: nesting far past
// the limit wherever it sits (a read column, a JSON text column, a skipped
// property), every truncation of a valid message, invalid UTF-8, numbers
// of a million digits, non-JSON tokens. Each gives the exact error and no
// row; nothing panics, and each message is done with in well under a
// second (the bound is a generous hang detector, not a timing test).
func TestHostileInput(t *testing.T) {
	deep := strings.Repeat("[", 1_000_000)
	deepObj := strings.Repeat(`{"a":`, 200_000)
	digits := strings.Repeat("7", 1_000_000)
	tests := []struct{ msg, want string }{
		{`{"j":` + deep, `property "j": objects and arrays nest deeper than 64 levels at byte 68`},
		{`{"x":` + deep, `objects and arrays nest deeper than 64 levels at byte 68`},
		{`{"l":` + deep, `property "l[0]": expected integer, got array at byte 6`},
		{deepObj, `objects and arrays nest deeper than 64 levels at byte 320`},
		{`{"o":` + strings.Repeat(`{"x":1,"y":[{"z":"q","w":`, 40), `property "o.y[0].w": objects and arrays nest deeper than 64 levels at byte 530`},
		{"{\"s\":\"ok\",\"\xff\":1}", `invalid UTF-8 in a string at byte 11`},
		{"{\"x\":\"\xed\xa0\x80\"}", `invalid UTF-8 in a string at byte 6`}, // an encoded surrogate
		{"{\"x\":[\"\xc0\xaf\"]}", `invalid UTF-8 in a string at byte 7`},   // overlong
		{`{"i":` + digits + `}`, `property "i": ` + digits + ` is out of range at byte 5`},
		{`{"f":` + digits + `}`, `property "f": ` + digits + ` is out of range for float64 at byte 5`},
		{`{"f":0.` + digits + `}`, ``},
		{`{"x":` + digits + `}`, ``},
		{`{"i":1e` + digits + `}`, `property "i": 1e` + digits + ` is out of range at byte 5`},
		{`{"i":1e-` + digits + `}`, `property "i": 1e-` + digits + ` is not an integer at byte 5`},
		{`{"f":NaN}`, `property "f": invalid character 'N', expected a value at byte 5`},
		{`{"f":-Infinity}`, `property "f": invalid character 'I', expected a digit at byte 6`},
		{`{"x":undefined}`, `invalid character 'u', expected a value at byte 5`},
		{`{'s':1}`, `invalid character '\'', expected a property name at byte 1`},
		{`{"s":"a"}` + "\x00", `invalid byte 0x00, expected the end of the message after the value at byte 9`},
		{`{"s":"a"} {}`, `invalid character '{', expected the end of the message after the value at byte 10`},
		{`{"i":1,"i":2,"i":"three"}`, `property "i": expected integer, got string at byte 17`},
	}
	schema := mustSchema(t, `{"type":"object","properties":{"s":{"type":"string"},"i":{"type":"integer"},"f":{"type":"number"},"j":{},
		"l":{"type":"array","items":{"type":"integer"}},
		"o":{"type":"object","properties":{"y":{"type":"array","items":{"type":"object","properties":{"w":{}}}}}}}}`)
	for _, tt := range tests {
		start := time.Now()
		_, errs := decodeAll(t, schema, tt.msg)
		if errs[0] != tt.want {
			t.Errorf("%.40q...: got %.200q, want %.200q", tt.msg, errs[0], tt.want)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%.40q...: took %v", tt.msg, d)
		}
	}

	// Every truncation of a valid message is an error and leaves no row.
	full := `{"s":"a\u00e9","i":-12,"f":1.5e3,"j":{"k":[1,true,null]},"l":[1,2],"o":{"y":[{"w":"x"}]}}`
	for n := range len(full) {
		if _, errs := decodeAll(t, schema, full[:n]); errs[0] == "" {
			t.Errorf("truncated to %d bytes %q: decoded", n, full[:n])
		}
	}
}

// TestDecodeMemoryBounded checks that a message costs column memory in
// proportion to its size: a megabyte of skipped or rejected nesting
// allocates nothing, and a megabyte list of small integers ("0,": eight
// bytes of int64 per two bytes of text) at most 16 times its size: four
// times for the values, twice that for the doubling of a growing buffer,
// twice again for the smaller buffers the builder's pool keeps for the
// next batch.
func TestDecodeMemoryBounded(t *testing.T) {
	schema := mustSchema(t, `{"type":"object","properties":{"l":{"type":"array","items":{"type":"integer"}},"j":{}}}`)
	dec, err := NewDecoder(schema, Options{})
	if err != nil {
		t.Fatal(err)
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	bb, err := avroarrow.NewBatchBuilder(mem, schema)
	if err != nil {
		t.Fatal(err)
	}
	defer bb.Release()
	base := mem.CurrentAlloc()
	if err := dec.Decode([]byte(`{"x":`+strings.Repeat("[", 1<<20)), bb); err == nil {
		t.Fatal("decoded")
	}
	if got := mem.CurrentAlloc(); got != base {
		t.Errorf("a rejected message grew the columns from %d to %d bytes", base, got)
	}
	msg := `{"l":[` + strings.Repeat("0,", 1<<19) + `0]}`
	if err := dec.Decode([]byte(msg), bb); err != nil {
		t.Fatal(err)
	}
	if got := mem.CurrentAlloc(); got > 16*len(msg) {
		t.Errorf("a %d-byte message took %d bytes of columns", len(msg), got)
	}
}

// TestDecodeAllocations checks the hot path allocates nothing per message,
// for the tick and for a message exercising escapes, nesting, skipping and
// every common column kind.
func TestDecodeAllocations(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts need the full test")
	}
	schema := mustSchema(t, fuzzSchema)
	for _, tc := range []struct {
		name string
		dec  *Decoder
		msg  string
	}{
		{"tick", mustDecoder(t, tickSchema), `{"inst":"EUR/USD","t":1700000000123,"dt":17,"bid":1.0712,"ask":1.0714}`},
		{"every kind", mustDecoder(t, schema), `{"s":"a\u00e9\ud83d\ude00\n","i":-7,"f":1.5e-3,"b":true,"n":null,"ts":"2023-11-14T22:13:20.5+02:00",
			"d":"2024-02-29","e":"\u0042","j":{"k":[1,"x",null]},"l":[1,null,3],"o":{"x":2,"y":[{"z":"q"}]},"m":{"k":[true,false]},
			"\u0078\u0078":{"skip":[1,2,{"3":"4"}]}}`},
	} {
		bb, err := avroarrow.NewBatchBuilder(memory.NewGoAllocator(), tc.dec.Schema())
		if err != nil {
			t.Fatal(err)
		}
		bb.Reserve(1 << 12)
		for range 100 { // warm the variable-width buffers
			if err := tc.dec.Decode([]byte(tc.msg), bb); err != nil {
				t.Fatal(err)
			}
		}
		msg := []byte(tc.msg)
		if n := testing.AllocsPerRun(1000, func() {
			if err := tc.dec.Decode(msg, bb); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("%s: %v allocations per message", tc.name, n)
		}
		bb.Release()
	}
}

func mustDecoder(t testing.TB, s *arrow.Schema) *Decoder {
	t.Helper()
	d, err := NewDecoder(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}
