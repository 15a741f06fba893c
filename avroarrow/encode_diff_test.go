package avroarrow

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/big"
	"math/rand"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/decimal256"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/linkedin/goavro/v2"
)

// TestEncodeDifferential encodes random records with this package and with
// goavro and requires the same bytes. Each random schema is mapped to Arrow
// as kafarr's reader maps it (ArrowSchema, struct and dense union modes in
// turn); goavro's native values are loaded into that shape with arrow-go's
// builders, so the encoder is fed exactly what a read of the topic returns.
// Maps with several keys have no fixed order in goavro, so when the bytes
// differ both encodings are decoded by goavro and compared as values.
func TestEncodeDifferential(t *testing.T) {
	const schemas, rows = 300, 8
	r := rand.New(rand.NewSource(7))
	for i := 0; i < schemas; i++ {
		text := randomSchema(r, 3)
		mode := UnionStruct
		if i%2 == 1 {
			mode = UnionDense
		}
		t.Run(fmt.Sprintf("schema%d", i), func(t *testing.T) {
			encDiffOne(t, r, text, mode, rows)
		})
	}
}

func encDiffOne(t *testing.T, r *rand.Rand, text string, mode UnionMode, rows int) {
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
	as, err := ArrowSchema(s, MapOptions{UnionMode: mode})
	if err != nil {
		t.Fatalf("ArrowSchema: %v\n%s", err, text)
	}
	rec, natives := encRandomBatch(t, mem, r, s, as, rows)
	defer rec.Release()
	enc, err := CompileEncoder(as, s, EncoderOptions{Coerce: CoerceStrict})
	if err != nil {
		t.Fatalf("CompileEncoder: %v\nschema %s\narrow %s", err, text, as)
	}
	if err := enc.Check(rec); err != nil {
		t.Fatalf("Check: %v\nschema %s", err, text)
	}
	var buf []byte
	for row, native := range natives {
		if buf, err = enc.AppendRow(buf[:0], rec, row); err != nil {
			t.Fatalf("row %d: %v\nschema %s", row, err, text)
		}
		want, err := codec.BinaryFromNative(nil, native)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(buf, want) {
			continue
		}
		got, rest, err := codec.NativeFromBinary(buf)
		if err != nil || len(rest) != 0 {
			t.Fatalf("row %d: goavro cannot decode ours (%v, %d bytes left)\n ours % x\n want % x\nschema %s", row, err, len(rest), buf, want, text)
		}
		exp, _, err := codec.NativeFromBinary(want)
		if err != nil {
			t.Fatal(err)
		}
		if !encNativeEqual(got, exp) {
			t.Fatalf("row %d differs\n ours % x\n want % x\n got %#v\nwant %#v\nschema %s", row, buf, want, got, exp, text)
		}
	}
}

// encRandomBatch builds rows random records of s in the Arrow schema as
// that ArrowSchema maps s to, returning the batch and goavro's natives.
func encRandomBatch(t *testing.T, mem memory.Allocator, r *rand.Rand, s *Schema, as *arrow.Schema, rows int) (arrow.RecordBatch, []map[string]any) {
	t.Helper()
	natives := make([]map[string]any, rows)
	b := array.NewRecordBuilder(mem, as)
	defer b.Release()
	for row := range natives {
		natives[row] = randomNative(r, s).(map[string]any)
		for k, f := range s.Fields {
			encAppendNative(t, b.Field(k), f.Type, natives[row][f.Name])
		}
	}
	return b.NewRecordBatch(), natives
}

// encAppendNative appends goavro native v of Avro schema s to a builder of
// the Arrow type ArrowType(s) maps it to.
func encAppendNative(t *testing.T, b array.Builder, s *Schema, v any) {
	t.Helper()
	if s.Type == TypeUnion {
		if branch, _, ok := s.NullableBranch(); ok {
			if v == nil {
				b.AppendNull()
				return
			}
			encAppendNative(t, b, branch, encBranchValue(t, v))
			return
		}
		encAppendUnion(t, b, s, v)
		return
	}
	switch s.Logical {
	case LogicalDecimal:
		unscaled := new(big.Int).Mul(v.(*big.Rat).Num(), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(s.Scale)), nil))
		unscaled.Quo(unscaled, v.(*big.Rat).Denom())
		switch db := b.(type) {
		case *array.Decimal128Builder:
			db.Append(decimal128.FromBigInt(unscaled))
		case *array.Decimal256Builder:
			db.Append(decimal256.FromBigInt(unscaled))
		default:
			t.Fatalf("decimal into %T", b)
		}
		return
	case LogicalUUID:
		if s.Type == TypeFixed {
			v = formatUUIDForTest(v.([]byte))
		}
		b.(*array.StringBuilder).Append(v.(string))
		return
	case LogicalDuration:
		p := v.([]byte)
		b.(*array.MonthDayNanoIntervalBuilder).Append(arrow.MonthDayNanoInterval{
			Months:      int32(binary.LittleEndian.Uint32(p)),
			Days:        int32(binary.LittleEndian.Uint32(p[4:])),
			Nanoseconds: int64(binary.LittleEndian.Uint32(p[8:])) * 1e6,
		})
		return
	case LogicalDate:
		b.(*array.Date32Builder).Append(arrow.Date32(v.(int32)))
		return
	case LogicalTimeMillis:
		b.(*array.Time32Builder).Append(arrow.Time32(v.(int32)))
		return
	case LogicalTimeMicros:
		b.(*array.Time64Builder).Append(arrow.Time64(v.(int64)))
		return
	case LogicalTimestampMillis, LogicalTimestampMicros, LogicalTimestampNanos,
		LogicalLocalTimestampMilli, LogicalLocalTimestampMicro, LogicalLocalTimestampNanos:
		b.(*array.TimestampBuilder).Append(arrow.Timestamp(v.(int64)))
		return
	}
	switch s.Type {
	case TypeNull:
		b.AppendNull()
	case TypeBoolean:
		b.(*array.BooleanBuilder).Append(v.(bool))
	case TypeInt:
		b.(*array.Int32Builder).Append(v.(int32))
	case TypeLong:
		b.(*array.Int64Builder).Append(v.(int64))
	case TypeFloat:
		b.(*array.Float32Builder).Append(v.(float32))
	case TypeDouble:
		b.(*array.Float64Builder).Append(v.(float64))
	case TypeBytes:
		b.(*array.BinaryBuilder).Append(v.([]byte))
	case TypeString:
		b.(*array.StringBuilder).Append(v.(string))
	case TypeFixed:
		b.(*array.FixedSizeBinaryBuilder).Append(v.([]byte))
	case TypeEnum:
		if err := b.(*array.BinaryDictionaryBuilder).AppendString(v.(string)); err != nil {
			t.Fatal(err)
		}
	case TypeArray:
		lb := b.(*array.ListBuilder)
		lb.Append(true)
		for _, item := range v.([]any) {
			encAppendNative(t, lb.ValueBuilder(), s.Items, item)
		}
	case TypeMap:
		mb := b.(*array.MapBuilder)
		mb.Append(true)
		for k, item := range v.(map[string]any) {
			mb.KeyBuilder().(*array.StringBuilder).Append(k)
			encAppendNative(t, mb.ItemBuilder(), s.Values, item)
		}
	case TypeRecord:
		sb := b.(*array.StructBuilder)
		sb.Append(true)
		m := v.(map[string]any)
		for k, f := range s.Fields {
			encAppendNative(t, sb.FieldBuilder(k), f.Type, m[f.Name])
		}
	default:
		t.Fatalf("unhandled %s", s.Type)
	}
}

// encBranchValue unwraps goavro's {"branch": value}.
func encBranchValue(t *testing.T, v any) any {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		t.Fatalf("union value %#v is not a one-key map", v)
	}
	for _, inner := range m {
		return inner
	}
	return nil
}

// encAppendUnion appends a value of a union other than [null, T]: to a
// struct with one child per non-null branch, or to a dense union with one
// child per branch.
func encAppendUnion(t *testing.T, b array.Builder, s *Schema, v any) {
	chosen := -1
	var inner any
	if v != nil {
		m := v.(map[string]any)
		for i, br := range s.Branches {
			if val, ok := m[goavroBranchName(br)]; ok {
				chosen, inner = i, val
			}
		}
		if chosen < 0 {
			t.Fatalf("no branch of %s for %#v", s.BranchName(), v)
		}
	} else {
		for i, br := range s.Branches {
			if br.Type == TypeNull {
				chosen = i
			}
		}
	}
	switch ub := b.(type) {
	case *array.StructBuilder:
		if s.Branches[chosen].Type == TypeNull {
			ub.AppendNull()
			return
		}
		ub.Append(true)
		k := 0
		for i, br := range s.Branches {
			if br.Type == TypeNull {
				continue
			}
			if i == chosen {
				encAppendNative(t, ub.FieldBuilder(k), br, inner)
			} else {
				ub.FieldBuilder(k).AppendNull()
			}
			k++
		}
	case *array.DenseUnionBuilder:
		ub.Append(arrow.UnionTypeCode(chosen))
		encAppendNative(t, ub.Child(chosen), s.Branches[chosen], inner)
	default:
		t.Fatalf("union into %T", b)
	}
}
