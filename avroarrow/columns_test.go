package avroarrow

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// newTestColumn makes a column on a checked allocator that the cleanup
// releases and checks.
func newTestColumn(t *testing.T, f arrow.Field) *Column {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	c, err := NewColumn(mem, f)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Release()
		mem.AssertSize(t, 0)
	})
	return c
}

// finishArray builds the column's array, validates it and renders it.
func finishArray(t *testing.T, c *Column) string {
	t.Helper()
	arr := c.NewArray()
	defer arr.Release()
	if err := array.ValidateFull(arr); err != nil {
		t.Fatalf("invalid array: %v", err)
	}
	if c.Len() != 0 {
		t.Fatalf("column not empty after NewArray")
	}
	return arr.String()
}

func TestColumnAppenders(t *testing.T) {
	tests := []struct {
		name   string
		field  arrow.Field
		append func(c *Column)
		want   string
	}{
		{"int32 with nulls", arrow.Field{Type: arrow.PrimitiveTypes.Int32, Nullable: true}, func(c *Column) {
			for i := int32(0); i < 10; i++ {
				if i%4 == 3 {
					c.AppendNull()
				} else {
					c.AppendInt32(i)
				}
			}
		}, "[0 1 2 (null) 4 5 6 (null) 8 9]"},
		{"int64 bulk, reserved and growing", arrow.Field{Type: arrow.PrimitiveTypes.Int64}, func(c *Column) {
			c.Reserve(3)
			c.AppendInt64s([]int64{7, -8, 9}) // fits the reservation
			c.AppendInt64s(nil)
			c.AppendInt64s([]int64{10, 11}) // past it
		}, "[7 -8 9 10 11]"},
		{"int64 bulk after a null", arrow.Field{Type: arrow.PrimitiveTypes.Int64, Nullable: true}, func(c *Column) {
			c.Reserve(8)
			c.AppendNull()
			c.AppendInt64s([]int64{1, 2})
		}, "[(null) 1 2]"},
		{"int32 fill", arrow.Field{Type: arrow.PrimitiveTypes.Int32, Nullable: true}, func(c *Column) {
			c.Reserve(2)
			c.AppendInt32Fill(4, 2)
			c.AppendNull()
			c.AppendInt32Fill(-5, 3)
			c.AppendInt32Fill(6, 0)
		}, "[4 4 (null) -5 -5 -5]"},
		{"int64", arrow.Field{Type: arrow.PrimitiveTypes.Int64}, func(c *Column) {
			c.AppendInt64(-1)
			c.AppendInt64(1 << 62)
		}, "[-1 4611686018427387904]"},
		{"timestamp", arrow.Field{Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}, Nullable: true}, func(c *Column) {
			c.AppendInt64(1000)
			c.AppendNull()
		}, "[1000 (null)]"},
		{"floats", arrow.Field{Type: arrow.PrimitiveTypes.Float64}, func(c *Column) {
			c.AppendFloat64(0.5)
			c.AppendFloat64(-2)
		}, "[0.5 -2]"},
		{"float32", arrow.Field{Type: arrow.PrimitiveTypes.Float32}, func(c *Column) { c.AppendFloat32(1.25) }, "[1.25]"},
		{"bool", arrow.Field{Type: arrow.FixedWidthTypes.Boolean, Nullable: true}, func(c *Column) {
			for i := 0; i < 11; i++ {
				c.AppendBool(i%3 == 0)
			}
			c.AppendNull()
		}, "[true false false true false false true false false true false (null)]"},
		{"utf8", arrow.Field{Type: arrow.BinaryTypes.String, Nullable: true}, func(c *Column) {
			c.AppendString("héllo")
			c.AppendNull()
			c.AppendBytes([]byte(""))
			c.AppendBytes([]byte("x"))
		}, `["héllo" (null) "" "x"]`},
		{"non-nullable null is a zero value", arrow.Field{Type: arrow.BinaryTypes.Binary}, func(c *Column) {
			c.AppendBytes([]byte{1})
			c.AppendNull()
		}, `["\x01" ""]`},
		{"fixed size binary", arrow.Field{Type: &arrow.FixedSizeBinaryType{ByteWidth: 2}, Nullable: true}, func(c *Column) {
			c.AppendFixed([]byte("ab"))
			c.AppendNull()
		}, `["ab" (null)]`},
		{"null", arrow.Field{Type: arrow.Null, Nullable: true}, func(c *Column) {
			c.AppendNull()
			c.AppendNull()
		}, "[(null) (null)]"},
		{"list", arrow.Field{Type: arrow.ListOf(arrow.PrimitiveTypes.Int32), Nullable: true}, func(c *Column) {
			c.ListValues().AppendInt32(1)
			c.ListValues().AppendInt32(2)
			c.AppendList()
			c.AppendNull()
			c.AppendList()
		}, "[[1 2] (null) []]"},
		{"struct", arrow.Field{Type: arrow.StructOf(arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int32}, arrow.Field{Name: "b", Type: arrow.BinaryTypes.String, Nullable: true}), Nullable: true}, func(c *Column) {
			c.Child(0).AppendInt32(1)
			c.Child(1).AppendString("x")
			c.AppendStruct()
			c.AppendNull()
		}, `{[1 (null)] ["x" (null)]}`}, // arrow-go shows the parent's nulls in children
		{"dense union", arrow.Field{Type: arrow.DenseUnionOf([]arrow.Field{{Name: "null", Type: arrow.Null, Nullable: true}, {Name: "i", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, []arrow.UnionTypeCode{0, 1}), Nullable: true}, func(c *Column) {
			c.AppendUnion(1).AppendInt64(5)
			c.AppendNull()
			c.AppendUnion(1).AppendInt64(6)
		}, "[{i=5} {null=<nil>} {i=6}]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestColumn(t, tt.field)
			tt.append(c)
			if got := finishArray(t, c); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
			// A second batch on the same column starts empty and clean.
			tt.append(c)
			if got := finishArray(t, c); got != tt.want {
				t.Errorf("second batch: got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestColumnTruncate(t *testing.T) {
	f := arrow.Field{Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true}
	c := newTestColumn(t, f)
	c.ListValues().AppendString("a")
	c.AppendList()
	c.AppendNull()
	// A row that fails half-way: items appended, list not closed.
	c.ListValues().AppendString("partial")
	c.Truncate(2)
	c.ListValues().AppendString("b")
	c.ListValues().AppendString("c")
	c.AppendList()
	if got := finishArray(t, c); got != `[["a"] (null) ["b" "c"]]` {
		t.Errorf("got %s", got)
	}
	// Truncating past the length changes nothing.
	c.AppendNull()
	c.Truncate(5)
	if c.Len() != 1 {
		t.Errorf("Len %d", c.Len())
	}
	finishArray(t, c)

	u := newTestColumn(t, arrow.Field{Type: arrow.DenseUnionOf([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true}, {Name: "i", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, []arrow.UnionTypeCode{0, 1})})
	u.AppendUnion(0).AppendString("x")
	u.AppendUnion(1).AppendInt64(1)
	u.AppendUnion(1).AppendInt64(2)
	u.AppendUnion(0).AppendString("y")
	u.Truncate(2)
	u.AppendUnion(0).AppendString("z")
	if got := finishArray(t, u); got != "[{s=x} {i=1} {s=z}]" {
		t.Errorf("union got %s", got)
	}
}

func TestColumnLazyValidity(t *testing.T) {
	c := newTestColumn(t, arrow.Field{Type: arrow.PrimitiveTypes.Int64, Nullable: true})
	for i := 0; i < 100; i++ {
		c.AppendInt64(int64(i))
	}
	arr := c.NewArray()
	defer arr.Release()
	if arr.Data().Buffers()[0] != nil || arr.NullN() != 0 {
		t.Errorf("a column without nulls has a validity bitmap")
	}
	// The first null after many values keeps them valid.
	for i := 0; i < 70; i++ {
		c.AppendInt64(int64(i))
	}
	c.AppendNull()
	c.AppendInt64(1)
	arr2 := c.NewArray()
	defer arr2.Release()
	if arr2.NullN() != 1 || !arr2.IsNull(70) || arr2.IsNull(69) || arr2.IsNull(71) {
		t.Errorf("nulls %d: %s", arr2.NullN(), arr2)
	}
}

func TestNewColumnErrors(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	for _, tt := range []struct {
		field arrow.Field
		want  string
	}{
		{arrow.Field{Name: "e", Type: enumType}, `column "e": a dictionary column needs its symbols in the kafarr.avro.symbols metadata`},
		{arrow.Field{Name: "l", Type: arrow.LargeListOf(arrow.PrimitiveTypes.Int8)}, `column "l": unsupported Arrow type large_list<item: int8, nullable>`},
		{arrow.Field{Name: "s", Type: arrow.StructOf(arrow.Field{Name: "x", Type: arrow.BinaryTypes.LargeString})}, `column "x": unsupported Arrow type large_utf8`},
	} {
		if _, err := NewColumn(mem, tt.field); err == nil || err.Error() != tt.want {
			t.Errorf("got %v, want %s", err, tt.want)
		}
	}
	if _, err := NewColumn(mem, arrow.Field{Name: "e", Type: enumType, Metadata: arrow.NewMetadata([]string{MetaSymbols}, []string{"nope"})}); err == nil ||
		!strings.Contains(err.Error(), "bad kafarr.avro.symbols metadata") {
		t.Errorf("bad symbols: %v", err)
	}
}
