package jsonarrow

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"math/big"
	"math/rand"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// diffSchema is the differential test's columns.
var diffSchema = arrow.NewSchema([]arrow.Field{
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "i", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "u", Type: arrow.PrimitiveTypes.Uint64, Nullable: true},
	{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "g", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
	{Name: "bin", Type: arrow.BinaryTypes.Binary, Nullable: true},
	{Name: "ts", Type: arrow.FixedWidthTypes.Timestamp_ns, Nullable: true},
	{Name: "d", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "dec", Type: &arrow.Decimal128Type{Precision: 38, Scale: 5}, Nullable: true},
	{Name: "l", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
	{Name: "m", Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64), Nullable: true},
}, nil)

// randText returns a string of runes that need escapes, multi-byte ones,
// U+2028, surrogate-pair runes and, now and then, an invalid byte.
func randText(r *rand.Rand, bad bool) string {
	pool := []string{"a", "Z", " ", "\"", "\\", "/", "\n", "\t", "\x00", "\x1f", "\x7f", "é", "€", "\u2028", "😀", "<", "&", "\ufffd"}
	var b strings.Builder
	for n := r.Intn(12); n > 0; n-- {
		b.WriteString(pool[r.Intn(len(pool))])
	}
	if bad {
		b.WriteByte(0x80 + byte(r.Intn(0x80)))
	}
	return b.String()
}

// diffBatch builds n random rows of diffSchema, about one value in six
// null.
func diffBatch(r *rand.Rand, mem memory.Allocator, n int) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, diffSchema)
	defer b.Release()
	null := func(k int) bool {
		if r.Intn(6) == 0 {
			b.Field(k).AppendNull()
			return true
		}
		return false
	}
	for range n {
		if !null(0) {
			b.Field(0).(*array.StringBuilder).Append(randText(r, r.Intn(20) == 0))
		}
		if !null(1) {
			b.Field(1).(*array.Int64Builder).Append(int64(r.Uint64()) >> r.Intn(64))
		}
		if !null(2) {
			b.Field(2).(*array.Uint64Builder).Append(r.Uint64() >> r.Intn(64))
		}
		if !null(3) {
			f := math.Float64frombits(r.Uint64())
			if math.IsNaN(f) || math.IsInf(f, 0) || r.Intn(3) == 0 {
				f = float64(r.Intn(2000000)-1000000) / 1000
			}
			b.Field(3).(*array.Float64Builder).Append(f)
		}
		if !null(4) {
			f := math.Float32frombits(r.Uint32())
			if f != f || math.IsInf(float64(f), 0) {
				f = 1.5
			}
			b.Field(4).(*array.Float32Builder).Append(f)
		}
		if !null(5) {
			v := make([]byte, r.Intn(9))
			r.Read(v)
			b.Field(5).(*array.BinaryBuilder).Append(v)
		}
		if !null(6) {
			b.Field(6).(*array.TimestampBuilder).Append(arrow.Timestamp(int64(r.Uint64())))
		}
		if !null(7) {
			b.Field(7).(*array.Date32Builder).Append(arrow.Date32(minDay + r.Int63n(maxDay-minDay+1)))
		}
		if !null(8) {
			v := decimal128.New(int64(r.Uint64())>>r.Intn(64), r.Uint64())
			if r.Intn(2) == 0 {
				v = decimal128.FromI64(int64(r.Uint64()) >> r.Intn(64))
			}
			b.Field(8).(*array.Decimal128Builder).Append(v)
		}
		if !null(9) {
			lb := b.Field(9).(*array.ListBuilder)
			lb.Append(true)
			for k := r.Intn(4); k > 0; k-- {
				lb.ValueBuilder().(*array.StringBuilder).Append(randText(r, false))
			}
		}
		if !null(10) {
			mb := b.Field(10).(*array.MapBuilder)
			mb.Append(true)
			for k := r.Intn(4); k > 0; k-- {
				mb.KeyBuilder().(*array.StringBuilder).Append(randText(r, false) + strconv.Itoa(k))
				mb.ItemBuilder().(*array.Int64Builder).Append(r.Int63())
			}
		}
	}
	return b.NewRecordBatch()
}

// TestEncodeDifferential encodes random rows as plain JSON and checks each
// message with encoding/json: it is valid JSON (json.Valid), and
// unmarshalled (numbers as json.Number) every property holds the Arrow
// value, compared through independent code (strconv, encoding/base64, the
// time package, math/big). A row whose string is not UTF-8 must fail,
// naming column s.
func TestEncodeDifferential(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	mem := testAlloc(t)
	rec := diffBatch(r, mem, 3000)
	defer rec.Release()
	enc, err := CompileEncoder(rec.Schema(), nil, EncoderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var buf []byte
	for row := 0; row < int(rec.NumRows()); row++ {
		buf, err = enc.AppendRow(buf[:0], rec, row)
		s := rec.Column(0).(*array.String)
		if s.IsValid(row) && !utf8.ValidString(s.Value(row)) {
			if err == nil || !strings.HasPrefix(err.Error(), `column "s" row `+strconv.Itoa(row)+": value ") {
				t.Fatalf("row %d: invalid UTF-8 gave %v", row, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("row %d: %v", row, err)
		}
		if !json.Valid(buf) {
			t.Fatalf("row %d: invalid JSON %s", row, buf)
		}
		dec := json.NewDecoder(strings.NewReader(string(buf)))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		for k, f := range diffSchema.Fields() {
			if msg := diffCheck(rec.Column(k), row, m[f.Name]); msg != "" {
				t.Fatalf("row %d column %s: %s\n%s", row, f.Name, msg, buf)
			}
		}
	}
}

// diffCheck compares the JSON value v with value row of arr.
func diffCheck(arr arrow.Array, row int, v any) string {
	if arr.IsNull(row) {
		if v != nil {
			return "null written as " + strconv.Quote(string(mustJSON(v)))
		}
		return ""
	}
	bad := func(want any) string { return "got " + string(mustJSON(v)) + ", want " + string(mustJSON(want)) }
	num := func() string { n, _ := v.(json.Number); return string(n) }
	switch a := arr.(type) {
	case *array.String:
		if v != a.Value(row) {
			return bad(a.Value(row))
		}
	case *array.Int64:
		if num() != strconv.FormatInt(a.Value(row), 10) {
			return bad(a.Value(row))
		}
	case *array.Uint64:
		if num() != strconv.FormatUint(a.Value(row), 10) {
			return bad(a.Value(row))
		}
	case *array.Float64:
		if f, err := strconv.ParseFloat(num(), 64); err != nil || f != a.Value(row) {
			return bad(a.Value(row))
		}
	case *array.Float32:
		if f, err := strconv.ParseFloat(num(), 32); err != nil || float32(f) != a.Value(row) {
			return bad(a.Value(row))
		}
	case *array.Binary:
		s, _ := v.(string)
		if b, err := base64.StdEncoding.DecodeString(s); err != nil || string(b) != string(a.Value(row)) {
			return bad(a.Value(row))
		}
	case *array.Timestamp:
		s, _ := v.(string)
		want := time.Unix(0, int64(a.Value(row))).UTC().Format("2006-01-02T15:04:05.000000000Z")
		if s != want {
			return bad(want)
		}
	case *array.Date32:
		s, _ := v.(string)
		if want := a.Value(row).ToTime().Format("2006-01-02"); s != want {
			return bad(want)
		}
	case *array.Decimal128:
		got, ok := new(big.Rat).SetString(num())
		want := new(big.Rat).SetFrac(a.Value(row).BigInt(), new(big.Int).Exp(big.NewInt(10), big.NewInt(5), nil))
		if !ok || got.Cmp(want) != 0 {
			return bad(want.FloatString(5))
		}
	case *array.List:
		items, _ := v.([]any)
		start, end := a.ValueOffsets(row)
		if len(items) != int(end-start) {
			return bad("a list of " + strconv.Itoa(int(end-start)))
		}
		for k := range items {
			if msg := diffCheck(a.ListValues(), int(start)+k, items[k]); msg != "" {
				return "item " + strconv.Itoa(k) + ": " + msg
			}
		}
	case *array.Map:
		obj, _ := v.(map[string]any)
		start, end := a.ValueOffsets(row)
		if len(obj) != int(end-start) {
			return bad("a map of " + strconv.Itoa(int(end-start)))
		}
		keys := a.Keys().(*array.String)
		for k := int(start); k < int(end); k++ {
			if msg := diffCheck(a.Items(), k, obj[keys.Value(k)]); msg != "" {
				return "key " + strconv.Quote(keys.Value(k)) + ": " + msg
			}
		}
	default:
		return "unexpected array " + arr.DataType().String()
	}
	return ""
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
