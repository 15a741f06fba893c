//go:build duckdb_arrow

package main

import (
	"bufio"
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestErrorLine(t *testing.T) {
	assert.Equal(t, `kafarr: topic "x" does not exist`,
		errorLine(adbc.Error{Code: adbc.StatusNotFound, Msg: `kafarr: topic "x" does not exist`, SqlState: [5]byte{'4', '2', 'S', '0', '2'}}))
	assert.Equal(t, "kafarr: duckdb: Binder Error: Referenced column \"x\" not found",
		errorLine(errors.New("duckdb: Binder Error: Referenced column \"x\" not found\n\nLINE 1: SELECT x FROM t\n        ^")))
	assert.Equal(t, "kafarr: internal error: boom",
		errorLine(adbc.Error{Msg: "kafarr: internal error: boom (please report it with this stack: goroutine 1 [running]:\nmain.main()"}))
}

func TestRunUsage(t *testing.T) {
	var out, errb bytes.Buffer
	assert.Equal(t, exitUsage, run(nil, nil, &out, &errb))
	assert.Contains(t, errb.String(), "usage:")
	errb.Reset()
	assert.Equal(t, exitOK, run([]string{"sql", "-h"}, nil, &out, &errb))
	assert.Contains(t, errb.String(), "-format string")
	errb.Reset()
	assert.Equal(t, exitUsage, run([]string{"sql", "--format", "xml", "--uri", "kafka://h:1", "SELECT 1"}, nil, &out, &errb))
	assert.Equal(t, "kafarr: --format \"xml\": want one of table, csv, json, parquet, arrow\n", errb.String())
	assert.Empty(t, out.String())
}

func TestFitColumns(t *testing.T) {
	w := []int{4, 30, 10}
	assert.Equal(t, 3, fitColumns(w, 0))
	assert.Equal(t, []int{4, 30, 10}, w)

	w = []int{4, 30, 10}
	assert.Equal(t, 3, fitColumns(w, 30)) // " 4 | x | y": 4+x+y+7 = 30
	assert.Equal(t, []int{4, 9, 10}, w)

	w = []int{20, 20, 20, 20}
	assert.Equal(t, 2, fitColumns(w, 16)) // all squeezed to 6: " 6 | 6" is 16
	assert.Equal(t, []int{6, 6, 6, 6}, w)
}

func TestCells(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}},
		{Name: "local", Type: &arrow.TimestampType{Unit: arrow.Microsecond}},
		{Name: "f", Type: arrow.PrimitiveTypes.Float64},
		{Name: "b", Type: arrow.BinaryTypes.Binary},
		{Name: "m", Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.BinaryTypes.Binary)},
		{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Int32)},
		{Name: "s", Type: arrow.StructOf(arrow.Field{Name: "x", Type: arrow.BinaryTypes.String, Nullable: true})},
		{Name: "d", Type: &arrow.Decimal128Type{Precision: 10, Scale: 2}},
		{Name: "e", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	b.Field(0).(*array.TimestampBuilder).Append(1_700_000_000_123)
	b.Field(1).(*array.TimestampBuilder).Append(1_700_000_000_123_456)
	b.Field(2).(*array.Float64Builder).AppendValues([]float64{math.NaN()}, nil)
	b.Field(3).(*array.BinaryBuilder).Append([]byte{0, 0xff})
	mb := b.Field(4).(*array.MapBuilder)
	mb.Append(true)
	mb.KeyBuilder().(*array.StringBuilder).Append("h\"1")
	mb.ItemBuilder().(*array.BinaryBuilder).Append([]byte("v"))
	lb := b.Field(5).(*array.ListBuilder)
	lb.Append(true)
	lb.ValueBuilder().(*array.Int32Builder).AppendValues([]int32{1, 2}, nil)
	sb := b.Field(6).(*array.StructBuilder)
	sb.Append(true)
	sb.FieldBuilder(0).AppendNull()
	b.Field(7).(*array.Decimal128Builder).Append(decimal128.FromI64(-12345))
	require.NoError(t, b.Field(8).(*array.BinaryDictionaryBuilder).AppendString("GBP"))
	rec := b.NewRecordBatch()
	defer rec.Release()

	var text []string
	for _, col := range rec.Columns() {
		text = append(text, string(appendText(nil, col, 0, binaryHex)))
	}
	assert.Equal(t, []string{"2023-11-14T22:13:20.123Z", "2023-11-14T22:13:20.123456", "NaN", "0x00ff",
		`{"h\"1":"dg=="}`, "[1,2]", `{"x":null}`, "-123.45", "GBP"}, text)

	var buf bytes.Buffer
	w := &jsonWriter{w: bufio.NewWriter(&buf), schema: schema}
	require.NoError(t, w.Write(rec))
	require.NoError(t, w.Close())
	assert.Equal(t, `{"ts":"2023-11-14T22:13:20.123Z","local":"2023-11-14T22:13:20.123456","f":null,"b":"AP8=",`+
		`"m":{"h\"1":"dg=="},"l":[1,2],"s":{"x":null},"d":-123.45,"e":"GBP"}`+"\n", buf.String())
}

func TestProfiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "profiles.toml")
	require.NoError(t, os.WriteFile(path, []byte(`
[default]
uri = "kafka://a:1"
[x]
uri = "kafka://b:2"
kafarr.read.timeout_ms = 5000
"kafarr.read.follow" = true
`), 0o600))
	env := func(vars map[string]string) *cmdEnv {
		return &cmdEnv{getenv: func(k string) string { return vars[k] }}
	}
	c := &connFlags{}
	opts, err := c.options(env(map[string]string{envConfig: path}))
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"uri": "kafka://a:1"}, opts)

	c = &connFlags{profile: "x", opts: optList{"kafarr.read.timeout_ms=7000"}}
	opts, err = c.options(env(map[string]string{envConfig: path}))
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"uri": "kafka://b:2", "kafarr.read.timeout_ms": "7000", "kafarr.read.follow": "true"}, opts)

	// KAFARR_URI skips the default profile; an explicit profile it does not.
	c = &connFlags{}
	opts, err = c.options(env(map[string]string{envConfig: path, envURI: "kafka://c:3"}))
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"uri": "kafka://c:3"}, opts)

	c = &connFlags{profile: "nope"}
	_, err = c.options(env(map[string]string{envConfig: path}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `profile "nope" is not in `+path)

	c = &connFlags{}
	_, err = c.options(env(map[string]string{envConfig: filepath.Join(dir, "missing.toml")}))
	var ue usageError
	require.ErrorAs(t, err, &ue)
	assert.True(t, strings.HasPrefix(ue.msg, "no connection"))
}
