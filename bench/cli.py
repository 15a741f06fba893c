"""The kafarr CLI's full-SQL mode against the same query through Python.

    make bench-cli                    # stack from KAFARR_TEST_BROKERS/REGISTRY

One run, one topic of 1,000,000 ticks (bench/workloads.py, one partition),
one GROUP BY query, timed alternately:

- `kafarr sql` (the built binary, a new process per run: process start,
  connection, the driver's NotImplemented answer, DuckDB's parse, the
  projected read into DuckDB and the aggregation; CSV to a pipe);
- Python, in this process (interpreter and imports not timed): a new
  adbc_kafarr connection, the same projected read into a pyarrow.Table
  (`SELECT inst, t, bid, ask`), then duckdb.sql(...) over it;
- Python as a user would first write it: `SELECT *` into pyarrow, then DuckDB.

Results are checked equal, then written to the table between the
bench:cli markers of docs/benchmarks.md (--md) and to --out as JSON.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import urllib.parse
import uuid

import duckdb
import numpy as np
import pyarrow as pa

import adbc_kafarr.dbapi

import workloads

QUERY = (
    "SELECT inst, count(*) AS n, avg(bid) AS avg_bid, max(ask) AS max_ask, "
    "min(t) AS first_t FROM {src} GROUP BY inst ORDER BY inst"
)
BEGIN, END = "<!-- bench:cli:begin -->", "<!-- bench:cli:end -->"


def cpu() -> float:
    """CPU seconds (user + system) of this process and its waited-for children."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn):
    """Wall and CPU seconds of fn(), and its result. On this shared machine
    the CPU time varies less than the wall time."""
    c0, start = cpu(), time.perf_counter()
    out = fn()
    return time.perf_counter() - start, cpu() - c0, out


def run_cli(binary: str, uri: str, topic: str) -> list[tuple]:
    env = dict(os.environ, KAFARR_URI=uri, KAFARR_CONFIG="/nonexistent")
    q = QUERY.format(src='"%s"' % topic)
    p = subprocess.run([binary, "sql", "--format", "csv", "--progress", "off", q],
                       env=env, capture_output=True, text=True, check=True)
    rows = list(csv.reader(io.StringIO(p.stdout)))[1:]
    return [(r[0], int(r[1]), float(r[2]), float(r[3]), int(r[4])) for r in rows]


def run_python(uri: str, topic: str, columns: str) -> list[tuple]:
    with adbc_kafarr.dbapi.connect(uri) as conn, conn.cursor() as cur:
        cur.execute('SELECT %s FROM "%s"' % (columns, topic))
        tbl = cur.fetch_arrow_table()
    return duckdb.sql(QUERY.format(src="tbl")).fetchall()


def same(a: list[tuple], b: list[tuple]) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        # max(ask) is a float32: the CLI's CSV prints its shortest text
        if (x[0], x[1], x[4]) != (y[0], y[1], y[4]) or abs(x[2] - y[2]) > 1e-9 * abs(y[2]) \
                or np.float32(x[3]) != np.float32(y[3]):
            return False
    return True


def rewrite(md: str, block: str) -> None:
    with open(md) as f:
        text = f.read()
    i, j = text.index(BEGIN) + len(BEGIN), text.index(END)
    with open(md, "w") as f:
        f.write(text[:i] + "\n" + block + text[j:])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--kafarr", required=True, help="the built kafarr binary")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--brokers", default=os.environ.get("KAFARR_TEST_BROKERS"))
    ap.add_argument("--registry", default=os.environ.get("KAFARR_TEST_REGISTRY"))
    ap.add_argument("--md", help="rewrite the bench:cli table of this file")
    ap.add_argument("--out", help="write the results as JSON")
    a = ap.parse_args()
    if not a.brokers or not a.registry:
        sys.exit("bench: set KAFARR_TEST_BROKERS and KAFARR_TEST_REGISTRY (tests/stack/stack.sh up)")
    uri = "kafka://%s?schema_registry.url=%s" % (a.brokers, urllib.parse.quote(a.registry, safe=""))

    load0, started = os.getloadavg()[0], time.time()
    topic = "bench-cli-ticks-%s" % uuid.uuid4().hex[:8]
    with adbc_kafarr.dbapi.connect(uri) as conn, conn.cursor() as cur:
        cur.adbc_ingest(topic, workloads.tick_table(a.rows), mode="create")

    targets = {
        "kafarr sql (CLI process, DuckDB inside)": lambda: run_cli(a.kafarr, uri, topic),
        "Python: kafarr → pyarrow (same 4 columns) → DuckDB": lambda: run_python(uri, topic, "inst, t, bid, ask"),
        "Python: kafarr → pyarrow (SELECT *) → DuckDB": lambda: run_python(uri, topic, "*"),
    }
    ref = None
    for _ in range(a.warmup):
        for name, fn in targets.items():
            got = fn()
            ref = ref or got
            if not same(got, ref):
                sys.exit("bench: %s disagrees: %r vs %r" % (name, got, ref))
    secs = {name: [] for name in targets}
    cpus = {name: [] for name in targets}
    for rep in range(a.reps):
        names = list(targets) if rep % 2 == 0 else list(reversed(targets))
        for name in names:
            s, c, got = timed(targets[name])
            if not same(got, ref):
                sys.exit("bench: %s disagrees: %r vs %r" % (name, got, ref))
            secs[name].append(s)
            cpus[name].append(c)

    cli_med = statistics.median(secs[list(targets)[0]])
    lines = [
        "Run of %d repetitions per figure, alternating, after %d untimed runs each, median with min – max, "
        "in %.1f min; %s ticks, one partition. Machine: %d cores; load average %.1f at the start, %.1f at the end "
        "(shared). Python %s, duckdb (Python) %s, pyarrow %s."
        % (a.reps, a.warmup, (time.time() - started) / 60, f"{a.rows:,}", os.cpu_count(), load0,
           os.getloadavg()[0], platform.python_version(), duckdb.__version__, pa.__version__),
        "",
        "Query: `%s`" % QUERY.format(src="ticks"),
        "",
        "| tool | median ms | min – max ms | ticks/s | vs kafarr sql | median CPU ms (user + sys) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    results = {}
    for name, ss in secs.items():
        med = statistics.median(ss)
        results[name] = ss
        lines.append("| %s | %s | %s – %s | %s | %s | %s |" % (
            name, f"{med * 1000:,.1f}", f"{min(ss) * 1000:,.1f}", f"{max(ss) * 1000:,.1f}",
            f"{a.rows / med / 1e6:.2f} M/s", "" if med == cli_med else f"{med / cli_med:.2f}x the time",
            f"{statistics.median(cpus[name]) * 1000:,.0f}"))
    block = "\n".join(lines) + "\n"
    print(block)
    if a.out:
        os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
        with open(a.out, "w") as f:
            json.dump({"rows": a.rows, "seconds": results, "cpu_seconds": cpus}, f, indent=1)
    if a.md:
        rewrite(a.md, block)


if __name__ == "__main__":
    main()
