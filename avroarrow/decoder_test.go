package avroarrow

import (
	"errors"
	"math"
	"math/big"
	"math/rand"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/linkedin/goavro/v2"
)

// goavroEncode encodes a native value with goavro.
func goavroEncode(t testing.TB, schema string, native any) []byte {
	t.Helper()
	codec, err := goavro.NewCodec(schema)
	if err != nil {
		t.Fatal(err)
	}
	bin, err := codec.BinaryFromNative(nil, native)
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// newTestBuilder compiles a decoder and a builder on a checked allocator;
// the cleanup releases the builder and asserts nothing leaked.
func newTestBuilder(t *testing.T, writer, reader string, opts DecoderOptions) (*Decoder, *BatchBuilder) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	dec, err := CompileDecoder(MustParse(writer), MustParse(reader), opts)
	if err != nil {
		t.Fatal(err)
	}
	bb, err := NewBatchBuilder(mem, dec.Schema())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		bb.Release()
		mem.AssertSize(t, 0)
	})
	return dec, bb
}

// flush builds the record, validates it fully and registers its release.
func flush(t *testing.T, bb *BatchBuilder) arrow.RecordBatch {
	t.Helper()
	rec, err := bb.NewRecord()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rec.Release)
	if err := array.ValidateRecordFull(rec); err != nil {
		t.Fatalf("invalid record: %v", err)
	}
	return rec
}

// jsonRows renders a record as JSON lines, for exact comparisons.
func jsonRows(t *testing.T, rec arrow.RecordBatch) string {
	t.Helper()
	b, err := rec.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDecodeTick(t *testing.T) {
	dec, bb := newTestBuilder(t, tickSchema, tickSchema, DecoderOptions{})
	ticks := []map[string]any{
		{"inst": "EURUSD", "t": int64(1_700_000_000_123), "dt": int32(5), "bid": float32(1.0825), "ask": float32(1.0827)},
		{"inst": "", "t": int64(-1), "dt": int32(-2147483648), "bid": float32(0), "ask": float32(-0.5)},
		{"inst": "Ünïcode €", "t": int64(9223372036854775807), "dt": int32(2147483647), "bid": float32(3.5), "ask": float32(1e30)},
	}
	for _, tk := range ticks {
		if err := dec.Decode(goavroEncode(t, tickSchema, tk), bb); err != nil {
			t.Fatal(err)
		}
	}
	if bb.Len() != 3 {
		t.Fatalf("Len %d, want 3", bb.Len())
	}
	rec := flush(t, bb)
	want := `[{"ask":1.0827,"bid":1.0825,"dt":5,"inst":"EURUSD","t":1700000000123}
,{"ask":-0.5,"bid":0,"dt":-2147483648,"inst":"","t":-1}
,{"ask":1e+30,"bid":3.5,"dt":2147483647,"inst":"Ünïcode €","t":9223372036854775807}
]`
	if got := jsonRows(t, rec); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if bb.Len() != 0 {
		t.Errorf("builder not empty after NewRecord: %d", bb.Len())
	}
	// The builder is reusable after a flush.
	if err := dec.Decode(goavroEncode(t, tickSchema, ticks[0]), bb); err != nil {
		t.Fatal(err)
	}
	rec = flush(t, bb)
	if rec.NumRows() != 1 || rec.Column(0).(*array.String).Value(0) != "EURUSD" {
		t.Errorf("second batch: %s", jsonRows(t, rec))
	}
}

func TestDecodeTickAllocations(t *testing.T) {
	dec, bb := newTestBuilder(t, tickSchema, tickSchema, DecoderOptions{})
	msg := goavroEncode(t, tickSchema, map[string]any{"inst": "EURUSD", "t": int64(1), "dt": int32(2), "bid": float32(3), "ask": float32(4)})
	bb.Reserve(2000)
	allocs := testing.AllocsPerRun(1000, func() {
		if err := dec.Decode(msg, bb); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per message, want 0", allocs)
	}
}

// complexSchema exercises every kind of column at once.
const complexSchema = `{"type":"record","name":"Order","namespace":"com.acme","fields":[
 {"name":"id","type":"long"},
 {"name":"side","type":{"type":"enum","name":"Side","symbols":["BUY","SELL"]}},
 {"name":"price","type":{"type":"bytes","logicalType":"decimal","precision":10,"scale":2}},
 {"name":"items","type":{"type":"array","items":{"type":"record","name":"Item","fields":[
   {"name":"sku","type":"string"},{"name":"qty","type":"int"},{"name":"tags","type":{"type":"map","values":["null","string","long"]}}]}}},
 {"name":"note","type":["null","string"]},
 {"name":"pay","type":["null","string",{"type":"record","name":"Card","fields":[{"name":"num","type":{"type":"fixed","name":"Num","size":4}}]}]},
 {"name":"at","type":{"type":"long","logicalType":"timestamp-millis"}},
 {"name":"ok","type":"boolean"}]}`

func mustRat(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic(s)
	}
	return r
}

func complexValue(id int64) map[string]any {
	return map[string]any{
		"id":    id,
		"side":  "SELL",
		"price": mustRat("12.34"),
		"items": []any{
			map[string]any{"sku": "a", "qty": int32(1), "tags": map[string]any{"k": map[string]any{"string": "v"}, "n": nil}},
			map[string]any{"sku": "b", "qty": int32(2), "tags": map[string]any{"l": map[string]any{"long": int64(7)}}},
		},
		"note": map[string]any{"string": "hi"},
		"pay":  map[string]any{"com.acme.Card": map[string]any{"num": []byte{1, 2, 3, 4}}},
		"at":   int64(1000),
		"ok":   true,
	}
}

func TestDecodeComplexAndNullRows(t *testing.T) {
	for _, mode := range []UnionMode{UnionStruct, UnionDense} {
		dec, bb := newTestBuilder(t, complexSchema, complexSchema, DecoderOptions{MapOptions: MapOptions{UnionMode: mode}})
		if err := dec.Decode(goavroEncode(t, complexSchema, complexValue(1)), bb); err != nil {
			t.Fatal(err)
		}
		bb.AppendNullRow()
		v := complexValue(3)
		v["note"], v["pay"], v["items"] = nil, nil, []any{}
		if err := dec.Decode(goavroEncode(t, complexSchema, v), bb); err != nil {
			t.Fatal(err)
		}
		rec := flush(t, bb)
		if rec.NumRows() != 3 {
			t.Fatalf("%d rows", rec.NumRows())
		}
		for c := 0; c < int(rec.NumCols()); c++ {
			col := rec.Column(c)
			if col.DataType().ID() != arrow.DENSE_UNION && !col.IsNull(1) {
				t.Errorf("mode %d: column %s of the null row is not null", mode, rec.ColumnName(c))
			}
		}
		if got := rec.Column(0).(*array.Int64).Int64Values(); got[0] != 1 || got[2] != 3 {
			t.Errorf("ids %v", got)
		}
		items := rec.Column(3).(*array.List)
		if s, e := items.ValueOffsets(0); s != 0 || e != 2 {
			t.Errorf("items offsets %d..%d", s, e)
		}
		if s, e := items.ValueOffsets(2); s != 2 || e != 2 {
			t.Errorf("items of row 2: %d..%d", s, e)
		}
		skus := items.ListValues().(*array.Struct).Field(0).(*array.String)
		if skus.Len() != 2 || skus.Value(0) != "a" || skus.Value(1) != "b" {
			t.Errorf("skus %v", skus)
		}
		if got := rec.Column(2).(*array.Decimal128).Value(0).BigInt().Int64(); got != 1234 {
			t.Errorf("price %d, want 1234", got)
		}
		side := rec.Column(1).(*array.Dictionary)
		if side.GetValueIndex(0) != 1 || side.Dictionary().(*array.String).Value(1) != "SELL" {
			t.Errorf("side %v", side)
		}
		note := rec.Column(4).(*array.String)
		if note.Value(0) != "hi" || !note.IsNull(2) {
			t.Errorf("note %v", note)
		}
		switch pay := rec.Column(5).(type) {
		case *array.Struct:
			if pay.IsValid(2) || !pay.Field(0).IsNull(0) ||
				string(pay.Field(1).(*array.Struct).Field(0).(*array.FixedSizeBinary).Value(0)) != "\x01\x02\x03\x04" {
				t.Errorf("pay %v", pay)
			}
		case *array.DenseUnion:
			if pay.TypeCode(0) != 2 || pay.TypeCode(2) != 0 {
				t.Errorf("pay type codes %d %d", pay.TypeCode(0), pay.TypeCode(2))
			}
		default:
			t.Errorf("pay column %T", pay)
		}
	}
}

func TestDecodeRollsBackFailedRows(t *testing.T) {
	for _, mode := range []UnionMode{UnionStruct, UnionDense} {
		opts := DecoderOptions{MapOptions: MapOptions{UnionMode: mode}}
		dec, bb := newTestBuilder(t, complexSchema, complexSchema, opts)
		good := goavroEncode(t, complexSchema, complexValue(1))
		if err := dec.Decode(good, bb); err != nil {
			t.Fatal(err)
		}
		// Cut the message at every length: each fails after appending part
		// of the row, which must vanish without trace.
		for n := 0; n < len(good); n++ {
			if err := dec.Decode(good[:n], bb); err == nil {
				t.Fatalf("%d of %d bytes decoded without error", n, len(good))
			}
			if bb.Len() != 1 {
				t.Fatalf("after a failed row: Len %d, want 1", bb.Len())
			}
		}
		if err := dec.Decode(good, bb); err != nil {
			t.Fatal(err)
		}
		want := jsonRows(t, flush(t, bb))
		// The same two rows decoded without failures in between.
		dec2, bb2 := newTestBuilder(t, complexSchema, complexSchema, opts)
		for i := 0; i < 2; i++ {
			if err := dec2.Decode(good, bb2); err != nil {
				t.Fatal(err)
			}
		}
		if got := jsonRows(t, flush(t, bb2)); got != want {
			t.Errorf("mode %d: rows after rollbacks differ:\n%s\nvs\n%s", mode, want, got)
		}
	}
}

func TestDecodeHostile(t *testing.T) {
	const (
		strRec    = `{"type":"record","name":"R","fields":[{"name":"s","type":"string"}]}`
		longRec   = `{"type":"record","name":"R","fields":[{"name":"l","type":"long"}]}`
		intRec    = `{"type":"record","name":"R","fields":[{"name":"i","type":"int"}]}`
		boolRec   = `{"type":"record","name":"R","fields":[{"name":"b","type":"boolean"}]}`
		unionRec  = `{"type":"record","name":"R","fields":[{"name":"u","type":["null","string"]}]}`
		enumRec   = `{"type":"record","name":"R","fields":[{"name":"e","type":{"type":"enum","name":"E","symbols":["A","B"]}}]}`
		arrRec    = `{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"array","items":{"type":"record","name":"I","fields":[{"name":"p","type":"double"}]}}}]}`
		nullsRec  = `{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"array","items":"null"}}]}`
		mapRec    = `{"type":"record","name":"R","fields":[{"name":"m","type":{"type":"map","values":"int"}}]}`
		decRec    = `{"type":"record","name":"R","fields":[{"name":"d","type":{"type":"bytes","logicalType":"decimal","precision":5,"scale":0}}]}`
		nested    = `{"type":"record","name":"Order","fields":[{"name":"items","type":{"type":"array","items":{"type":"record","name":"I","fields":[{"name":"price","type":"long"}]}}}]}`
		recursive = `{"type":"record","name":"R","fields":[{"name":"x","type":"int"},{"name":"next","type":["null","R"]}]}`
	)
	deep := []byte{0}
	for i := 0; i < 2000; i++ {
		deep = append(deep, 2) // union branch 1: another R
		deep = append(deep, 0) // x = 0
	}
	deep = append(deep, 0)
	tests := []struct {
		name     string
		writer   string
		reader   string // writer when empty
		proj     []string
		data     []byte
		wantPath string
		want     string
	}{
		{"empty", strRec, "", nil, nil, "s", "unexpected end of data"},
		{"truncated string", strRec, "", nil, []byte{10, 'a', 'b'}, "s", "length 5 exceeds the 2 bytes left"},
		{"negative length", strRec, "", nil, []byte{3}, "s", "negative length -2"},
		{"absurd length", strRec, "", nil, []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40}, "s", "length 2305843009213693952 exceeds the 0 bytes left"},
		{"varint overflow", longRec, "", nil, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}, "l", "varint overflows 64 bits"},
		{"varint too long", longRec, "", nil, []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, "l", "varint overflows 64 bits"},
		{"truncated varint", longRec, "", nil, []byte{0x80, 0x80}, "l", "unexpected end of data"},
		{"int out of range", intRec, "", nil, []byte{0x80, 0x80, 0x80, 0x80, 0x10}, "i", "int value 2147483648 out of the 32-bit range"},
		{"bad boolean", boolRec, "", nil, []byte{2}, "b", "boolean byte 0x02 is neither 0 nor 1"},
		{"invalid utf8", strRec, "", nil, []byte{4, 0xff, 0xfe}, "s", "string is not valid UTF-8"},
		{"bad union index", unionRec, "", nil, []byte{4}, "u", "union branch index 2 out of range for 2 branches"},
		{"negative union index", unionRec, "", nil, []byte{1}, "u", "union branch index -1 out of range for 2 branches"},
		{"enum index", enumRec, "", nil, []byte{4}, "e", "enum index 2 out of range for 2 symbols"},
		{"huge array block", arrRec, "", nil, []byte{0xfe, 0xff, 0xff, 0xff, 0x0f}, "a", "block of 2147483647 items cannot fit the 0 bytes left"},
		{"min int64 block", arrRec, "", nil, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, "a", "block count -9223372036854775808 out of range"},
		{"negative block size", arrRec, "", nil, []byte{1, 1}, "a", "negative block size -1"},
		{"null items beyond the limit", nullsRec, "", nil, []byte{0xfe, 0xff, 0xff, 0xff, 0x0f, 0}, "a", "block of 2147483647 items that take no bytes: only 1048576 more such items are allowed per message"},
		{"truncated item", nested, "", nil, []byte{4, 2, 0x80}, "items[1].price", "unexpected end of data"},
		{"bad map key", mapRec, "", nil, []byte{2, 2, 0xc3, 2, 0}, "m", "map key is not valid UTF-8"},
		{"bad map value", mapRec, "", nil, []byte{2, 2, 'k'}, `m["k"]`, "unexpected end of data"},
		{"decimal too wide", decRec, "", nil, append([]byte{34}, make([]byte, 17)...), "", ""}, // 17 zero bytes: fits after sign extension
		{"decimal overflow", decRec, "", nil, append([]byte{34, 1}, make([]byte, 16)...), "d", "decimal value of 17 bytes does not fit 16 bytes"},
		{"trailing bytes", longRec, "", nil, []byte{2, 0}, "", "1 bytes left after the value"},
		{"skipped field truncated", tickSchema, tickSchema, []string{"bid"}, []byte{10, 'a'}, "inst", "length 5 exceeds the 1 bytes left"},
		{"deep recursion skipped", recursive, `{"type":"record","name":"R","fields":[{"name":"x","type":"int"}]}`, nil, deep, "next", "values nested deeper than 512 levels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reader := tt.reader
			if reader == "" {
				reader = tt.writer
			}
			dec, bb := newTestBuilder(t, tt.writer, reader, DecoderOptions{Projection: tt.proj})
			err := dec.Decode(tt.data, bb)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				flush(t, bb)
				return
			}
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("got %v, want a *DecodeError", err)
			}
			if !strings.Contains(de.Err.Error(), tt.want) {
				t.Errorf("cause %q, want %q", de.Err, tt.want)
			}
			if !strings.HasPrefix(de.Path, tt.wantPath) || (tt.wantPath != "next" && de.Path != tt.wantPath) {
				t.Errorf("path %q, want %q", de.Path, tt.wantPath)
			}
			if bb.Len() != 0 {
				t.Fatalf("failed row left %d rows", bb.Len())
			}
			// The builder stays usable: a null row and a valid batch.
			bb.AppendNullRow()
			if rec := flush(t, bb); rec.NumRows() != 1 {
				t.Errorf("%d rows after the null row", rec.NumRows())
			}
		})
	}
}

func TestDecodeErrorMessage(t *testing.T) {
	err := &DecodeError{Path: "order.items[3].price", Offset: 17, Err: ErrTruncated}
	if got := err.Error(); got != "avro decode: order.items[3].price at byte 17: unexpected end of data" {
		t.Errorf("got %q", got)
	}
	if !errors.Is(err, ErrTruncated) {
		t.Errorf("errors.Is does not see the cause")
	}
	err = &DecodeError{Offset: 3, Err: errors.New("x")}
	if got := err.Error(); got != "avro decode: at byte 3: x" {
		t.Errorf("got %q", got)
	}
}

func TestDecodeProjection(t *testing.T) {
	dec, bb := newTestBuilder(t, complexSchema, complexSchema, DecoderOptions{Projection: []string{"ok", "id", "note"}})
	if got := dec.Schema().NumFields(); got != 3 {
		t.Fatalf("%d columns", got)
	}
	if err := dec.Decode(goavroEncode(t, complexSchema, complexValue(42)), bb); err != nil {
		t.Fatal(err)
	}
	rec := flush(t, bb)
	if got, want := jsonRows(t, rec), `[{"id":42,"note":"hi","ok":true}
]`; got != want {
		t.Errorf("got %s want %s", got, want)
	}
	for _, bad := range [][]string{{"nope"}, {"id", "id"}} {
		if _, err := CompileDecoder(MustParse(complexSchema), MustParse(complexSchema), DecoderOptions{Projection: bad}); err == nil {
			t.Errorf("projection %v compiled", bad)
		}
	}
	if _, err := CompileDecoder(MustParse(`"int"`), MustParse(`"int"`), DecoderOptions{Projection: []string{"value"}}); err == nil {
		t.Errorf("projection of a non-record reader compiled")
	}
}

func TestDecodeNonRecordValue(t *testing.T) {
	dec, bb := newTestBuilder(t, `["null","string"]`, `"string"`, DecoderOptions{})
	if err := dec.Decode([]byte{2, 4, 'h', 'i'}, bb); err != nil {
		t.Fatal(err)
	}
	err := dec.Decode([]byte{0}, bb) // the null branch cannot be read as a string
	var de *DecodeError
	if !errors.As(err, &de) || de.Path != ValueColumnName || !strings.Contains(err.Error(), "writer union branch 0 (null) cannot be read") {
		t.Errorf("got %v", err)
	}
	rec := flush(t, bb)
	if rec.ColumnName(0) != "value" || rec.Column(0).(*array.String).Value(0) != "hi" || rec.NumRows() != 1 {
		t.Errorf("got %s", jsonRows(t, rec))
	}
}

func TestDecodeBuilderMismatch(t *testing.T) {
	dec, _ := newTestBuilder(t, tickSchema, tickSchema, DecoderOptions{})
	_, other := newTestBuilder(t, complexSchema, complexSchema, DecoderOptions{})
	if err := dec.Decode(goavroEncode(t, tickSchema, map[string]any{"inst": "x", "t": int64(1), "dt": int32(1), "bid": float32(1), "ask": float32(1)}), other); err == nil ||
		!strings.Contains(err.Error(), "do not match") {
		t.Errorf("got %v", err)
	}
}

func TestBatchBuilderExtraColumns(t *testing.T) {
	dec, bb := newTestBuilder(t, tickSchema, tickSchema, DecoderOptions{})
	part, err := bb.AddColumn(arrow.Field{Name: "_partition", Type: arrow.PrimitiveTypes.Int32})
	if err != nil {
		t.Fatal(err)
	}
	hdrs, err := bb.AddColumn(arrow.Field{Name: "_headers", Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.BinaryTypes.Binary), Nullable: true})
	if err != nil {
		t.Fatal(err)
	}
	msg := goavroEncode(t, tickSchema, map[string]any{"inst": "x", "t": int64(1), "dt": int32(1), "bid": float32(1), "ask": float32(1)})
	for i := 0; i < 3; i++ {
		mark := bb.Mark()
		if err := dec.Decode(msg, bb); err != nil {
			t.Fatal(err)
		}
		part.AppendInt32(int32(i))
		if i == 1 {
			bb.Rollback(mark) // drops the value row and the extra value
			if part.Len() != 1 || bb.Len() != 1 {
				t.Fatalf("rollback left %d/%d", part.Len(), bb.Len())
			}
			continue
		}
		hdrs.MapKeys().AppendString("h")
		hdrs.MapValues().AppendBytes([]byte{byte(i)})
		hdrs.AppendMap()
	}
	hdrs.AppendNull()
	if _, err := bb.NewRecord(); err == nil || err.Error() != `avroarrow: extra column "_headers" has 3 values for 2 rows` {
		t.Fatalf("mismatched extra columns: %v", err)
	}
	bb.Rollback(2)
	rec := flush(t, bb)
	if got, want := jsonRows(t, rec), `[{"_headers":[{"key":"h","value":"AA=="}],"_partition":0,"ask":1,"bid":1,"dt":1,"inst":"x","t":1}
,{"_headers":[{"key":"h","value":"Ag=="}],"_partition":2,"ask":1,"bid":1,"dt":1,"inst":"x","t":1}
]`; got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if rec.Schema().NumFields() != 7 || rec.ColumnName(5) != "_partition" {
		t.Errorf("schema %s", rec.Schema())
	}
}

// newCheckedMem returns a checked allocator that must be empty when the
// test ends.
func newCheckedMem(t *testing.T) *memory.CheckedAllocator {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

// TestReaderLong checks the varint reader on every encoded length, with
// and without the 10 bytes of slack its fast path needs.
func TestReaderLong(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	vals := []int64{0, -1, 1, 63, -64, 64, -65, 1 << 20, math.MaxInt32, math.MinInt32, math.MaxInt64, math.MinInt64}
	for i := 0; i < 2000; i++ {
		vals = append(vals, randomInt64(r)>>uint(r.Intn(64)))
	}
	for _, v := range vals {
		enc := encAppendLong(nil, v)
		for _, pad := range []int{0, 10} {
			buf := append(append([]byte{}, enc...), make([]byte, pad)...)
			rd := reader{buf: buf}
			if got := rd.long(); got != v || rd.err != nil || rd.pos != len(enc) {
				t.Fatalf("% x (+%d): got %d at %d (%v), want %d at %d", enc, pad, got, rd.pos, rd.err, v, len(enc))
			}
			rd = reader{buf: buf[:len(enc)-1]}
			if rd.long(); rd.err == nil || !errors.Is(rd.err, ErrTruncated) {
				t.Fatalf("% x cut: got %v", enc, rd.err)
			}
		}
	}
	for _, pad := range []int{0, 10} {
		over := append([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}, make([]byte, pad)...)
		rd := reader{buf: over}
		if rd.long(); rd.err == nil || rd.err.Err.Error() != "varint overflows 64 bits" {
			t.Fatalf("overflow: got %v", rd.err)
		}
	}
}

// TestDecodeZeroSizeItems reads arrays whose items take no bytes: nulls,
// empty records and fixed(0). Only the per-message item limit bounds them.
func TestDecodeZeroSizeItems(t *testing.T) {
	for _, items := range []string{`"null"`, `{"type":"record","name":"E","fields":[]}`, `{"type":"fixed","name":"Z","size":0}`} {
		s := `{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"array","items":` + items + `}}]}`
		dec, bb := newTestBuilder(t, s, s, DecoderOptions{MaxItems: 5})
		if err := dec.Decode([]byte{6, 4, 0}, bb); err != nil { // blocks of 3 and 2 items
			t.Fatal(err)
		}
		err := dec.Decode([]byte{6, 6, 0}, bb) // 6 items: over the limit of 5
		if err == nil || !strings.Contains(err.Error(), "block of 3 items that take no bytes: only 2 more such items are allowed per message") {
			t.Fatalf("%s: got %v", items, err)
		}
		rec, err := bb.NewRecord()
		if err != nil {
			t.Fatal(err)
		}
		defer rec.Release()
		if items != `{"type":"fixed","name":"Z","size":0}` {
			// arrow-go's validation rejects every fixed_size_binary(0)
			// buffer, so only the others are validated.
			if err := array.ValidateRecordFull(rec); err != nil {
				t.Fatal(err)
			}
		}
		l := rec.Column(0).(*array.List)
		if s, e := l.ValueOffsets(0); rec.NumRows() != 1 || s != 0 || e != 5 || l.ListValues().Len() != 5 {
			t.Errorf("%s: %d rows, items %d..%d of %d", items, rec.NumRows(), s, e, l.ListValues().Len())
		}
	}
}
