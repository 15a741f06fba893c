"""Scale-out benchmark (issue 15): one topic read in splits by several workers.

    make bench-scaleout          # needs a running stack (tests/stack/stack.sh up)

On a single-partition topic of --rows ticks (default 2,000,000), in one run:

- Dask: ``adbc_kafarr.dask.read_sql`` on ``LocalCluster(n_workers=N,
  threads_per_worker=1, processes=True)`` for N in --workers (1, 2), with 1
  split (the whole partition) and with 4 splits (``max_rows`` = rows / 4).
  Each run plans the query (one offset snapshot), reads every split on the
  workers into pandas (pyarrow-backed dtypes) and returns the row counts, so
  the frames are not shipped back: it times the read, not the transfer.
- Spark local[N] for N in --workers, 4 splits: the built-in Kafka source +
  ``from_avro`` (Confluent header cut off with ``substring``) vs kafarr's
  Spark source, in the same session (bench/scaleout_spark.py, run with
  --spark-python: a PySpark whose spark-sql-kafka and spark-avro jars are on
  Maven Central).

Each figure is the median of --reps timed runs after one untimed warm-up.
Writes --out (JSON) and, with --md, the section between the markers
<!-- bench:scaleout:begin --> and <!-- bench:scaleout:end --> of that file.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import urllib.parse

import numpy as np
import pyarrow as pa

import adbc_kafarr
import adbc_kafarr.dask
import adbc_kafarr.dbapi

import proccpu

HERE = os.path.dirname(os.path.abspath(__file__))
BEGIN, END = "<!-- bench:scaleout:begin -->", "<!-- bench:scaleout:end -->"


def ticks(n: int) -> pa.Table:
    """The seed's tick record, n rows."""
    i = np.arange(n)
    return pa.table(
        {
            "inst": pa.array(np.array(["GBPUSD", "EURUSD", "USDJPY", "EURGBP"])[i % 4]),
            "t": pa.array(1_700_000_000_000 + i),
            "dt": pa.array((i % 150).astype(np.int32)),
            "bid": pa.array((1.25 + (i % 64) / 256).astype(np.float32)),
            "ask": pa.array((1.5 + (i % 64) / 256).astype(np.float32)),
        }
    )


def load() -> float:
    return os.getloadavg()[0]


def _own_cpu() -> float:
    """This process's CPU seconds (run on each Dask worker)."""
    t = os.times()
    return t.user + t.system


def bench_dask(uri: str, sql: str, rows: int, workers: list[int], reps: int) -> list[dict]:
    from distributed import Client, LocalCluster

    broker = proccpu.find_broker()
    out = []
    for n in workers:
        with LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster, Client(cluster) as client:
            for splits in (1, 4):
                max_rows = None if splits == 1 else -(-rows // splits)

                def run() -> tuple[int, float]:
                    t = time.perf_counter()
                    df = adbc_kafarr.dask.read_sql(sql, uri, max_rows=max_rows)  # plans: one snapshot
                    planned = time.perf_counter() - t
                    assert df.npartitions == splits, df.npartitions
                    return int(df.map_partitions(len).compute().sum()), planned

                def cpu() -> tuple[float, float]:
                    workers = sum(client.run(_own_cpu).values())
                    return workers, proccpu.process_cpu(broker) if broker else float("nan")

                run()  # warm-up: worker connections, imports
                secs, plans, wcpu, bcpu = [], [], [], []
                for _ in range(reps):
                    w0, b0 = cpu()
                    t = time.perf_counter()
                    got, planned = run()
                    secs.append(time.perf_counter() - t)
                    w1, b1 = cpu()
                    plans.append(planned)
                    wcpu.append(w1 - w0)
                    bcpu.append(b1 - b0)
                    if got != rows:
                        sys.exit(f"dask: read {got} of {rows} rows")
                med = statistics.median(secs)
                out.append(
                    {"workers": n, "splits": splits, "seconds": secs, "median_s": med, "rows_per_s": rows / med,
                     "plan_s": statistics.median(plans), "worker_cpu_s": statistics.median(wcpu),
                     "broker_cpu_s": min(bcpu)}
                )  # fmt: skip
                print(f"dask workers={n} splits={splits}: {rows / med / 1e6:.2f} M rows/s", file=sys.stderr)
    return out


def bench_spark(args, topic: str, avro_schema: str) -> list[dict]:
    out = []
    for n in args.workers:
        cmd = [
            args.spark_python, os.path.join(HERE, "scaleout_spark.py"),
            "--cores", str(n), "--topic", topic, "--uri", args.uri, "--brokers", args.brokers,
            "--avro-schema", avro_schema, "--rows", str(args.rows), "--splits", "4",
            "--reps", str(args.reps), "--packages", args.spark_packages,
        ]  # fmt: skip
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0:
            sys.exit(f"spark local[{n}] failed:\n{res.stderr[-4000:]}")
        r = json.loads(res.stdout.strip().splitlines()[-1])
        for name in ("spark-kafka+from_avro", "kafarr"):
            med = r[name]["median_s"]
            out.append(
                {"cores": n, "source": name, "splits": r[name]["splits"], "seconds": r[name]["seconds"],
                 "median_s": med, "rows_per_s": args.rows / med, "plan_s": r[name]["plan_s"],
                 "spark_cpu_s": r[name]["spark_cpu_s"], "broker_cpu_s": r[name]["broker_cpu_s"],
                 "spark": r["spark"], "check": r[name]["check"]}
            )  # fmt: skip
            print(f"spark local[{n}] {name}: {args.rows / med / 1e6:.2f} M rows/s", file=sys.stderr)
    # Both sources must have decoded the same values.
    checks = {(o["source"], o["cores"]): (o["check"]["t"], o["check"]["dt"]) for o in out}
    if len(set(checks.values())) != 1:
        sys.exit(f"spark: the sources disagree on sum(t), sum(dt): {checks}")
    return out


def fmt_rate(r: float) -> str:
    return f"{r / 1e6:.2f} M/s"


def report(res: dict) -> str:
    rows = res["rows"]
    lines = [
        f"Run of {res['reps']} repetitions per figure after one untimed warm-up, median; "
        f"{rows:,} ticks in one partition; {res['minutes']:.1f} min. Machine: {res['cpu']}, "
        f"{res['cores']} cores; load average {res['load_start']:.1f} at the start, "
        f"{res['load_end']:.1f} at the end (the machine is shared). Python {res['python']}, "
        f"dask/distributed {res['dask_version']}, PySpark {res['pyspark_main']} (kafarr's Spark tests) and "
        f"{res['pyspark_bench']} (this comparison: the newest with spark-sql-kafka and spark-avro "
        "jars on Maven Central).",
        "",
        f"Values average {res['value_bytes'] / rows:.1f} bytes (Confluent-framed Avro). Workers' and Spark's "
        "CPU: the median over the runs of the CPU seconds their processes used during a run; broker CPU: "
        "the least over the runs (the broker is shared with other jobs).",
        "",
        "### Dask: LocalCluster(n_workers=N, threads_per_worker=1, processes=True)",
        "",
        "| workers N | splits | median s | of which planning s | rows/s | vs 1 worker, same splits "
        "| workers' CPU s | broker CPU s |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    base = {d["splits"]: d["rows_per_s"] for d in res["dask"] if d["workers"] == 1}
    for d in res["dask"]:
        ratio = d["rows_per_s"] / base[d["splits"]]
        lines.append(
            f"| {d['workers']} | {d['splits']} | {d['median_s']:.2f} | {d['plan_s']:.2f} | "
            f"{fmt_rate(d['rows_per_s'])} | {ratio:.2f}x | {d['worker_cpu_s']:.2f} | {d['broker_cpu_s']:.2f} |"
        )
    lines += [
        "",
        "### Spark local[N], 4 splits",
        "",
        "| cores N | source | median s | of which planning s | rows/s | read rows/s (after planning) "
        "| vs local[1], same source | kafarr vs Kafka source | Spark CPU s | broker CPU s |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    sbase = {s["source"]: s["rows_per_s"] for s in res["spark"] if s["cores"] == 1}
    kafka = {s["cores"]: s["rows_per_s"] for s in res["spark"] if s["source"] == "spark-kafka+from_avro"}
    names = {"spark-kafka+from_avro": "Kafka source + `from_avro`", "kafarr": "kafarr source"}
    for s in res["spark"]:
        vs = "" if s["source"] != "kafarr" else f"{s['rows_per_s'] / kafka[s['cores']]:.2f}x"
        read_rate = res["rows"] / max(s["median_s"] - s["plan_s"], 1e-9)
        lines.append(
            f"| {s['cores']} | {names[s['source']]} | {s['median_s']:.2f} | {s['plan_s']:.2f} | "
            f"{fmt_rate(s['rows_per_s'])} | {fmt_rate(read_rate)} | {s['rows_per_s'] / sbase[s['source']]:.2f}x | {vs} | "
            f"{s['spark_cpu_s']:.2f} | {s['broker_cpu_s']:.2f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--workers", type=lambda s: [int(x) for x in s.split(",")], default=[1, 2])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--spark-python", help="a Python whose PySpark has Kafka/Avro jars on Maven Central; unset skips Spark")
    ap.add_argument(
        "--spark-packages",
        default="org.apache.spark:spark-sql-kafka-0-10_2.13:4.2.0,org.apache.spark:spark-avro_2.13:4.2.0",
    )
    ap.add_argument("--out", required=True)
    ap.add_argument("--md", help="rewrite the scale-out section of this Markdown file")
    args = ap.parse_args()
    args.brokers = os.environ["KAFARR_TEST_BROKERS"]
    registry = os.environ["KAFARR_TEST_REGISTRY"]
    args.uri = f"kafka://{args.brokers}?schema_registry.url={urllib.parse.quote(registry, safe='')}"

    t0, load0 = time.perf_counter(), load()
    topic = f"bench_scaleout_{int(time.time())}"
    with adbc_kafarr.dbapi.connect(args.uri) as conn:
        n = adbc_kafarr.ingest(conn, topic, ticks(args.rows), mode="create", partitions=1)
        assert n == args.rows
        with conn.cursor() as cur:
            schema = cur.adbc_execute_schema(f'SELECT * FROM "{topic}"')
    avro_schema = schema.metadata[b"kafarr.value.schema"].decode()
    with adbc_kafarr.dbapi.connect(args.uri) as conn, conn.cursor() as cur:
        cur.adbc_statement.set_options(**{"kafarr.value.format": "binary"})
        cur.execute(f'SELECT _value FROM "{topic}"')
        import pyarrow.compute as pc

        value_bytes = pc.sum(pc.binary_length(cur.fetch_arrow_table()["_value"])).as_py()
    sql = f'SELECT inst, t, dt, bid, ask FROM "{topic}"'

    res = {"rows": args.rows, "reps": args.reps, "topic": topic, "load_start": load0, "value_bytes": value_bytes}
    res["dask"] = bench_dask(args.uri, sql, args.rows, args.workers, args.reps)
    res["spark"] = bench_spark(args, topic, avro_schema) if args.spark_python else []
    import dask
    import pyspark

    res.update(
        minutes=(time.perf_counter() - t0) / 60, load_end=load(), python=platform.python_version(),
        cores=os.cpu_count(), cpu=_cpu(), dask_version=dask.__version__, pyspark_main=pyspark.__version__,
        pyspark_bench=res["spark"][0]["spark"] if res["spark"] else "-",
    )  # fmt: skip
    with open(args.out, "w") as f:
        json.dump(res, f, indent=1)
    text = report(res)
    print(text)
    if args.md:
        doc = open(args.md).read()
        if BEGIN not in doc or END not in doc:
            sys.exit(f"scaleout: {args.md} lacks the markers {BEGIN} and {END}")
        head, rest = doc.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        with open(args.md, "w") as f:
            f.write(head + BEGIN + "\n" + text + END + tail)
    with adbc_kafarr.dbapi.connect(args.uri, conn_kwargs={"kafarr.allow_delete_topics": "true"}) as conn:
        with conn.cursor() as cur:
            cur.execute(f'DROP TABLE "{topic}"')


def _cpu() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


if __name__ == "__main__":
    main()
