"""kafarr against the tools users would pick, on one real local broker.

    make -f mk/bench.mk bench-all            # stack from KAFARR_TEST_BROKERS/REGISTRY
    .build/venv/bin/python bench/run.py --sizes 100000 --reps 3 --out /tmp/bench.json

For each workload (tick, wide) and size, on the same single-partition topic
in the same run:

- read: kafarr through adbc_driver_manager into pyarrow, pandas
  (pandas.read_sql) and Polars (polars.read_database); confluent-kafka
  Consumer.consume batches + AvroDeserializer + pandas.DataFrame; a plain
  franz-go consumer decoding nothing (bench/plainconsumer).
- ingest, acks=all: kafarr adbc_ingest of an Arrow table vs confluent-kafka
  Producer + AvroSerializer of the same rows (their conversion to dicts is
  not timed) and flush().
- the tick as Protobuf and as JSON Schema (--formats): a topic written
  (untimed) by confluent-kafka's Producer + ProtobufSerializer or
  JSONSerializer, which register the subject, read by kafarr (format auto:
  the subject's schemaType) into pyarrow, pandas and Polars vs
  confluent-kafka Consumer.consume + ProtobufDeserializer (message fields
  into tuples) or JSONDeserializer (dicts) + pandas.DataFrame, and the plain
  franz-go consumer. Reads only.

Then the peak RSS of streaming ticks through fetch_record_batch (bench/rss.py
in a fresh process per size). Every figure is the median of --reps runs with
min and max; the results go to --out as JSON for bench/report.py.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import gc
import json
import operator
import os
import platform
import statistics
import subprocess
import sys
import time
import urllib.parse

import pandas as pd
import polars as pl
import pyarrow as pa
from confluent_kafka import Consumer, Producer, TopicPartition, OFFSET_BEGINNING
from confluent_kafka.admin import AdminClient, NewTopic
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer, ProtobufSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

import adbc_kafarr.dbapi

import workloads

HERE = os.path.dirname(os.path.abspath(__file__))


def summary(secs: list[float], rows: int) -> dict:
    med = statistics.median(secs)
    return {
        "seconds": secs,
        "median_ms": med * 1000,
        "min_ms": min(secs) * 1000,
        "max_ms": max(secs) * 1000,
        "rows_per_s": rows / med,
    }


def settle() -> None:
    """Collects Python's garbage before a timed run, so that one tool's
    garbage (a million dicts after a confluent-kafka read) is not collected
    on another tool's clock."""
    gc.collect()


class Bench:
    def __init__(self, brokers: str, registry: str, plain: str, reps: int, confluent_max_reps: dict[int, int], warmup: int = 2):
        self.brokers, self.registry, self.plain, self.reps, self.warmup = brokers, registry, plain, reps, warmup
        self.confluent_max_reps = confluent_max_reps
        self.uri = f"kafka://{brokers}?schema_registry.url={urllib.parse.quote(registry, safe='')}"
        self.conn = adbc_kafarr.dbapi.connect(self.uri)
        self.admin = AdminClient({"bootstrap.servers": brokers})
        self.sr = SchemaRegistryClient({"url": registry})
        self.run_id = time.strftime("%H%M%S")

    def close(self) -> None:
        self.conn.close()

    def topic(self, kind: str, workload: str, n: int, register: bool = True) -> str:
        """Creates a single-partition topic and, with register, its Avro
        value subject (Protobuf and JSON serializers register their own)."""
        name = f"bench_{kind}_{workload}_{n}_{self.run_id}"
        for f in self.admin.create_topics([NewTopic(name, 1, 1)]).values():
            f.result()
        if register:
            self.sr.register_schema(f"{name}-value", Schema(workloads.schema_json(workload), "AVRO"))
        return name

    def reps_for(self, n: int, confluent: bool) -> int:
        if confluent:
            return min(self.reps, self.confluent_max_reps.get(n, self.reps))
        return self.reps

    # --- ingest -------------------------------------------------------------

    def ingest_kafarr(self, topic: str, table: pa.Table) -> float:
        with self.conn.cursor() as cur:
            settle()
            t0 = time.perf_counter()
            got = cur.adbc_ingest(topic, table, mode="append")
            dt = time.perf_counter() - t0
        assert got == table.num_rows, (got, table.num_rows)
        return dt

    def ingest_confluent(self, topic: str, workload: str, rows: list[dict]) -> float:
        settle()
        t0 = time.perf_counter()
        ser = AvroSerializer(self.sr, workloads.schema_json(workload), conf={"auto.register.schemas": False, "use.latest.version": True})
        prod = Producer({"bootstrap.servers": self.brokers, "acks": "all", "linger.ms": 5,
                         "queue.buffering.max.messages": 2_000_000, "queue.buffering.max.kbytes": 2_097_151})
        ctx = SerializationContext(topic, MessageField.VALUE)
        errors = []

        def on_delivery(err, _msg):
            if err is not None:
                errors.append(err)

        for r in rows:
            while True:
                try:
                    prod.produce(topic, value=ser(r, ctx), on_delivery=on_delivery)
                    break
                except BufferError:
                    prod.poll(0.01)
        left = prod.flush(120)
        dt = time.perf_counter() - t0
        assert left == 0 and not errors, (left, errors[:3])
        return dt

    def produce_confluent(self, topic: str, fmt: str, table: pa.Table) -> None:
        """Writes the ticks of table with confluent-kafka's Protobuf or JSON
        Schema serializer, which registers the topic's value subject:
        the independent producer of the Protobuf and JSON read topics
        (untimed; the producer skips JSON validation of its own rows)."""
        if fmt == "protobuf":
            cls = workloads.tick_proto_class()
            ser = ProtobufSerializer(cls, self.sr)
            values = (cls(**r) for r in table.to_pylist())
        else:
            ser = JSONSerializer(json.dumps(workloads.TICK_JSON_SCHEMA), self.sr, conf={"validate": False})
            values = iter(workloads.tick_json_dicts(table))
        prod = Producer({"bootstrap.servers": self.brokers, "acks": "all", "linger.ms": 5,
                         "queue.buffering.max.messages": 2_000_000, "queue.buffering.max.kbytes": 2_097_151})
        ctx = SerializationContext(topic, MessageField.VALUE)
        for v in values:
            b = ser(v, ctx)
            while True:
                try:
                    prod.produce(topic, value=b)
                    break
                except BufferError:
                    prod.poll(0.01)
        left = prod.flush(300)
        assert left == 0, left

    # --- read ---------------------------------------------------------------

    def read_kafarr(self, topic: str, n: int, into: str) -> float:
        q = f"SELECT * FROM {topic}"
        settle()
        t0 = time.perf_counter()
        if into == "pyarrow":
            with self.conn.cursor() as cur:
                cur.execute(q)
                out = cur.fetch_arrow_table()
            rows = out.num_rows
        elif into == "pandas":
            out = pd.read_sql(q, self.conn)
            rows = len(out)
        else:
            out = pl.read_database(q, self.conn)
            rows = out.height
        dt = time.perf_counter() - t0
        assert rows == n, (into, rows, n)
        return dt

    def read_confluent(self, topic: str, n: int, fmt: str = "avro") -> float:
        """confluent-kafka's Consumer and the format's deserializer into a
        pandas.DataFrame. AvroDeserializer and JSONDeserializer (which
        validates each value against the writer schema, its default) give
        dicts; ProtobufDeserializer gives messages, whose fields are read
        into tuples (MessageToDict would turn int64 into strings)."""
        settle()
        t0 = time.perf_counter()
        columns = None
        if fmt == "avro":
            de = AvroDeserializer(self.sr)
        elif fmt == "json":
            de = JSONDeserializer(None, schema_registry_client=self.sr)
        else:
            columns = [name for name, _ in workloads.TICK_PROTO_FIELDS]
            pb = ProtobufDeserializer(workloads.tick_proto_class())
            fields = operator.attrgetter(*columns)

            def de(value, ctx):
                return fields(pb(value, ctx))
        c = Consumer({"bootstrap.servers": self.brokers, "group.id": f"bench-{topic}", "enable.auto.commit": False,
                      "fetch.max.bytes": 64 << 20, "max.partition.fetch.bytes": 32 << 20})
        c.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
        ctx = SerializationContext(topic, MessageField.VALUE)
        out: list[dict] = []
        deadline = time.monotonic() + 600
        while len(out) < n:
            if time.monotonic() > deadline:
                raise TimeoutError(f"confluent read of {topic}: {len(out)} of {n}")
            for m in c.consume(num_messages=min(10_000, n - len(out)), timeout=1.0):
                if m.error():
                    raise RuntimeError(m.error())
                out.append(de(m.value(), ctx))
        frame = pd.DataFrame(out, columns=columns)
        dt = time.perf_counter() - t0
        c.close()
        assert len(frame) == n, (len(frame), n)
        return dt

    def read_plain(self, topic: str, n: int) -> list[float]:
        res = subprocess.run([self.plain, "-brokers", self.brokers, "-topic", topic, "-n", str(n), "-reps", str(self.reps)],
                             check=True, capture_output=True, text=True)
        return json.loads(res.stdout)["seconds"]

    # --- one workload and size ----------------------------------------------

    def run(self, workload: str, n: int) -> dict:
        print(f"== {workload} {n:,}", file=sys.stderr, flush=True)
        table = workloads.TABLES[workload](n)
        res: dict = {"workload": workload, "rows": n, "ingest": {}, "read": {}}

        # Read topic, written once by kafarr (untimed).
        read_topic = self.topic("read", workload, n)
        self.ingest_kafarr(read_topic, table)

        # Warm-up, untimed: the JVMs of the broker and the registry
        # compile their fetch and lookup paths on first use, and a stack
        # started just before the run would charge that to whichever tool
        # reads first.
        for _ in range(self.warmup):
            for into in ("pyarrow", "pandas", "polars"):
                self.read_kafarr(read_topic, n, into)
        if self.warmup and n <= 100_000:
            self.read_confluent(read_topic, n)

        reads = {"kafarr_pyarrow": [], "kafarr_pandas": [], "kafarr_polars": [], "confluent_pandas": []}
        for i in range(self.reps):
            for into in ("pyarrow", "pandas", "polars"):
                reads[f"kafarr_{into}"].append(self.read_kafarr(read_topic, n, into))
            if i < self.reps_for(n, confluent=True):
                reads["confluent_pandas"].append(self.read_confluent(read_topic, n))
        reads["franz_go_plain"] = self.read_plain(read_topic, n)
        for k, v in reads.items():
            res["read"][k] = summary(v, n)
            print(f"   read {k:18s} {res['read'][k]['median_ms']:9.1f} ms", file=sys.stderr, flush=True)

        kt = self.topic("ingest_kafarr", workload, n)
        ct = self.topic("ingest_confluent", workload, n)
        rows = workloads.to_dicts(workload, table)
        ing = {"kafarr": [], "confluent": []}
        for i in range(self.reps):
            ing["kafarr"].append(self.ingest_kafarr(kt, table))
            if i < self.reps_for(n, confluent=True):
                ing["confluent"].append(self.ingest_confluent(ct, workload, rows))
        for k, v in ing.items():
            res["ingest"][k] = summary(v, n)
            print(f"   ingest {k:16s} {res['ingest'][k]['median_ms']:9.1f} ms", file=sys.stderr, flush=True)
        return res

    def run_format(self, fmt: str, n: int) -> dict:
        """Reads of a tick topic written by confluent-kafka's Protobuf or
        JSON Schema serializer: kafarr into pyarrow, pandas and Polars,
        confluent-kafka + the format's deserializer into pandas, the plain
        consumer."""
        print(f"== tick ({fmt}) {n:,}", file=sys.stderr, flush=True)
        res: dict = {"workload": "tick", "format": fmt, "rows": n, "read": {}}
        topic = self.topic(f"read_{fmt}", "tick", n, register=False)
        table = workloads.tick_table(n)
        self.produce_confluent(topic, fmt, table)
        # kafarr picked the format from the subject: the tick's columns,
        # with the values confluent-kafka wrote (JSON prices as rounded).
        with self.conn.cursor() as cur:
            cur.execute(f"SELECT inst, t, dt, bid, ask FROM {topic} LIMIT 1000")
            got = cur.fetch_arrow_table().to_pylist()
        want = (workloads.tick_json_dicts if fmt == "json" else pa.Table.to_pylist)(table.slice(0, 1000))
        assert got == want, (fmt, got[:2], want[:2])
        for _ in range(self.warmup):
            for into in ("pyarrow", "pandas", "polars"):
                self.read_kafarr(topic, n, into)
        if self.warmup and n <= 100_000:
            self.read_confluent(topic, n, fmt)
        reads = {"kafarr_pyarrow": [], "kafarr_pandas": [], "kafarr_polars": [], "confluent_pandas": []}
        for i in range(self.reps):
            for into in ("pyarrow", "pandas", "polars"):
                reads[f"kafarr_{into}"].append(self.read_kafarr(topic, n, into))
            if i < self.reps_for(n, confluent=True):
                reads["confluent_pandas"].append(self.read_confluent(topic, n, fmt))
        reads["franz_go_plain"] = self.read_plain(topic, n)
        for k, v in reads.items():
            res["read"][k] = summary(v, n)
            print(f"   read {k:18s} {res['read'][k]['median_ms']:9.1f} ms", file=sys.stderr, flush=True)
        return res

    def warm_stack(self, reads: int) -> None:
        """Reads a 100,000-tick topic, untimed, until the JVMs of a freshly
        started broker and registry have compiled their fetch, offset and
        schema lookup paths (the first reads of a new stack are up to twice
        as slow), and the driver's buffer pools are warm."""
        print(f"== warm-up: {reads} reads", file=sys.stderr, flush=True)
        topic = self.topic("warmup", "tick", 100_000)
        self.ingest_kafarr(topic, workloads.tick_table(100_000))
        for i in range(reads):
            self.read_kafarr(topic, 100_000, ("pyarrow", "pandas", "polars")[i % 3])

    def rss(self, n: int) -> dict:
        print(f"== rss {n:,}", file=sys.stderr, flush=True)
        topic = self.topic("rss", "tick", n)
        # Produced in slices so the generator's frame stays small too.
        step = 1_000_000
        for start in range(0, n, step):
            self.ingest_kafarr(topic, workloads.tick_table(min(step, n - start), seed=start))
        res = subprocess.run([sys.executable, os.path.join(HERE, "rss.py"), self.uri, topic, str(n)],
                             check=True, capture_output=True, text=True)
        return json.loads(res.stdout)


def versions() -> dict:
    import adbc_driver_manager
    import confluent_kafka
    import fastavro
    import google.protobuf

    def first_line(cmd: list[str]) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip().splitlines()[0]
        except (OSError, subprocess.CalledProcessError):
            return "unknown"

    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "mem_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30),
        "loadavg_start": os.getloadavg(),
        "python": platform.python_version(),
        "go": first_line(["go", "version"]),
        "pyarrow": pa.__version__,
        "pandas": pd.__version__,
        "polars": pl.__version__,
        "adbc_driver_manager": adbc_driver_manager.__version__,
        "confluent_kafka": confluent_kafka.__version__,
        "librdkafka": confluent_kafka.libversion()[0],
        "fastavro": fastavro.__version__,
        "protobuf": google.protobuf.__version__,
        "jsonschema": importlib.metadata.version("jsonschema"),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--brokers", default=os.environ.get("KAFARR_TEST_BROKERS"))
    ap.add_argument("--registry", default=os.environ.get("KAFARR_TEST_REGISTRY"))
    ap.add_argument("--plain", required=True, help="path of the built bench/plainconsumer")
    ap.add_argument("--workloads", default="tick,wide")
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--formats", default="avro,protobuf,json",
                    help="avro: every workload, read and ingest; protobuf, json: tick reads (topics written by confluent-kafka's serializers)")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--confluent-reps-1m", type=int, default=1, help="confluent-kafka repetitions at 1,000,000 rows")
    ap.add_argument("--rss-sizes", default="500000,5000000")
    ap.add_argument("--stack-warmup", type=int, default=40, help="untimed reads of a 100,000-tick topic before anything is measured")
    ap.add_argument("--warmup", type=int, default=2, help="untimed kafarr reads per tool before each workload and size (and one confluent-kafka read up to 100,000 rows)")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    if not a.brokers or not a.registry:
        sys.exit("bench: set KAFARR_TEST_BROKERS and KAFARR_TEST_REGISTRY (tests/stack/stack.sh up) or pass --brokers/--registry")
    b = Bench(a.brokers, a.registry, a.plain, a.reps, {1_000_000: a.confluent_reps_1m}, a.warmup)
    out = {"versions": versions(), "reps": a.reps, "warmup": a.warmup, "stack_warmup": a.stack_warmup, "confluent_reps_1m": a.confluent_reps_1m, "results": [], "rss": []}
    t0 = time.time()
    try:
        if a.stack_warmup:
            b.warm_stack(a.stack_warmup)
        formats = [f for f in a.formats.split(",") if f]
        unknown = set(formats) - {"avro", "protobuf", "json"}
        if unknown:
            sys.exit(f"bench: unknown --formats {sorted(unknown)}")
        for w in (w for w in a.workloads.split(",") if w):
            for n in (int(s) for s in a.sizes.split(",") if s):
                if "avro" in formats:
                    out["results"].append(b.run(w, n))
                if w == "tick":
                    for fmt in (f for f in formats if f != "avro"):
                        out["results"].append(b.run_format(fmt, n))
        for n in (int(s) for s in a.rss_sizes.split(",") if s):
            out["rss"].append(b.rss(n))
    finally:
        b.close()
    out["versions"]["loadavg_end"] = os.getloadavg()
    out["wall_s"] = time.time() - t0
    with open(a.out, "w") as f:
        json.dump(out, f, indent=1)
    print(f"bench: wrote {a.out} in {out['wall_s']:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
