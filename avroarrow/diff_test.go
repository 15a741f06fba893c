package avroarrow

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"math/rand"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/decimal256"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/linkedin/goavro/v2"
)

// TestDifferentialGoavro encodes random values of random schemas with
// goavro, decodes them with a Decoder (writer = reader), and compares every
// Arrow value with the value goavro decodes from the same bytes.
func TestDifferentialGoavro(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	const schemas, values = 400, 12
	for i := 0; i < schemas; i++ {
		text := randomSchema(r, 3)
		mode := UnionStruct
		if i%2 == 1 {
			mode = UnionDense
		}
		t.Run(fmt.Sprintf("schema%d", i), func(t *testing.T) {
			differential(t, r, text, values, mode)
		})
		if t.Failed() {
			t.Fatalf("schema: %s", text)
		}
	}
}

func differential(t *testing.T, r *rand.Rand, text string, values int, mode UnionMode) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s, err := Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	codec, err := goavro.NewCodec(text)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := CompileDecoder(s, s, DecoderOptions{MapOptions: MapOptions{UnionMode: mode}})
	if err != nil {
		t.Fatal(err)
	}
	bb, err := NewBatchBuilder(mem, dec.Schema())
	if err != nil {
		t.Fatal(err)
	}
	defer bb.Release()
	natives := make([]any, values)
	// Two batches, to check that a builder starts clean after NewRecord.
	split := r.Intn(values)
	var recs []arrow.RecordBatch
	defer func() {
		for _, rec := range recs {
			rec.Release()
		}
	}()
	for j := 0; j < values; j++ {
		bin, err := codec.BinaryFromNative(nil, randomNative(r, s))
		if err != nil {
			t.Fatal(err)
		}
		native, _, err := codec.NativeFromBinary(bin)
		if err != nil {
			t.Fatal(err)
		}
		natives[j] = native
		if err := dec.Decode(bin, bb); err != nil {
			t.Fatalf("value %d: %v", j, err)
		}
		if j == split {
			rec, err := bb.NewRecord()
			if err != nil {
				t.Fatal(err)
			}
			recs = append(recs, rec)
		}
	}
	rec, err := bb.NewRecord()
	if err != nil {
		t.Fatal(err)
	}
	recs = append(recs, rec)
	row := 0
	for _, rec := range recs {
		if err := array.ValidateRecordFull(rec); err != nil {
			t.Fatalf("invalid record: %v", err)
		}
		for i := 0; i < int(rec.NumRows()); i++ {
			for c, f := range s.Fields {
				if err := compareNative(f.Type, rec.Column(c), i, natives[row].(map[string]any)[f.Name]); err != nil {
					t.Fatalf("row %d field %s: %v", row, f.Name, err)
				}
			}
			row++
		}
	}
	if row != values {
		t.Fatalf("decoded %d rows, want %d", row, values)
	}
}

// compareNative checks value i of arr against goavro's native value v of
// schema s.
func compareNative(s *Schema, arr arrow.Array, i int, v any) error {
	if b, _, ok := s.NullableBranch(); ok {
		if v == nil {
			if !arr.IsNull(i) {
				return fmt.Errorf("want null, got %v", arr.ValueStr(i))
			}
			return nil
		}
		if arr.IsNull(i) {
			return fmt.Errorf("got null, want %v", v)
		}
		return compareNative(b, arr, i, unwrapUnion(b, v))
	}
	switch s.Type {
	case TypeNull:
		if !isNull(arr, i) {
			return fmt.Errorf("want null")
		}
		return nil
	case TypeUnion:
		return compareUnion(s, arr, i, v)
	}
	if arr.IsNull(i) {
		return fmt.Errorf("got null, want %v", v)
	}
	mismatch := func(got any) error { return fmt.Errorf("got %v, want %v (%s)", got, v, describe(s)) }
	switch s.Logical {
	case LogicalDecimal:
		want := new(big.Rat).Mul(v.(*big.Rat), new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(s.Scale)), nil)))
		if !want.IsInt() {
			return fmt.Errorf("goavro decimal %v is not integral at scale %d", v, s.Scale)
		}
		var got *big.Int
		switch a := arr.(type) {
		case *array.Decimal128:
			got = decimal128BigInt(a.Value(i))
		case *array.Decimal256:
			got = decimal256BigInt(a.Value(i))
		default:
			return fmt.Errorf("decimal column is %T", arr)
		}
		if got.Cmp(want.Num()) != 0 {
			return mismatch(got)
		}
		return nil
	case LogicalUUID:
		want, ok := v.(string)
		if !ok {
			want = formatUUIDForTest(v.([]byte))
		}
		if got := arr.(*array.String).Value(i); got != want {
			return mismatch(got)
		}
		return nil
	case LogicalDuration:
		b := v.([]byte)
		got := arr.(*array.MonthDayNanoInterval).Value(i)
		want := arrow.MonthDayNanoInterval{
			Months:      int32(binary.LittleEndian.Uint32(b)),
			Days:        int32(binary.LittleEndian.Uint32(b[4:])),
			Nanoseconds: int64(binary.LittleEndian.Uint32(b[8:])) * 1e6,
		}
		if got != want {
			return mismatch(got)
		}
		return nil
	case LogicalDate:
		if got, want := int64(arr.(*array.Date32).Value(i)), v.(time.Time).Unix()/86400; got != want {
			return mismatch(got)
		}
		return nil
	case LogicalTimeMillis:
		if got, want := int64(arr.(*array.Time32).Value(i)), v.(time.Duration).Milliseconds(); got != want {
			return mismatch(got)
		}
		return nil
	case LogicalTimeMicros:
		if got, want := int64(arr.(*array.Time64).Value(i)), v.(time.Duration).Microseconds(); got != want {
			return mismatch(got)
		}
		return nil
	case LogicalTimestampMillis, LogicalTimestampMicros, LogicalTimestampNanos,
		LogicalLocalTimestampMilli, LogicalLocalTimestampMicro, LogicalLocalTimestampNanos:
		got := int64(arr.(*array.Timestamp).Value(i))
		var want int64
		switch w := v.(type) {
		case time.Time:
			if s.Logical == LogicalTimestampMillis {
				want = w.UnixMilli()
			} else {
				want = w.UnixMicro()
			}
		case int64:
			want = w
		}
		if got != want {
			return mismatch(got)
		}
		return nil
	}
	switch s.Type {
	case TypeBoolean:
		if got := arr.(*array.Boolean).Value(i); got != v.(bool) {
			return mismatch(got)
		}
	case TypeInt:
		if got := arr.(*array.Int32).Value(i); got != v.(int32) {
			return mismatch(got)
		}
	case TypeLong:
		if got := arr.(*array.Int64).Value(i); got != v.(int64) {
			return mismatch(got)
		}
	case TypeFloat:
		got, want := arr.(*array.Float32).Value(i), v.(float32)
		if got != want && !(math.IsNaN(float64(got)) && math.IsNaN(float64(want))) {
			return mismatch(got)
		}
	case TypeDouble:
		got, want := arr.(*array.Float64).Value(i), v.(float64)
		if got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
			return mismatch(got)
		}
	case TypeBytes:
		if got := arr.(*array.Binary).Value(i); !bytes.Equal(got, v.([]byte)) {
			return mismatch(got)
		}
	case TypeString:
		if got := arr.(*array.String).Value(i); got != v.(string) {
			return mismatch(got)
		}
	case TypeFixed:
		if got := arr.(*array.FixedSizeBinary).Value(i); !bytes.Equal(got, v.([]byte)) {
			return mismatch(got)
		}
	case TypeEnum:
		d := arr.(*array.Dictionary)
		got := d.Dictionary().(*array.String).Value(d.GetValueIndex(i))
		if got != v.(string) {
			return mismatch(got)
		}
	case TypeArray:
		l := arr.(*array.List)
		start, end := l.ValueOffsets(i)
		want := v.([]any)
		if int(end-start) != len(want) {
			return fmt.Errorf("list of %d items, want %d", end-start, len(want))
		}
		for k, w := range want {
			if err := compareNative(s.Items, l.ListValues(), int(start)+k, w); err != nil {
				return fmt.Errorf("[%d]: %w", k, err)
			}
		}
	case TypeMap:
		m := arr.(*array.Map)
		start, end := m.ValueOffsets(i)
		want := v.(map[string]any)
		if int(end-start) != len(want) {
			return fmt.Errorf("map of %d entries, want %d", end-start, len(want))
		}
		keys := m.Keys().(*array.String)
		for k := int(start); k < int(end); k++ {
			key := keys.Value(k)
			w, ok := want[key]
			if !ok {
				return fmt.Errorf("unexpected key %q", key)
			}
			if err := compareNative(s.Values, m.Items(), k, w); err != nil {
				return fmt.Errorf("[%q]: %w", key, err)
			}
		}
	case TypeRecord:
		st := arr.(*array.Struct)
		want := v.(map[string]any)
		for k, f := range s.Fields {
			if err := compareNative(f.Type, st.Field(k), i, want[f.Name]); err != nil {
				return fmt.Errorf(".%s: %w", f.Name, err)
			}
		}
	default:
		return fmt.Errorf("unhandled %s", describe(s))
	}
	return nil
}

// isNull is arr.IsNull, also for arrays of the null type (which arrow-go
// reports as not null, having no bitmap).
func isNull(arr arrow.Array, i int) bool {
	return arr.DataType().ID() == arrow.NULL || arr.IsNull(i)
}

// unwrapUnion takes the value out of goavro's {branch: value} form.
func unwrapUnion(b *Schema, v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	if inner, ok := m[goavroBranchName(b)]; ok && len(m) == 1 {
		return inner
	}
	return v
}

func compareUnion(s *Schema, arr arrow.Array, i int, v any) error {
	k := -1 // the branch goavro took
	var inner any
	if v == nil {
		for j, b := range s.Branches {
			if b.Type == TypeNull {
				k = j
			}
		}
	} else {
		m := v.(map[string]any)
		for j, b := range s.Branches {
			if val, ok := m[goavroBranchName(b)]; ok {
				k, inner = j, val
			}
		}
	}
	if k < 0 {
		return fmt.Errorf("goavro value %v matches no branch", v)
	}
	switch a := arr.(type) {
	case *array.DenseUnion:
		if got := int(a.TypeCode(i)); got != k {
			return fmt.Errorf("union took branch %d, want %d", got, k)
		}
		return compareNative(s.Branches[k], a.Field(k), int(a.ValueOffset(i)), inner)
	case *array.Struct:
		if s.Branches[k].Type == TypeNull {
			if !a.IsNull(i) {
				return fmt.Errorf("want a null union")
			}
			return nil
		}
		if a.IsNull(i) {
			return fmt.Errorf("union is null, want branch %d", k)
		}
		child := 0
		for j, b := range s.Branches {
			if b.Type == TypeNull {
				continue
			}
			if j == k {
				if err := compareNative(b, a.Field(child), i, inner); err != nil {
					return fmt.Errorf("<%s>: %w", b.BranchName(), err)
				}
			} else if a.Field(child).IsValid(i) {
				return fmt.Errorf("branch %s is set too", b.BranchName())
			}
			child++
		}
		return nil
	}
	return fmt.Errorf("union column is %T", arr)
}

func decimal128BigInt(n decimal128.Num) *big.Int { return n.BigInt() }

func decimal256BigInt(n decimal256.Num) *big.Int { return n.BigInt() }
