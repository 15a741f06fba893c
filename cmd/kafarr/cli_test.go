//go:build duckdb_arrow

package main

// Acceptance tests of the kafarr command: they build the binary, run it
// against the real stack (tests/stack, addresses from .build/stack/env,
// see internal/testenv) and read what it wrote with independent readers:
// pyarrow, pandas, DuckDB and Python's csv and json modules, from the
// project's venv (make cshared py-venv).

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kafarr/kafarr/driver"
	"github.com/kafarr/kafarr/internal/testenv"
)

// repoRoot is the root module's directory, relative to this package.
const repoRoot = "../.."

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// cliBinary builds the kafarr command once per test run.
func cliBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "kafarr-cli-test-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "kafarr")
		out, err := exec.Command("go", "build", "-tags", "duckdb_arrow", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	require.NoError(t, buildErr)
	return binPath
}

// stackURI is the real stack's connection URI.
func stackURI(t *testing.T) string {
	t.Helper()
	brokers, registry := testenv.Brokers(t), testenv.Registry(t)
	return "kafka://" + brokers + "?schema_registry.url=" + url.QueryEscape(registry)
}

// venvPython is the project's venv interpreter.
func venvPython(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join(repoRoot, ".build", "venv", "bin", "python"))
	require.NoError(t, err)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv(testenv.EnvRequireStack) == "1" {
			t.Fatalf("%s is missing: build it with make cshared py-venv", p)
		}
		t.Skipf("%s is missing: build it with make cshared py-venv", p)
	}
	return p
}

// python runs a script in the venv and returns its stdout.
func python(t *testing.T, uri, script string, args ...string) string {
	t.Helper()
	cmd := exec.Command(venvPython(t), append([]string{"-c", script}, args...)...)
	cmd.Env = append(os.Environ(), "KAFARR_URI="+uri)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "python: %s", stderr.String())
	return string(out)
}

// cliResult is one run of the command.
type cliResult struct {
	stdout, stderr string
	code           int
}

// runCLI runs the command with KAFARR_URI set to uri (unless empty).
func runCLI(t *testing.T, uri string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, cliBinary(t), args...)
	cmd.Env = cliEnv(t, uri)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return cliResult{stdout.String(), stderr.String(), code}
}

// cliEnv is the command's environment: no profile file, the URI given.
func cliEnv(t *testing.T, uri string) []string {
	env := []string{"KAFARR_CONFIG=" + filepath.Join(t.TempDir(), "none.toml"), "PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	if uri != "" {
		env = append(env, "KAFARR_URI="+uri)
	}
	return env
}

// mustRun runs the command and requires success.
func mustRun(t *testing.T, uri string, args ...string) string {
	t.Helper()
	r := runCLI(t, uri, args...)
	require.Equal(t, 0, r.code, "kafarr %s\nstderr: %s", strings.Join(args, " "), r.stderr)
	return r.stdout
}

// ticks is the produced data of a test, column by column.
type ticks struct {
	inst []string
	t    []int64
	dt   []int32
	bid  []float64
	ask  []float32
	raw  [][]byte // nil is null
	ts   []int64  // milliseconds
	flag []bool
	qty  []*int64
	p    []int32 // partition
}

var instruments = []string{"EURUSD", "GBPUSD", "USDJPY", "AUD,\"NZD\""}

// makeTicks returns n deterministic rows spread over partitions.
func makeTicks(n, partitions int) *ticks {
	d := &ticks{}
	base := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC).UnixMilli()
	for i := 0; i < n; i++ {
		d.inst = append(d.inst, instruments[(i*7+i/3)%len(instruments)])
		d.t = append(d.t, int64(i)*1_000_003)
		d.dt = append(d.dt, int32(i%11)-5)
		d.bid = append(d.bid, 1+float64((i*37)%1000)/997.0)
		d.ask = append(d.ask, float32(1.1+float64((i*53)%1000)/991.0))
		if i%6 == 5 {
			d.raw = append(d.raw, nil)
		} else {
			d.raw = append(d.raw, []byte{byte(i), byte(i >> 8), 0, 0xff, '\n'})
		}
		d.ts = append(d.ts, base+int64(i)*1001)
		d.flag = append(d.flag, i%3 == 0)
		if i%5 == 4 {
			d.qty = append(d.qty, nil)
		} else {
			q := int64(i*i) - 1000
			d.qty = append(d.qty, &q)
		}
		d.p = append(d.p, int32(i%partitions))
	}
	return d
}

var ticksSchema = arrow.NewSchema([]arrow.Field{
	{Name: "inst", Type: arrow.BinaryTypes.String},
	{Name: "t", Type: arrow.PrimitiveTypes.Int64},
	{Name: "dt", Type: arrow.PrimitiveTypes.Int32},
	{Name: "bid", Type: arrow.PrimitiveTypes.Float64},
	{Name: "ask", Type: arrow.PrimitiveTypes.Float32},
	{Name: "raw", Type: arrow.BinaryTypes.Binary, Nullable: true},
	{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}},
	{Name: "flag", Type: arrow.FixedWidthTypes.Boolean},
	{Name: "qty", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "p", Type: arrow.PrimitiveTypes.Int32},
}, nil)

// record builds rows [from, to) as an Arrow record.
func (d *ticks) record(mem memory.Allocator, from, to int) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, ticksSchema)
	defer b.Release()
	for i := from; i < to; i++ {
		b.Field(0).(*array.StringBuilder).Append(d.inst[i])
		b.Field(1).(*array.Int64Builder).Append(d.t[i])
		b.Field(2).(*array.Int32Builder).Append(d.dt[i])
		b.Field(3).(*array.Float64Builder).Append(d.bid[i])
		b.Field(4).(*array.Float32Builder).Append(d.ask[i])
		if d.raw[i] == nil {
			b.Field(5).AppendNull()
		} else {
			b.Field(5).(*array.BinaryBuilder).Append(d.raw[i])
		}
		b.Field(6).(*array.TimestampBuilder).Append(arrow.Timestamp(d.ts[i]))
		b.Field(7).(*array.BooleanBuilder).Append(d.flag[i])
		if d.qty[i] == nil {
			b.Field(8).AppendNull()
		} else {
			b.Field(8).(*array.Int64Builder).Append(*d.qty[i])
		}
		b.Field(9).(*array.Int32Builder).Append(d.p[i])
	}
	return b.NewRecordBatch()
}

// produce ingests rec into topic through the driver (not the CLI), into
// partitions partitions, each row to the partition in column p.
func produce(t *testing.T, uri, topic string, rec arrow.RecordBatch, partitions int) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	db, err := driver.NewDriver(mem).NewDatabase(map[string]string{"uri": uri})
	require.NoError(t, err)
	defer db.Close()
	cn, err := db.Open(ctx)
	require.NoError(t, err)
	defer cn.Close()
	st, err := cn.NewStatement()
	require.NoError(t, err)
	defer st.Close()
	require.NoError(t, st.SetOption(adbc.OptionKeyIngestTargetTable, topic))
	require.NoError(t, st.SetOption(adbc.OptionKeyIngestMode, adbc.OptionValueIngestModeCreateAppend))
	require.NoError(t, st.SetOption("kafarr.ingest.partitions", strconv.Itoa(partitions)))
	if rec.Schema().HasField("p") {
		require.NoError(t, st.SetOption("kafarr.ingest.partition_column", "p"))
	}
	require.NoError(t, st.Bind(ctx, rec))
	n, err := st.ExecuteUpdate(ctx)
	require.NoError(t, err)
	require.Equal(t, rec.NumRows(), n)
}

// produceTicks produces d's rows [from, to) to topic.
func produceTicks(t *testing.T, uri, topic string, d *ticks, from, to, partitions int) {
	t.Helper()
	rec := d.record(memory.DefaultAllocator, from, to)
	defer rec.Release()
	produce(t, uri, topic, rec, partitions)
}

// readBack normalizes what a format wrote into JSON: {"schema": {col:
// type} (Arrow formats only), "rows": [[...], ...]} with timestamps as
// epoch milliseconds and bytes as base64, read by pyarrow (parquet, arrow)
// or Python's csv and json modules.
const readBack = `
import base64, csv, datetime, json, sys
fmt, path, kinds = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
cols = list(kinds)
epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
def ms(s):
    return (datetime.datetime.fromisoformat(s) - epoch) // datetime.timedelta(milliseconds=1)
out = {"schema": {}, "rows": []}
if fmt in ("parquet", "arrow"):
    import pyarrow as pa, pyarrow.ipc, pyarrow.parquet as pq
    if fmt == "parquet":
        t = pq.read_table(path)
    else:
        with open(path, "rb") as f:
            t = pa.ipc.open_stream(f).read_all()
    out["schema"] = {f.name: str(f.type) for f in t.schema}
    for i, f in enumerate(t.schema):
        if pa.types.is_timestamp(f.type):
            t = t.set_column(i, f.name, t.column(i).cast(pa.int64()))
    for r in t.to_pylist():
        out["rows"].append([base64.b64encode(r[c]).decode() if isinstance(r[c], bytes) else r[c] for c in cols])
elif fmt == "csv":
    with open(path, newline="") as f:
        rd = csv.reader(f)
        assert next(rd) == cols, "header"
        for rec in rd:
            row = []
            for c, v in zip(cols, rec):
                k = kinds[c]
                if v == "":
                    row.append(None if k != "str" else "")
                elif k == "int":
                    row.append(int(v))
                elif k == "float":
                    row.append(float(v))
                elif k == "bool":
                    row.append({"true": True, "false": False}[v])
                elif k == "ts":
                    row.append(ms(v))
                else:
                    row.append(v)
            out["rows"].append(row)
else:
    with open(path) as f:
        for line in f:
            obj = json.loads(line)
            assert list(obj) == cols, "keys"
            out["rows"].append([ms(obj[c]) if kinds[c] == "ts" and obj[c] is not None else obj[c] for c in cols])
print(json.dumps(out))
`

// tickKinds tells readBack how to read each column.
const tickKinds = `{"inst":"str","t":"int","dt":"int","bid":"float","ask":"float","raw":"bin","ts":"ts","flag":"bool","qty":"int"}`

// wantRow is row i as readBack reports it, for comparison.
func (d *ticks) wantRow(i int) []any {
	var raw, qty any
	if d.raw[i] != nil {
		raw = base64Std(d.raw[i])
	}
	if d.qty[i] != nil {
		qty = *d.qty[i]
	}
	return []any{d.inst[i], d.t[i], int64(d.dt[i]), d.bid[i], d.ask[i], raw, d.ts[i], d.flag[i], qty}
}

func base64Std(b []byte) string {
	return string(appendBytes(nil, b, binaryBase64))
}

// sameRow compares a readBack row with a wanted one, exactly: floats as
// the float64 or float32 they were produced as.
func sameRow(t *testing.T, want []any, got []any, where string) {
	t.Helper()
	require.Len(t, got, len(want), where)
	for j, w := range want {
		g := got[j]
		if w == nil || g == nil {
			assert.Equal(t, w, g, "%s column %d", where, j)
			continue
		}
		switch w := w.(type) {
		case int64:
			n, ok := g.(json.Number)
			require.True(t, ok, "%s column %d: %T %v", where, j, g, g)
			v, err := n.Int64()
			require.NoError(t, err)
			assert.Equal(t, w, v, "%s column %d", where, j)
		case float64:
			v, err := g.(json.Number).Float64()
			require.NoError(t, err)
			assert.Equal(t, w, v, "%s column %d", where, j)
		case float32:
			v, err := g.(json.Number).Float64()
			require.NoError(t, err)
			assert.Equal(t, w, float32(v), "%s column %d", where, j)
		default:
			assert.Equal(t, w, g, "%s column %d", where, j)
		}
	}
}

// decodeJSON decodes with numbers kept as json.Number.
func decodeJSON(t *testing.T, s string, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	require.NoError(t, dec.Decode(v), s)
}

func TestCLIFormatsReadBack(t *testing.T) {
	uri := stackURI(t)
	topic := testenv.Topic(t)
	d := makeTicks(2500, 1)
	produceTicks(t, uri, topic, d, 0, len(d.t), 1)
	dir := t.TempDir()
	query := fmt.Sprintf(`SELECT inst, t, dt, bid, ask, raw, ts, flag, qty FROM %q`, topic)
	for _, format := range []string{formatCSV, formatJSON, formatParquet, formatArrow} {
		t.Run(format, func(t *testing.T) {
			path := filepath.Join(dir, "out."+format)
			stdout := mustRun(t, uri, "sql", "--format", format, "-o", path, query)
			assert.Empty(t, stdout)
			var got struct {
				Schema map[string]string
				Rows   [][]any
			}
			decodeJSON(t, python(t, uri, readBack, format, path, tickKinds), &got)
			require.Len(t, got.Rows, len(d.t))
			for i, row := range got.Rows {
				sameRow(t, d.wantRow(i), row, fmt.Sprintf("%s row %d", format, i))
			}
			if format == formatParquet || format == formatArrow {
				assert.Equal(t, "timestamp[ms, tz=UTC]", got.Schema["ts"])
				assert.Equal(t, "float", got.Schema["ask"])
				assert.Equal(t, "int32", got.Schema["dt"])
			}
			if format == formatCSV || format == formatJSON {
				b, err := os.ReadFile(path)
				require.NoError(t, err)
				assert.Contains(t, string(b), "2024-03-01T12:00:00.000Z", "timestamps are RFC 3339 in UTC")
			}
		})
	}

	// The same through a pipe: stdout carries the Arrow IPC stream.
	r := runCLI(t, uri, "sql", "--format", "arrow", query+" LIMIT 3")
	require.Equal(t, 0, r.code, r.stderr)
	path := filepath.Join(dir, "piped.arrow")
	require.NoError(t, os.WriteFile(path, []byte(r.stdout), 0o600))
	var got struct{ Rows [][]any }
	decodeJSON(t, python(t, uri, readBack, "arrow", path, tickKinds), &got)
	require.Len(t, got.Rows, 3)
	sameRow(t, d.wantRow(2), got.Rows[2], "piped row 2")
}

func TestCLITable(t *testing.T) {
	uri := stackURI(t)
	topic := testenv.Topic(t)
	d := makeTicks(100, 1)
	produceTicks(t, uri, topic, d, 0, len(d.t), 1)

	out := mustRun(t, uri, "sql", "--max-rows", "4", fmt.Sprintf(`SELECT t, inst FROM %q`, topic))
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	require.Len(t, lines, 8, out)
	assert.Regexp(t, `^ +t \| inst$`, lines[0])
	assert.Regexp(t, `^-+\+-+$`, lines[1])
	for k, i := range map[int]int{2: 0, 3: 1, 5: 98, 6: 99} {
		assert.Regexp(t, fmt.Sprintf(`^ *%d \| %s *$`, d.t[i], regexp.QuoteMeta(d.inst[i])), lines[k])
	}
	assert.Regexp(t, `^ +… \| … *$`, lines[4])
	assert.Equal(t, "(100 rows, 4 shown; --max-rows 0 shows all)", lines[7])

	// Fitting a narrow terminal truncates the widest column, then leaves
	// columns out and names them.
	out = mustRun(t, uri, "sql", "--width", "40", "--max-rows", "2", fmt.Sprintf(`SELECT inst, raw, ts, qty FROM %q`, topic))
	for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n")[:4] {
		assert.LessOrEqual(t, len([]rune(l)), 40, l)
	}
	assert.Contains(t, out, "…")
}

// TestCLIGroupByMatchesPandas aggregates a topic in the CLI (DuckDB over
// kafarr's read) and in pandas over the produced rows.
func TestCLIGroupByMatchesPandas(t *testing.T) {
	uri := stackURI(t)
	topic := testenv.Topic(t)
	d := makeTicks(6000, 3)
	produceTicks(t, uri, topic, d, 0, len(d.t), 3)

	out := mustRun(t, uri, "sql", "--format", "json", fmt.Sprintf(
		`SELECT inst, count(*) AS n, sum(bid) AS s, avg(ask) AS a, min(t) AS mn, max(dt) AS mx, count(qty) AS nq
		 FROM %q GROUP BY inst ORDER BY inst`, topic))
	produced := filepath.Join(t.TempDir(), "produced.json")
	rows := make([]map[string]any, len(d.t))
	for i := range d.t {
		var qty any
		if d.qty[i] != nil {
			qty = *d.qty[i]
		}
		rows[i] = map[string]any{"inst": d.inst[i], "t": d.t[i], "dt": d.dt[i], "bid": d.bid[i], "ask": float64(d.ask[i]), "qty": qty}
	}
	b, err := json.Marshal(rows)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(produced, b, 0o600))
	cliOut := filepath.Join(t.TempDir(), "cli.json")
	require.NoError(t, os.WriteFile(cliOut, []byte(out), 0o600))

	res := python(t, uri, `
import json, math, sys
import numpy as np, pandas as pd
df = pd.DataFrame(json.load(open(sys.argv[1])))
# ask was produced as float32; its mean is taken in float64, as DuckDB does
# (pandas' agg would cast a float32 column's mean back to float32).
df["ask"] = df["ask"].astype(np.float32).astype(np.float64)
g = df.groupby("inst").agg(n=("t", "size"), s=("bid", "sum"), a=("ask", "mean"),
                           mn=("t", "min"), mx=("dt", "max"), nq=("qty", "count")).reset_index().sort_values("inst")
cli = [json.loads(l) for l in open(sys.argv[2])]
assert [r["inst"] for r in cli] == list(g["inst"]), ([r["inst"] for r in cli], list(g["inst"]))
for r, (_, w) in zip(cli, g.iterrows()):
    assert r["n"] == w["n"] and r["mn"] == w["mn"] and r["mx"] == w["mx"] and r["nq"] == w["nq"], (r, dict(w))
    assert math.isclose(r["s"], w["s"], rel_tol=1e-12), (r, dict(w))
    assert math.isclose(r["a"], w["a"], rel_tol=1e-12), (r, dict(w))
print(len(cli))
`, produced, cliOut)
	assert.Equal(t, strconv.Itoa(len(instruments)), strings.TrimSpace(res))
}

// TestCLIJoinMatchesDuckDB joins two topics in the CLI and in Python's
// DuckDB over full reads of both topics (adbc_kafarr into pyarrow).
func TestCLIJoinMatchesDuckDB(t *testing.T) {
	uri := stackURI(t)
	ticksTopic, instTopic := testenv.Topic(t), testenv.Topic(t)
	d := makeTicks(3000, 3)
	produceTicks(t, uri, ticksTopic, d, 0, len(d.t), 3)

	ib := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema([]arrow.Field{
		{Name: "inst", Type: arrow.BinaryTypes.String}, {Name: "name", Type: arrow.BinaryTypes.String},
		{Name: "lot", Type: arrow.PrimitiveTypes.Int32},
	}, nil))
	for i, in := range instruments[:3] { // the fourth has no row: the inner join drops it
		ib.Field(0).(*array.StringBuilder).Append(in)
		ib.Field(1).(*array.StringBuilder).Append("name of " + in)
		ib.Field(2).(*array.Int32Builder).Append(int32(1000 * (i + 1)))
	}
	irec := ib.NewRecordBatch()
	ib.Release()
	produce(t, uri, instTopic, irec, 1)
	irec.Release()

	join := `SELECT i.name, count(*) AS n, sum(t.bid * i.lot) AS notional, max(t._offset) AS last
	         FROM %s t JOIN %s i ON t.inst = i.inst WHERE t._partition IN (0, 2) GROUP BY i.name ORDER BY i.name`
	out := mustRun(t, uri, "sql", "--format", "json", fmt.Sprintf(join, quoteIdent(ticksTopic), quoteIdent(instTopic)))
	cliOut := filepath.Join(t.TempDir(), "cli.json")
	require.NoError(t, os.WriteFile(cliOut, []byte(out), 0o600))

	// The pushdown: partition 1 is never read.
	explain := mustRun(t, uri, "sql", "--explain", fmt.Sprintf(join, quoteIdent(ticksTopic), quoteIdent(instTopic)))
	assert.Contains(t, explain, `WHERE _partition IN (0, 2)`)
	assert.Contains(t, explain, `start offsets: {"0":0,"2":0}`)
	assert.Contains(t, explain, `end offsets:   {"0":1000,"2":1000}`)

	res := python(t, uri, `
import json, math, os, sys
import adbc_kafarr.dbapi, duckdb
with adbc_kafarr.dbapi.connect(os.environ["KAFARR_URI"]) as conn, conn.cursor() as cur:
    cur.execute('SELECT * FROM "%s"' % sys.argv[1]); ticks = cur.fetch_arrow_table()
    cur.execute('SELECT * FROM "%s"' % sys.argv[2]); inst = cur.fetch_arrow_table()
want = duckdb.sql(sys.argv[3].replace("%s", "ticks", 1).replace("%s", "inst", 1)).fetchall()
cli = [json.loads(l) for l in open(sys.argv[4])]
assert len(cli) == len(want), (cli, want)
for r, w in zip(cli, want):
    assert (r["name"], r["n"], r["last"]) == (w[0], w[1], w[3]), (r, w)
    assert math.isclose(r["notional"], w[2], rel_tol=1e-12), (r, w)
print(len(cli))
`, ticksTopic, instTopic, join, cliOut)
	// Partitions 0 and 2 hold two of the three joined instruments.
	assert.Equal(t, "2", strings.TrimSpace(res))

	// A self-join reads the topic once (one snapshot) and sees each row
	// once on each side.
	out = mustRun(t, uri, "sql", "--format", "csv", fmt.Sprintf(
		`SELECT count(*) AS n FROM %s a JOIN %s b ON a._partition = b._partition AND a._offset = b._offset`,
		quoteIdent(ticksTopic), quoteIdent(ticksTopic)))
	assert.Equal(t, "n\n3000\n", out)
}

// TestCLIPushdownLimit: a LIMIT the driver cannot take itself (the query
// has an alias) is pushed into the read, with the bounds.
func TestCLIPushdownLimit(t *testing.T) {
	uri := stackURI(t)
	topic := testenv.Topic(t)
	d := makeTicks(900, 3)
	produceTicks(t, uri, topic, d, 0, len(d.t), 3)
	q := fmt.Sprintf(`SELECT k.t, upper(k.inst) AS u FROM %s AS k WHERE k._partition = 1 AND k._offset >= 100 LIMIT 5`, quoteIdent(topic))
	explain := mustRun(t, uri, "sql", "--explain", "--engine", "duckdb", q)
	assert.Contains(t, explain, fmt.Sprintf(`kafarr: SELECT "inst", "t", "_partition", "_offset" FROM %s WHERE _partition = 1 AND _offset >= 100 LIMIT 5`, quoteIdent(topic)), explain)
	assert.Contains(t, explain, `start offsets: {"1":100}`)
	out := mustRun(t, uri, "sql", "--format", "csv", "--engine", "duckdb", q)
	var want strings.Builder
	want.WriteString("t,u\n")
	for i := 0; i < 5; i++ {
		row := (100+i)*3 + 1 // partition 1 holds rows 1, 4, 7, ...
		fmt.Fprintf(&want, "%d,%s\n", d.t[row], csvField(strings.ToUpper(d.inst[row])))
	}
	assert.Equal(t, want.String(), out)
}

func csvField(s string) string {
	if strings.ContainsAny(s, ",\"\n") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

// TestCLIFollow: --follow prints rows produced after it started and, on
// SIGINT, flushes them and exits 130.
func TestCLIFollow(t *testing.T) {
	uri := stackURI(t)
	topic := testenv.Topic(t)
	d := makeTicks(30, 1)
	produceTicks(t, uri, topic, d, 0, 10, 1)

	cmd := exec.Command(cliBinary(t), "sql", "--follow", "--format", "json", fmt.Sprintf(`SELECT t FROM %q`, topic))
	cmd.Env = cliEnv(t, uri)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr syncBuffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var got []string
	waitRows := func(n int) {
		t.Helper()
		deadline := time.After(60 * time.Second)
		for len(got) < n {
			select {
			case l, ok := <-lines:
				require.True(t, ok, "output ended after %d rows; stderr: %s", len(got), stderr.String())
				got = append(got, l)
			case <-deadline:
				_ = cmd.Process.Kill()
				t.Fatalf("only %d of %d rows within 60 s; stderr: %s", len(got), n, stderr.String())
			}
		}
	}
	waitRows(10)
	produceTicks(t, uri, topic, d, 10, 20, 1)
	waitRows(20)
	produceTicks(t, uri, topic, d, 20, 30, 1)
	waitRows(30)

	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	for l := range lines {
		got = append(got, l)
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "stderr: %s", stderr.String())
	assert.Equal(t, 130, ee.ExitCode(), "stderr: %s", stderr.String())
	assert.Empty(t, stderr.String())
	require.Len(t, got, 30)
	for i, l := range got {
		assert.Equal(t, fmt.Sprintf(`{"t":%d}`, d.t[i]), l)
	}
}

// TestCLIErrors: each failure is one line on stderr and a non-zero exit.
func TestCLIErrors(t *testing.T) {
	uri := stackURI(t)
	topic := testenv.Topic(t)
	produceTicks(t, uri, topic, makeTicks(3, 1), 0, 3, 1)
	missing := testenv.Topic(t)
	cases := []struct {
		name, uri string
		args      []string
		code      int
		msg       string
	}{
		{"bad SQL", uri, []string{"sql", "SELEC * FROM x"}, 1, `kafarr: SQL syntax error: syntax error at or near "SELEC"`},
		{"bad SQL in the driver's subset", uri, []string{"sql", fmt.Sprintf("SELECT * FROM %q WHERE", topic)}, 1, "kafarr: SQL syntax error"},
		{"unknown column", uri, []string{"sql", fmt.Sprintf("SELECT nope FROM %q", topic)}, 1, "nope"},
		{"unknown topic", uri, []string{"sql", fmt.Sprintf("SELECT * FROM %q", missing)}, 1, fmt.Sprintf("kafarr: topic %q does not exist", missing)},
		{"unknown topic in DuckDB", uri, []string{"sql", fmt.Sprintf("SELECT count(*) FROM %q", missing)}, 1, fmt.Sprintf("kafarr: topic %q does not exist", missing)},
		{"unknown topic in describe", uri, []string{"describe", missing}, 1, fmt.Sprintf("kafarr: topic %q does not exist", missing)},
		{"unreachable broker", "kafka://127.0.0.1:1", []string{"sql", "SELECT * FROM ticks"}, 1, "kafarr: cannot connect to Kafka broker(s) 127.0.0.1:1"},
		{"unreachable broker, credentials in the URI", "kafka://analyst:s3cr3t-pw@127.0.0.1:1?schema_registry.password=s3cr3t-reg",
			[]string{"sql", "SELECT * FROM ticks"}, 1, "kafarr: cannot connect to Kafka broker(s) 127.0.0.1:1"},
		{"no connection", "", []string{"topics"}, 2, "kafarr: no connection"},
		{"bad option", uri, []string{"sql", "--opt", "kafarr.read.nope=1", "SELECT 1"}, 1, "kafarr.read.nope"},
		{"bad flag", uri, []string{"sql", "--nope", "SELECT 1"}, 2, "kafarr: sql: flag provided but not defined: -nope"},
		{"unknown command", uri, []string{"frobnicate"}, 2, `kafarr: unknown command "frobnicate"`},
		{"not a SELECT", uri, []string{"sql", "--engine", "duckdb", "CREATE TABLE x (a INT)"}, 1, "kafarr: kafarr sql runs SELECT queries"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, tc.uri, tc.args...)
			assert.Equal(t, tc.code, r.code, r.stderr)
			assert.Empty(t, r.stdout)
			assert.Equal(t, 1, strings.Count(r.stderr, "\n"), "one line: %q", r.stderr)
			assert.True(t, strings.HasPrefix(r.stderr, "kafarr: "), r.stderr)
			assert.Contains(t, r.stderr, tc.msg)
			assert.NotContains(t, r.stderr, "goroutine")
			assert.NotContains(t, r.stderr, "s3cr3t")
		})
	}
}

// TestCLITopicsDescribe lists and describes a topic.
func TestCLITopicsDescribe(t *testing.T) {
	uri := stackURI(t)
	topic := testenv.Topic(t)
	d := makeTicks(30, 3)
	produceTicks(t, uri, topic, d, 0, len(d.t), 3)

	out := mustRun(t, uri, "topics", "--format", "csv", topic)
	assert.Equal(t, "topic,partitions,messages,approximate\n"+topic+",3,30,false\n", out)

	out = mustRun(t, uri, "describe", "--format", "json", topic)
	var desc struct {
		Topic, Subject string
		Version        int
		SchemaID       *int `json:"schema_id"`
		Messages       int
		Columns        []struct {
			Name, Type string
			Nullable   bool
		}
		Partitions []struct {
			Partition   int
			StartOffset int64 `json:"start_offset"`
			EndOffset   int64 `json:"end_offset"`
		}
	}
	require.NoError(t, json.Unmarshal([]byte(out), &desc), out)
	assert.Equal(t, topic, desc.Topic)
	assert.Equal(t, topic+"-value", desc.Subject)
	assert.Equal(t, 1, desc.Version)
	require.NotNil(t, desc.SchemaID)
	assert.Equal(t, 30, desc.Messages)
	var names []string
	for _, c := range desc.Columns {
		names = append(names, c.Name+" "+c.Type)
	}
	assert.Equal(t, []string{"inst utf8", "t int64", "dt int32", "bid float64", "ask float32", "raw binary",
		"ts timestamp[ms, tz=UTC] (avro timestamp-millis)", "flag bool", "qty int64",
		"_partition int32", "_offset int64", "_timestamp timestamp[ms, tz=UTC]"}, names)
	require.Len(t, desc.Partitions, 3)
	for i, p := range desc.Partitions {
		assert.Equal(t, i, p.Partition)
		assert.Equal(t, int64(0), p.StartOffset)
		assert.Equal(t, int64(10), p.EndOffset)
	}

	text := mustRun(t, uri, "describe", topic)
	assert.Contains(t, text, fmt.Sprintf("subject: %s-value, version 1, schema id %d", topic, *desc.SchemaID))
}

// TestCLIIngest produces a CSV typed from the subject and a Parquet file
// the CLI exported, and reads both back.
func TestCLIIngest(t *testing.T) {
	uri := stackURI(t)
	topic := testenv.Topic(t)
	d := makeTicks(20, 1)
	produceTicks(t, uri, topic, d, 0, 10, 1) // registers <topic>-value

	// CSV rows 10..19, typed by the subject: dt int32, ask float32, ts
	// a timestamp, raw base64 bytes.
	var csvText strings.Builder
	csvText.WriteString("inst,t,dt,bid,ask,raw,ts,flag,qty,p\n")
	for i := 10; i < 20; i++ {
		raw := ""
		if d.raw[i] != nil {
			raw = base64Std(d.raw[i])
		}
		qty := ""
		if d.qty[i] != nil {
			qty = strconv.FormatInt(*d.qty[i], 10)
		}
		fmt.Fprintf(&csvText, "%s,%d,%d,%s,%s,%s,%s,%t,%s,0\n", csvField(d.inst[i]), d.t[i], d.dt[i],
			strconv.FormatFloat(d.bid[i], 'g', -1, 64), strconv.FormatFloat(float64(d.ask[i]), 'g', -1, 32), raw,
			time.UnixMilli(d.ts[i]).UTC().Format("2006-01-02T15:04:05.000Z"), d.flag[i], qty)
	}
	csvPath := filepath.Join(t.TempDir(), "more.csv")
	require.NoError(t, os.WriteFile(csvPath, []byte(csvText.String()), 0o600))
	assert.Equal(t, "10 rows produced to topic "+topic+"\n", mustRun(t, uri, "ingest", "--mode", "append", topic, csvPath))

	dir := t.TempDir()
	all := filepath.Join(dir, "all.json")
	mustRun(t, uri, "sql", "--format", "json", "-o", all, fmt.Sprintf(`SELECT inst, t, dt, bid, ask, raw, ts, flag, qty FROM %q`, topic))
	var got struct{ Rows [][]any }
	decodeJSON(t, python(t, uri, readBack, "json", all, tickKinds), &got)
	require.Len(t, got.Rows, 20)
	for i, row := range got.Rows {
		sameRow(t, d.wantRow(i), row, fmt.Sprintf("row %d", i))
	}

	// Parquet: export, ingest into a new topic, compare.
	pq := filepath.Join(dir, "all.parquet")
	mustRun(t, uri, "sql", "--format", "parquet", "-o", pq, fmt.Sprintf(`SELECT inst, t, dt, bid, ask, raw, ts, flag, qty FROM %q`, topic))
	copyTopic := testenv.Topic(t)
	assert.Equal(t, "20 rows produced to topic "+copyTopic+"\n", mustRun(t, uri, "ingest", "--partitions", "2", copyTopic, pq))
	copied := filepath.Join(dir, "copied.json")
	mustRun(t, uri, "sql", "--format", "json", "-o", copied, fmt.Sprintf(`SELECT inst, t, dt, bid, ask, raw, ts, flag, qty FROM %q ORDER BY t`, copyTopic))
	decodeJSON(t, python(t, uri, readBack, "json", copied, tickKinds), &got)
	require.Len(t, got.Rows, 20)
	for i, row := range got.Rows {
		sameRow(t, d.wantRow(i), row, fmt.Sprintf("copied row %d", i))
	}
}

// TestCLIProfile connects through a profile file.
func TestCLIProfile(t *testing.T) {
	uri := stackURI(t)
	topic := testenv.Topic(t)
	produceTicks(t, uri, topic, makeTicks(4, 1), 0, 4, 1)
	prof := filepath.Join(t.TempDir(), "profiles.toml")
	require.NoError(t, os.WriteFile(prof, []byte(fmt.Sprintf(`
[default]
uri = "kafka://127.0.0.1:1"

[stack]
uri = %q
kafarr.read.timeout_ms = 20000
"kafarr.read.metadata_columns" = "_offset"
`, uri)), 0o600))
	cmd := exec.Command(cliBinary(t), "sql", "--profile", "stack", "--format", "csv", fmt.Sprintf(`SELECT * EXCLUDE (raw, ts, qty, bid, ask, flag, dt, inst) FROM %q`, topic))
	cmd.Env = []string{"KAFARR_CONFIG=" + prof, "PATH=" + os.Getenv("PATH")}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, stderr.String())
	assert.Equal(t, "t,_offset\n0,0\n1000003,1\n2000006,2\n3000009,3\n", string(out))
}

// syncBuffer is a bytes.Buffer that a running command may write while the
// test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
