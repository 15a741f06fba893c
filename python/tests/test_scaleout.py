"""Reading a topic through Dask, Spark and Ray in splits finer than its
partitions (kafarr.partitions.max_rows), against the real broker.

The acceptance case: a 6-partition topic of 600,000 ticks read with
max_rows=25,000 (24 splits) through Dask on a LocalCluster of 4 worker
processes, Spark local[4] and Ray gives every (partition, offset) exactly
once, with the values of a plain kafarr read. A really compacted topic (the
broker's log cleaner leaves gaps in the offsets) and a transactional topic
(commit markers, aborted transactions, read_committed) are cut into splits
of a few offsets, so that split ends fall in gaps, on markers and inside
transactions, and read through every engine the same way.

The engines start once per module (Spark's JVM, Ray, the Dask cluster take
seconds each) and the compacted topic is written first, so that the
broker's cleaner (every 15 s) works while the other cases run.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Callable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

import adbc_kafarr
import adbc_kafarr.dbapi

from kafarr_stack import Stack

TICKS = 600_000
# Tick i has timestamp BASE_MS + i: recent, or the broker's retention
# (7 days by default) would delete the ticks during the run.
BASE_MS = (int(time.time()) - 3600) * 1000
PARTITIONS = 6
MAX_ROWS = 25_000
TICK_SQL = 'SELECT inst, t, dt, bid, ask, _partition, _offset, _timestamp FROM "{}"'
RAW = {"kafarr.value.format": "string", "kafarr.key.format": "string"}
RAW_SQL = 'SELECT _value, _key, _partition, _offset FROM "{}"'


def plain_read(uri: str, sql: str, **options: str) -> pa.Table:
    """The query as one plain kafarr read (ExecuteQuery)."""
    with adbc_kafarr.dbapi.connect(uri) as conn, conn.cursor() as cur:
        if options:
            cur.adbc_statement.set_options(**options)
        cur.execute(sql)
        return cur.fetch_arrow_table()


def by_position(t: pa.Table) -> pa.Table:
    """t sorted by (_partition, _offset), without metadata."""
    return t.replace_schema_metadata(None).sort_by([("_partition", "ascending"), ("_offset", "ascending")])


def assert_same_rows(got: pa.Table, want: pa.Table, engine: str) -> None:
    """got holds every row of want exactly once (want's (partition,
    offset) pairs are unique), with equal values."""
    got, want = by_position(got), by_position(want)
    assert got.num_rows == want.num_rows, f"{engine}: {got.num_rows} rows, the plain read {want.num_rows}"
    pairs = pc.add(pc.multiply(got["_partition"].cast(pa.int64()), 1 << 40), got["_offset"])
    assert pc.count_distinct(pairs).as_py() == got.num_rows, f"{engine}: a (partition, offset) was read twice"
    got = got.cast(want.schema)
    for name in want.column_names:
        assert got[name].equals(want[name]), f"{engine}: column {name} differs from the plain read"


# -- the engines -------------------------------------------------------------


@pytest.fixture(scope="module")
def dask_client() -> Iterator:
    from distributed import Client, LocalCluster

    with LocalCluster(
        n_workers=4, threads_per_worker=1, processes=True, dashboard_address=None, memory_limit="1GiB"
    ) as cluster, Client(cluster) as client:
        yield client


@pytest.fixture(scope="module")
def spark() -> Iterator:
    # Spark's Python workers must run this interpreter, which has adbc_kafarr.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession

    import adbc_kafarr.spark

    session = (
        SparkSession.builder.master("local[4]")
        .appName("kafarr-scaleout-test")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", "1g")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    adbc_kafarr.spark.register(session)
    yield session
    session.stop()


@pytest.fixture(scope="module")
def ray_session() -> Iterator:
    # No token file in ~/.ray, no dashboard: a local Ray for the test only.
    os.environ["RAY_AUTH_MODE"] = "disabled"
    import ray

    ray.init(num_cpus=4, include_dashboard=False, log_to_driver=False, object_store_memory=256 << 20)
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    ctx.print_on_execution_start = False
    yield ray
    ray.shutdown()


def via_dask(uri: str, sql: str, max_rows: int, **options: str) -> tuple[pa.Table, int]:
    import adbc_kafarr.dask

    df = adbc_kafarr.dask.read_sql(sql, uri, max_rows=max_rows, **options)
    return pa.Table.from_pandas(df.compute(), preserve_index=False), df.npartitions


def via_spark(spark, uri: str, sql: str, max_rows: int, **options: str) -> tuple[pa.Table, int]:
    reader = spark.read.format("kafarr").option("uri", uri).option("query", sql).option("max_rows", max_rows)
    for k, v in options.items():
        reader = reader.option(k, v)
    df = reader.load()
    return df.toArrow(), df.rdd.getNumPartitions()


def via_ray(uri: str, sql: str, max_rows: int, **options: str) -> tuple[pa.Table, int]:
    import ray

    import adbc_kafarr.ray

    ds = adbc_kafarr.ray.read_sql(sql, uri, max_rows=max_rows, **options).materialize()
    return pa.concat_tables(ray.get(ds.to_arrow_refs())), ds.num_blocks()


# -- the topics --------------------------------------------------------------


@pytest.fixture(scope="module")
def module_topic(stack: Stack, _created_topics: list[str], _run_id: str) -> Callable[[str], str]:
    def make(name: str) -> str:
        topic = f"pyt_{_run_id}_scaleout_{name}"
        _created_topics.append(topic)
        return topic

    return make


@pytest.fixture(scope="module")
def compacted(stack: Stack, module_topic: Callable[[str], str]) -> tuple[str, dict]:
    """A 2-partition compacted topic whose older segments the broker's log
    cleaner compacts within seconds: 1,200 records over 50 keys per
    partition, in 4 segments (segment.ms=100 rolls a segment on the next
    append), then a record that rolls the last one. Returns the topic and
    each (partition, key)'s last value."""
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient, NewTopic

    topic = module_topic("compacted")
    config = {
        "cleanup.policy": "compact",
        "segment.ms": "100",
        "min.cleanable.dirty.ratio": "0.001",
        "min.compaction.lag.ms": "0",
        "max.compaction.lag.ms": "1000",
    }
    admin = AdminClient({"bootstrap.servers": stack.brokers})
    for f in admin.create_topics([NewTopic(topic, 2, 1, config=config)]).values():
        f.result(timeout=60)
    producer = Producer({"bootstrap.servers": stack.brokers, "linger.ms": 0})
    last = {}
    for rnd in range(4):
        for i in range(600):
            p, key, value = i % 2, f"k{i % 100}", f"v{rnd}-{i}"
            producer.produce(topic, key=key, value=value, partition=p)
            last[(p, key)] = value
        producer.flush(30)
        time.sleep(0.25)
    for p in range(2):
        producer.produce(topic, key="roll", value="roll", partition=p)
        last[(p, "roll")] = "roll"
    producer.flush(30)
    return topic, last


@pytest.fixture(scope="module")
def ticks(stack: Stack, module_topic: Callable[[str], str], compacted) -> tuple[str, pa.Table]:
    """The acceptance topic: 600,000 ticks over 6 partitions (written with
    kafarr ingest, one batch), and its plain kafarr read. Tick i is at
    offset i // 6 of partition i % 6, with timestamp BASE_MS + i."""
    topic = module_topic("ticks")
    i = np.arange(TICKS)
    data = pa.table(
        {
            "inst": pa.array(np.array(["GBPUSD", "EURUSD", "USDJPY"])[i % 3]),
            "t": pa.array(BASE_MS + i),
            "dt": pa.array((i % 150).astype(np.int32)),
            "bid": pa.array((1.25 + (i % 64) / 256).astype(np.float32)),
            "ask": pa.array((1.5 + (i % 64) / 256).astype(np.float32)),
            "p": pa.array((i % PARTITIONS).astype(np.int32)),
            "ts": pa.array(BASE_MS + i),
        }
    )
    with adbc_kafarr.dbapi.connect(stack.uri) as conn:
        n = adbc_kafarr.ingest(
            conn, topic, data, mode="create", partitions=PARTITIONS, partition_column="p", timestamp_column="ts"
        )
    assert n == TICKS
    want = plain_read(stack.uri, TICK_SQL.format(topic))
    assert want.num_rows == TICKS
    return topic, want


@pytest.fixture(scope="module")
def transactional(stack: Stack, module_topic: Callable[[str], str]) -> tuple[str, set]:
    """A 2-partition topic of transactions, committed and aborted in turn
    (30 of 5 to 12 records each), between plain records. Returns the topic
    and the values a read_committed reader sees."""
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient, NewTopic

    topic = module_topic("txn")
    admin = AdminClient({"bootstrap.servers": stack.brokers})
    for f in admin.create_topics([NewTopic(topic, 2, 1)]).values():
        f.result(timeout=60)
    txn = Producer({"bootstrap.servers": stack.brokers, "transactional.id": topic, "linger.ms": 0})
    plain = Producer({"bootstrap.servers": stack.brokers, "linger.ms": 0})
    txn.init_transactions(30)
    visible = set()
    for k in range(30):
        txn.begin_transaction()
        committed = k % 3 != 1
        for i in range(5 + k % 8):
            value = f"t{k}-{i}-{'c' if committed else 'a'}"
            txn.produce(topic, key=f"k{i}", value=value, partition=(k + i) % 2)
            if committed:
                visible.add(value)
        # Flushed first, so that an aborted transaction's records are in
        # the log (abort_transaction drops what was not sent yet).
        txn.flush(30)
        if committed:
            txn.commit_transaction(30)
        else:
            txn.abort_transaction(30)
        plain.produce(topic, key="plain", value=f"p{k}", partition=k % 2)
        plain.flush(30)
        visible.add(f"p{k}")
    return topic, visible


# -- the cases ---------------------------------------------------------------


def test_dask_local_cluster_reads_every_offset_once(stack: Stack, ticks, dask_client) -> None:
    topic, want = ticks
    got, npartitions = via_dask(stack.uri, TICK_SQL.format(topic), MAX_ROWS)
    assert npartitions == TICKS // MAX_ROWS  # 100,000 offsets per partition, 4 splits each
    assert_same_rows(got, want, "dask")
    # Dask dtypes are pyarrow-backed: the result's Arrow types survive.
    assert got.schema.field("_timestamp").type == pa.timestamp("ms", tz="UTC")


def test_spark_local4_reads_every_offset_once(stack: Stack, ticks, spark) -> None:
    topic, want = ticks
    got, npartitions = via_spark(spark, stack.uri, TICK_SQL.format(topic), MAX_ROWS)
    assert npartitions == TICKS // MAX_ROWS
    # Spark has no millisecond timestamps: microseconds, UTC.
    assert got.schema.field("_timestamp").type == pa.timestamp("us", tz="UTC")
    assert_same_rows(got, want, "spark")


def test_ray_reads_every_offset_once(stack: Stack, ticks, ray_session) -> None:
    topic, want = ticks
    got, blocks = via_ray(stack.uri, TICK_SQL.format(topic), MAX_ROWS)
    assert blocks == TICKS // MAX_ROWS
    assert_same_rows(got, want, "ray")


def test_spark_pushes_offset_filters_into_the_query(stack: Stack, ticks, spark) -> None:
    from datetime import datetime, timedelta, timezone

    topic, _ = ticks

    def load():  # a new DataFrame per filtered query: see adbc_kafarr.spark on pushdown
        return (
            spark.read.format("kafarr")
            .option("uri", stack.uri)
            .option("table", topic)
            .option("kafarr.partitions.max_rows", MAX_ROWS)
            .option("pushdown", "true")
            .load()
        )

    assert {"bid", "_partition", "_offset", "_timestamp"} <= set(load().columns)
    # Pushed down, the filters narrow each partition's range before it is
    # cut: partitions 1 and 4, offsets [30000, 52000), one split each.
    narrowed = load().where("_partition IN (1, 4) AND _offset >= 30000 AND _offset < 52000").select("_partition", "_offset")
    assert narrowed.rdd.getNumPartitions() == 2
    got = narrowed.toArrow()
    assert got.num_rows == 2 * 22_000
    assert sorted(set(got["_partition"].to_pylist())) == [1, 4]
    assert pc.min(got["_offset"]).as_py() == 30000 and pc.max(got["_offset"]).as_py() == 51999
    # _timestamp bounds with sub-millisecond parts select exactly the
    # records Spark's own comparison would: ticks 300,001 to 360,000.
    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
    lo = epoch + timedelta(milliseconds=BASE_MS + 300_000, microseconds=400)
    hi = epoch + timedelta(milliseconds=BASE_MS + 360_000, microseconds=700)
    df = load()
    narrowed = df.where((df._timestamp >= lo) & (df._timestamp < hi)).select("t")
    assert narrowed.rdd.getNumPartitions() == PARTITIONS  # 10,000 offsets per partition
    got = narrowed.toArrow()
    assert sorted(got["t"].to_pylist()) == [BASE_MS + i for i in range(300_001, 360_001)]


def test_spark_without_pushdown_reuses_a_dataframe_safely(stack: Stack, transactional, spark) -> None:
    topic, visible = transactional
    df = spark.read.format("kafarr").option("uri", stack.uri).option("table", topic).options(**RAW).load()
    assert df.where("_partition = 1").count() < len(visible)
    assert df.count() == len(visible)  # not the filtered plan of the scan before


def test_transactional_topic_splits_like_the_plain_read(stack: Stack, transactional, dask_client, spark, ray_session) -> None:
    import dask

    topic, visible = transactional
    sql = RAW_SQL.format(topic)
    want = plain_read(stack.uri, sql, **RAW)
    assert sorted(want["_value"].to_pylist()) == sorted(visible)  # read_committed, the default
    for p in (0, 1):  # markers and aborted records leave gaps in the offsets
        offsets = pc.filter(want["_offset"], pc.equal(want["_partition"], p))
        assert pc.max(offsets).as_py() + 1 > len(offsets)
    got, n = via_dask(stack.uri, sql, 7, **RAW)
    assert n >= 24
    assert_same_rows(got, want, "dask (distributed)")
    with dask.config.set(scheduler="threads"):
        got, _ = via_dask(stack.uri, sql, 5, **RAW)
    assert_same_rows(got, want, "dask (threads)")
    got, _ = via_spark(spark, stack.uri, sql, 7, **RAW)
    assert_same_rows(got, want, "spark")
    got, _ = via_ray(stack.uri, sql, 7, **RAW)
    assert_same_rows(got, want, "ray")
    # read_uncommitted sees the aborted records too, split or not.
    unc = {**RAW, "kafarr.read.isolation": "read_uncommitted"}
    want = plain_read(stack.uri, sql, **unc)
    assert want.num_rows > len(visible)
    got, _ = via_spark(spark, stack.uri, sql, 6, **unc)
    assert_same_rows(got, want, "spark read_uncommitted")


def test_compacted_topic_splits_like_the_plain_read(stack: Stack, compacted, dask_client, spark, ray_session) -> None:
    topic, last = compacted
    sql = RAW_SQL.format(topic)
    deadline = time.monotonic() + 60
    while True:  # the broker's cleaner runs every 15 s
        want = plain_read(stack.uri, sql, **RAW)
        if want.num_rows < 2 * 1_201 or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert want.num_rows < 2 * 1_201, "the broker's log cleaner did not compact the topic within 60 s"
    # Compaction kept each key's last value.
    ordered = by_position(want)
    seen = dict(zip(zip(ordered["_partition"].to_pylist(), ordered["_key"].to_pylist()), ordered["_value"].to_pylist()))
    assert seen == last
    got, n = via_dask(stack.uri, sql, 40, **RAW)
    assert n == 2 * 31  # ceil(1201 / 40) per partition
    assert_same_rows(got, want, "dask")
    got, _ = via_spark(spark, stack.uri, sql, 40, **RAW)
    assert_same_rows(got, want, "spark")
    got, _ = via_ray(stack.uri, sql, 40, **RAW)
    assert_same_rows(got, want, "ray")


def test_limit_with_max_rows_is_not_implemented(stack: Stack, ticks) -> None:
    import adbc_kafarr.dask

    topic, _ = ticks
    with pytest.raises(adbc_kafarr.dbapi.NotSupportedError, match="LIMIT.*kafarr.partitions.max_rows"):
        adbc_kafarr.dask.read_sql(f'SELECT t FROM "{topic}" LIMIT 10', stack.uri, max_rows=MAX_ROWS)


# -- the Spark conversions, without Spark ------------------------------------


def test_spark_query_rewrite_keeps_the_where_clause() -> None:
    from adbc_kafarr.spark import with_terms

    t = ["_offset >= 5", "_partition IN (1, 2)"]
    assert with_terms('SELECT a FROM "t"', t) == 'SELECT a FROM "t" WHERE _offset >= 5 AND _partition IN (1, 2)'
    assert with_terms("select a from t where a = 1 or b = 2", t[:1]) == "select a from t WHERE (a = 1 or b = 2) AND _offset >= 5"
    assert (
        with_terms("SELECT a FROM t WHERE (x = 'where' OR \"order\" > 1) ORDER BY _offset LIMIT 3", t[:1])
        == "SELECT a FROM t WHERE ((x = 'where' OR \"order\" > 1)) AND _offset >= 5 ORDER BY _offset LIMIT 3"
    )
    assert with_terms('SELECT "limit" FROM t LIMIT 2', t[:1]) == 'SELECT "limit" FROM t WHERE _offset >= 5 LIMIT 2'
    assert with_terms("SELECT a FROM t", []) == "SELECT a FROM t"


def test_spark_arrow_schema_casts_what_spark_lacks() -> None:
    from adbc_kafarr.spark import spark_arrow_schema

    src = pa.schema(
        [
            pa.field("_timestamp", pa.timestamp("ms", tz="UTC"), nullable=False),
            pa.field("local", pa.timestamp("ns")),
            pa.field("u8", pa.uint8()),
            pa.field("u16", pa.uint16()),
            pa.field("u32", pa.uint32()),
            pa.field("u64", pa.uint64()),
            pa.field("side", pa.dictionary(pa.int32(), pa.utf8())),
            pa.field("id", pa.binary(16)),
            pa.field("t", pa.time32("ms")),
            pa.field("nested", pa.struct([pa.field("x", pa.uint32(), nullable=False)])),
            pa.field("tags", pa.map_(pa.utf8(), pa.binary())),
            pa.field("xs", pa.list_(pa.field("item", pa.timestamp("ms", tz="UTC"), nullable=False))),
        ],
        metadata={"kafarr.topic": "t"},
    )
    got = spark_arrow_schema(src)
    assert got.metadata is None
    assert all(f.nullable for f in got)
    assert got.types[:9] == [
        pa.timestamp("us", tz="UTC"),
        pa.timestamp("us"),
        pa.int16(),
        pa.int32(),
        pa.int64(),
        pa.decimal128(20, 0),
        pa.utf8(),
        pa.binary(),
        pa.time64("us"),
    ]
    assert got.field("nested").type == pa.struct([pa.field("x", pa.int64())])
    assert got.field("xs").type.value_type == pa.timestamp("us", tz="UTC")
    # Every value casts into the converted schema.
    batch = pa.RecordBatch.from_pylist([], schema=src)
    assert batch.cast(got).schema == got
    for bad, hint in [
        (pa.dense_union([pa.field("a", pa.int32())]), "union_mode=struct"),
        (pa.month_day_nano_interval(), "no type"),
        (pa.decimal256(60, 2), "38 digits"),
    ]:
        with pytest.raises(ValueError, match=hint):
            spark_arrow_schema(pa.schema([pa.field("c", bad)]))


def test_spark_timestamp_bounds_round_to_the_same_records() -> None:
    from datetime import datetime, timedelta, timezone

    from pyspark.sql.datasource import EqualTo, GreaterThan, GreaterThanOrEqual, In, LessThan, LessThanOrEqual

    from adbc_kafarr.spark import _timestamp_term

    col = ("_timestamp",)
    ms = 1_700_000_000_123
    exact = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(milliseconds=ms)
    frac = exact + timedelta(microseconds=400)
    assert _timestamp_term(GreaterThan(col, frac)) == f"_timestamp > {ms}"
    assert _timestamp_term(GreaterThanOrEqual(col, frac)) == f"_timestamp >= {ms + 1}"
    assert _timestamp_term(LessThan(col, frac)) == f"_timestamp < {ms + 1}"
    assert _timestamp_term(LessThanOrEqual(col, frac)) == f"_timestamp <= {ms}"
    assert _timestamp_term(GreaterThanOrEqual(col, exact)) == f"_timestamp >= {ms}"
    assert _timestamp_term(EqualTo(col, exact)) == f"_timestamp = {ms}"
    assert _timestamp_term(EqualTo(col, frac)) is None  # left to Spark
    assert _timestamp_term(In(col, (exact, exact + timedelta(milliseconds=1)))) == f"_timestamp IN ({ms}, {ms + 1})"
    # Naive datetimes are local time, as PySpark makes them.
    local = exact.astimezone().replace(tzinfo=None)
    assert _timestamp_term(LessThan(col, local)) == f"_timestamp < {ms}"
