package jsonarrow

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/kafarr/kafarr/avroarrow"
	"github.com/kafarr/kafarr/internal/testenv"
)

// TestMain fails the package if a goroutine outlives its tests.
func TestMain(m *testing.M) { testenv.VerifyMain(m) }

// describe renders a schema one field per line, nested fields indented:
// "name: type" with "?" when nullable and the field's metadata in braces
// (keys without their "kafarr." prefix).
func describe(s *arrow.Schema) string {
	var b strings.Builder
	if s.Metadata().Len() > 0 {
		fmt.Fprintf(&b, "%s\n", metaString(s.Metadata()))
	}
	for _, f := range s.Fields() {
		describeField(&b, f, "")
	}
	return b.String()
}

func describeField(b *strings.Builder, f arrow.Field, indent string) {
	var typ string
	var children []arrow.Field
	switch dt := f.Type.(type) {
	case *arrow.StructType:
		typ, children = "struct", dt.Fields()
	case *arrow.ListType:
		typ, children = "list", []arrow.Field{dt.ElemField()}
	case *arrow.MapType:
		typ, children = "map", []arrow.Field{dt.KeyField(), dt.ItemField()}
	default:
		typ = dt.String()
	}
	if f.Nullable {
		typ += "?"
	}
	fmt.Fprintf(b, "%s%s: %s", indent, f.Name, typ)
	if f.Metadata.Len() > 0 {
		fmt.Fprintf(b, " %s", metaString(f.Metadata))
	}
	b.WriteByte('\n')
	for _, c := range children {
		describeField(b, c, indent+"  ")
	}
}

func metaString(md arrow.Metadata) string {
	parts := make([]string, md.Len())
	for i, k := range md.Keys() {
		parts[i] = strings.TrimPrefix(k, "kafarr.") + "=" + md.Values()[i]
	}
	sort.Strings(parts)
	return "{" + strings.Join(parts, " ") + "}"
}

// goValue converts row i of arr to Go values: int64 (uint64) for integer
// columns, float64 for floating-point ones, string, bool, nil, []any,
// map[string]any for structs and maps (tests use distinct map keys), the
// JSON-decoded value (json.Number for numbers) of JSON text columns, the
// symbol of enums, the arrow value of dates, times and timestamps, and the
// text of decimals.
func goValue(f arrow.Field, arr arrow.Array, i int) any {
	if arr.IsNull(i) {
		return nil
	}
	switch a := arr.(type) {
	case *array.Null:
		return nil
	case *array.Boolean:
		return a.Value(i)
	case *array.Int8:
		return int64(a.Value(i))
	case *array.Int16:
		return int64(a.Value(i))
	case *array.Int32:
		return int64(a.Value(i))
	case *array.Int64:
		return int64(a.Value(i))
	case *array.Uint8:
		return uint64(a.Value(i))
	case *array.Uint16:
		return uint64(a.Value(i))
	case *array.Uint32:
		return uint64(a.Value(i))
	case *array.Uint64:
		return uint64(a.Value(i))
	case *array.Float32:
		return float64(a.Value(i))
	case *array.Float64:
		return a.Value(i)
	case *array.String:
		if isJSONText(f) {
			dec := json.NewDecoder(strings.NewReader(a.Value(i)))
			dec.UseNumber()
			var v any
			if err := dec.Decode(&v); err != nil {
				return fmt.Sprintf("bad JSON text %q: %v", a.Value(i), err)
			}
			return v
		}
		return a.Value(i)
	case *array.Binary:
		return a.Value(i)
	case *array.FixedSizeBinary:
		return a.Value(i)
	case *array.Date32:
		return a.Value(i)
	case *array.Timestamp:
		return a.Value(i)
	case *array.Time32:
		return a.Value(i)
	case *array.Time64:
		return a.Value(i)
	case *array.Decimal128:
		return a.Value(i).ToString(a.DataType().(*arrow.Decimal128Type).Scale)
	case *array.Dictionary:
		return a.Dictionary().(*array.String).Value(a.GetValueIndex(i))
	case *array.Struct:
		st := a.DataType().(*arrow.StructType)
		m := map[string]any{}
		for k, cf := range st.Fields() {
			m[cf.Name] = goValue(cf, a.Field(k), i)
		}
		return m
	case *array.Map:
		mt := a.DataType().(*arrow.MapType)
		start, end := a.ValueOffsets(i)
		m := map[string]any{}
		keys := a.Keys().(*array.String)
		for j := start; j < end; j++ {
			m[keys.Value(int(j))] = goValue(mt.ItemField(), a.Items(), int(j))
		}
		return m
	case *array.List:
		lt := a.DataType().(*arrow.ListType)
		start, end := a.ValueOffsets(i)
		out := []any{}
		for j := start; j < end; j++ {
			out = append(out, goValue(lt.ElemField(), a.ListValues(), int(j)))
		}
		return out
	}
	return fmt.Sprintf("unsupported %T", arr)
}

// rows converts a record to one map per row.
func rows(rec arrow.RecordBatch) []map[string]any {
	out := make([]map[string]any, rec.NumRows())
	for i := range out {
		out[i] = map[string]any{}
		for k, f := range rec.Schema().Fields() {
			out[i][f.Name] = goValue(f, rec.Column(k), i)
		}
	}
	return out
}

// decodeAll decodes msgs with a decoder of schema into one record (failed
// messages append nothing) and returns its rows and each message's error
// text ("" when decoded). The record is validated and released, and the
// allocator checked.
func decodeAll(t *testing.T, schema *arrow.Schema, msgs ...string) ([]map[string]any, []string) {
	t.Helper()
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
	errs := make([]string, len(msgs))
	for i, m := range msgs {
		before := bb.Len()
		if err := dec.Decode([]byte(m), bb); err != nil {
			errs[i] = err.Error()
			if bb.Len() != before {
				t.Fatalf("message %d failed (%v) but left %d rows", i, err, bb.Len()-before)
			}
		} else if bb.Len() != before+1 {
			t.Fatalf("message %d appended %d rows", i, bb.Len()-before)
		}
	}
	rec, err := bb.NewRecord()
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	if err := array.ValidateRecordFull(rec); err != nil {
		t.Fatal(err)
	}
	return rows(rec), errs
}

// mustSchema maps a JSON Schema text without references.
func mustSchema(t testing.TB, text string) *arrow.Schema {
	t.Helper()
	s, err := FromJSONSchema(t.Context(), text, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// testAlloc returns a checked allocator that must be empty when the test
// ends.
func testAlloc(t *testing.T) *memory.CheckedAllocator {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

func jsonNum(s string) json.Number { return json.Number(s) }
