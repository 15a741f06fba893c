"""kafarr as a PySpark data source (PySpark 4's Python Data Source API).

::

    import adbc_kafarr.spark

    adbc_kafarr.spark.register(spark)
    df = (spark.read.format("kafarr")
          .option("uri", "kafka://h:9092?schema_registry.url=http%3A%2F%2Fh%3A8081")
          .option("query", "SELECT inst, bid, _partition, _offset, _timestamp FROM ticks")
          .option("max_rows", 250_000)      # kafarr.partitions.max_rows
          .load())
    df.groupBy("inst").avg("bid").show()

Options: ``uri`` (required; every executor connects with it), ``query`` or
``table`` (a topic: ``SELECT * FROM topic``; or ``.load(topic)``), ``max_rows``, and any
``kafarr.*`` read option (``kafarr.read.isolation``, ...). Database options
other than the URI's (credentials) may be given as ``db.<key>``, e.g.
``.option("db.password", pw)``.

The query is planned in ``partitions()``: one snapshot of the topic's end
offsets for every split (``ExecutePartitions``); each Spark task reads one
split (``ReadPartition``) on a connection its Python worker opens once and
reuses. Spark's Python workers must be able to import ``adbc_kafarr``
(set ``PYSPARK_PYTHON`` to the interpreter that has it). Needs
``pip install adbc-kafarr[spark]``.

Spark's types are narrower than Arrow's, so the schema is converted:
timestamps become ``timestamp[us]`` (UTC, Spark's ``TimestampType``), unsigned
integers the next wider signed type (``uint64``: ``decimal(20,0)``),
dictionaries their values, fixed-size binary ``binary``, every field
nullable, no schema or field metadata. Dense unions,
``month_day_nano_interval`` and ``decimal256`` have no Spark type: leave
those columns out of the query.

Filter pushdown is opt-in, per read: with ``.option("pushdown", "true")``,
simple filters Spark has on ``_partition``, ``_offset`` and ``_timestamp``
(``=``, ``<``, ``<=``, ``>``, ``>=``, ``IN``) are added to the kafarr query's
``WHERE``, where they narrow the offsets read, and Spark does not evaluate
them again. It is off by default because PySpark 4.3 plans a loaded
DataFrame's read once and keeps it for every later scan of that DataFrame:
after ``df.where("_partition = 1").count()``, a plain ``df.count()`` would
reuse the pushed-down plan and count partition 1 only. With pushdown on,
load a new DataFrame for each filtered query. (The same caching means that
every action on one loaded DataFrame reads the same offset snapshot; load
again to see newer messages.) ``register`` turns on
``spark.sql.python.filterPushdown.enabled``, which pushdown needs, unless
the session set it to ``false``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Iterator, Mapping, Sequence

import pyarrow as pa
from pyspark.sql.datasource import (
    DataSource,
    DataSourceReader,
    EqualTo,
    Filter,
    GreaterThan,
    GreaterThanOrEqual,
    In,
    InputPartition,
    LessThan,
    LessThanOrEqual,
)
from pyspark.sql.pandas.types import from_arrow_type, to_arrow_schema
from pyspark.sql.types import StructField, StructType

from . import _splits

__all__ = ["KafarrDataSource", "KafarrPushdownReader", "KafarrReader", "register", "spark_arrow_schema"]

PUSHDOWN_CONF = "spark.sql.python.filterPushdown.enabled"
_PUSHABLE = ("_partition", "_offset", "_timestamp")


def register(spark) -> None:
    """Register the ``kafarr`` format on spark (a ``SparkSession``), and turn
    on Python data source filter pushdown (used by reads with
    ``.option("pushdown", "true")``) unless the session turned it off."""
    explicit = spark.conf.getAll.get(PUSHDOWN_CONF)  # only what the session set
    if explicit is None or str(explicit).lower() != "false":
        spark.conf.set(PUSHDOWN_CONF, "true")
    spark.dataSource.register(KafarrDataSource)


def spark_arrow_type(t: pa.DataType, column: str) -> pa.DataType:
    """The Arrow type Spark takes for a column of Arrow type t."""
    if pa.types.is_timestamp(t):
        return pa.timestamp("us", tz="UTC" if t.tz is not None else None)
    if pa.types.is_dictionary(t):
        return spark_arrow_type(t.value_type, column)
    if pa.types.is_unsigned_integer(t):
        return {8: pa.int16(), 16: pa.int32(), 32: pa.int64()}.get(t.bit_width, pa.decimal128(20, 0))
    if pa.types.is_fixed_size_binary(t):
        return pa.binary()
    if pa.types.is_time(t):
        return pa.time64("us")
    if pa.types.is_duration(t):
        return pa.duration("us")
    if pa.types.is_decimal(t) and t.precision > 38:
        raise ValueError(f"adbc_kafarr.spark: column {column!r} is {t}: Spark decimals hold 38 digits at most")
    if pa.types.is_struct(t):
        return pa.struct(
            [pa.field(f.name, spark_arrow_type(f.type, f"{column}.{f.name}"), nullable=True) for f in t]
        )
    if pa.types.is_map(t):
        return pa.map_(
            spark_arrow_type(t.key_type, column + ".key"),
            pa.field("value", spark_arrow_type(t.item_type, column + ".value"), nullable=True),
        )
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        return pa.list_(pa.field("element", spark_arrow_type(t.value_type, column + "[]"), nullable=True))
    if pa.types.is_union(t) or pa.types.is_interval(t):
        hint = " (set kafarr.read.union_mode=struct)" if pa.types.is_union(t) else ""
        raise ValueError(f"adbc_kafarr.spark: column {column!r} is {t}, which Spark has no type for{hint}; leave it out of the query")
    return t


def spark_arrow_schema(schema: pa.Schema) -> pa.Schema:
    """The Arrow schema Spark takes for a kafarr result schema: Spark's
    types, every field nullable, no metadata."""
    return pa.schema([pa.field(f.name, spark_arrow_type(f.type, f.name), nullable=True) for f in schema])


def _spark_schema(schema: pa.Schema) -> StructType:
    return StructType(
        [StructField(f.name, from_arrow_type(f.type, prefer_timestamp_ntz=True), nullable=True) for f in spark_arrow_schema(schema)]
    )


class _Settings:
    """The data source options, split into what kafarr takes."""

    def __init__(self, options: Mapping[str, str]) -> None:
        opts = {k.lower(): v for k, v in options.items()}
        self.uri = opts.pop("uri", None)
        if not self.uri:
            raise ValueError('adbc_kafarr.spark: option "uri" is required (kafka://host:port[?opt=value&...])')
        query, table, path = opts.pop("query", None), opts.pop("table", None), opts.pop("path", None)
        table = table or (path if not query else None)
        if bool(query) == bool(table):
            raise ValueError('adbc_kafarr.spark: give exactly one of the options "query" and "table"')
        if table and not re.fullmatch(r"[A-Za-z0-9._-]+", table):
            raise ValueError(f"adbc_kafarr.spark: {table!r} is not a Kafka topic name")
        self.query = query or f'SELECT * FROM "{table}"'
        max_rows = opts.pop("max_rows", None)
        pushdown = str(opts.pop("pushdown", "false")).lower()
        if pushdown not in ("true", "false"):
            raise ValueError(f'adbc_kafarr.spark: option "pushdown" takes true or false, got {pushdown!r}')
        self.pushdown = pushdown == "true"
        self.db_kwargs = {k[3:]: v for k, v in opts.items() if k.startswith("db.")}
        read = {k: v for k, v in opts.items() if not k.startswith("db.")}
        self.statement = _splits.statement_options(read, int(max_rows) if max_rows is not None else None)


class KafarrDataSource(DataSource):
    """The ``kafarr`` format: a kafarr query read in splits."""

    @classmethod
    def name(cls) -> str:
        return "kafarr"

    def __init__(self, options: dict) -> None:
        super().__init__(options)
        self._settings = _Settings(options)
        # Set by schema(): the reader schema the declared columns come
        # from, which partitions() plans with, so that the splits' columns
        # are the declared ones even if a version is registered meanwhile.
        self._pins: dict[str, str] = {}

    def schema(self) -> StructType:
        s = self._settings
        arrow = _splits.execute_schema(s.query, s.uri, s.db_kwargs, s.statement)
        meta = arrow.metadata or {}
        schema_id = meta.get(b"kafarr.value.schema_id", b"").decode()
        if schema_id.isdigit() and int(schema_id) > 0 and "kafarr.read.schema" not in s.statement:
            self._pins["kafarr.read.schema"] = "id:" + schema_id
            subject = meta.get(b"kafarr.value.subject", b"").decode()
            if subject:
                self._pins["kafarr.value.subject"] = subject
        return _spark_schema(arrow)

    def reader(self, schema: StructType) -> DataSourceReader:
        cls = KafarrPushdownReader if self._settings.pushdown else KafarrReader
        return cls(self._settings, schema, self._pins)


class KafarrReader(DataSourceReader):
    """Reads the splits of one Spark scan of a kafarr query."""

    def __init__(self, settings: _Settings, schema: StructType, pins: Mapping[str, str]) -> None:
        self._settings = settings
        self._pins = dict(pins)
        self._target = to_arrow_schema(schema, timezone="UTC")
        self._terms: list[str] = []
        self._pushable = {f.name for f in schema.fields if f.name in _PUSHABLE}

    def partitions(self) -> Sequence[InputPartition]:
        s = self._settings
        query = with_terms(s.query, self._terms)
        planned = _splits.plan(query, s.uri, s.db_kwargs, {**s.statement, **self._pins})
        return [InputPartition(d) for d in planned.descriptors]

    def read(self, partition: InputPartition) -> Iterator[pa.RecordBatch]:
        if partition.value is None:  # Spark's stand-in when there are no splits
            return
        s, target = self._settings, self._target
        for batch in _splits.read_split_batches(partition.value, s.uri, s.db_kwargs):
            yield _conform(batch, target)


class KafarrPushdownReader(KafarrReader):
    """KafarrReader that also pushes simple filters on the offset-bounding
    metadata columns into the kafarr query (``pushdown=true``)."""

    def pushFilters(self, filters: list[Filter]) -> Iterator[Filter]:
        for f in filters:
            term = self._term(f)
            if term is None:
                yield f
            else:
                self._terms.append(term)

    def _term(self, f: Filter) -> str | None:
        attr = getattr(f, "attribute", ())
        if len(attr) != 1 or attr[0] not in self._pushable:
            return None
        col = attr[0]
        if col == "_timestamp":
            return _timestamp_term(f)
        ops = {EqualTo: "=", GreaterThan: ">", GreaterThanOrEqual: ">=", LessThan: "<", LessThanOrEqual: "<="}
        if isinstance(f, In):
            if f.value and all(_is_int(v) for v in f.value):
                return f"{col} IN ({', '.join(str(int(v)) for v in f.value)})"
            return None
        op = ops.get(type(f))
        if op is None or not _is_int(f.value):
            return None
        return f"{col} {op} {int(f.value)}"


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _micros(v: Any) -> int | None:
    """Epoch microseconds of a Spark timestamp filter value: a datetime,
    naive in the Python worker's local zone (as PySpark makes them), or
    aware."""
    if not isinstance(v, datetime):
        return None
    whole = v.replace(microsecond=0)
    return int(whole.timestamp()) * 1_000_000 + v.microsecond


def _timestamp_term(f: Filter) -> str | None:
    """A _timestamp filter as a kafarr term in epoch milliseconds. Kafka
    timestamps are whole milliseconds, so each bound is rounded the way
    that keeps exactly the same records: ts > 1.5 ms is ts > 1 ms, ts >= 1.5
    ms is ts >= 2 ms."""
    if isinstance(f, In):
        ms = [_micros(v) for v in f.value]
        if not ms or any(m is None or m % 1000 for m in ms):
            return None
        return f"_timestamp IN ({', '.join(str(m // 1000) for m in ms)})"
    us = _micros(getattr(f, "value", None))
    if us is None:
        return None
    floor, ceil = us // 1000, -(-us // 1000)
    if isinstance(f, GreaterThan):
        return f"_timestamp > {floor}"
    if isinstance(f, GreaterThanOrEqual):
        return f"_timestamp >= {ceil}"
    if isinstance(f, LessThan):
        return f"_timestamp < {ceil}"
    if isinstance(f, LessThanOrEqual):
        return f"_timestamp <= {floor}"
    if isinstance(f, EqualTo) and us % 1000 == 0:
        return f"_timestamp = {floor}"
    return None


def _conform(batch: pa.RecordBatch, target: pa.Schema) -> pa.RecordBatch:
    """batch with exactly the declared Arrow schema Spark checks."""
    if batch.schema.equals(target):
        return batch
    cols = []
    for field in target:
        i = batch.schema.get_field_index(field.name)
        if i < 0:
            raise ValueError(f"adbc_kafarr.spark: the kafarr result has no column {field.name!r} (columns: {batch.schema.names})")
        col = batch.column(i)
        cols.append(col if col.type.equals(field.type) else col.cast(field.type))
    return pa.RecordBatch.from_arrays(cols, schema=target)


# Top-level clause keywords of kafarr's SELECT, outside quotes and parentheses.
_TOKEN = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|\(|\)|\b(WHERE|ORDER|LIMIT)\b""", re.IGNORECASE)


def with_terms(query: str, terms: Sequence[str]) -> str:
    """query with terms ANDed to its WHERE clause (added when it has none),
    its ORDER BY and LIMIT kept after them."""
    if not terms:
        return query
    where = tail = None
    depth = 0
    for m in _TOKEN.finditer(query):
        tok = m.group(0)
        if tok == "(":
            depth += 1
        elif tok == ")":
            depth -= 1
        elif m.group(1) and depth == 0:
            kw = m.group(1).upper()
            if kw == "WHERE" and where is None and tail is None:
                where = m
            elif kw in ("ORDER", "LIMIT") and tail is None:
                tail = m.start()
    end = len(query) if tail is None else tail
    pushed = " AND ".join(terms)
    if where is None:
        head, cond = query[:end].rstrip(), pushed
    else:
        head, cond = query[: where.start()].rstrip(), f"({query[where.end():end].strip()}) AND {pushed}"
    rest = query[end:] if tail is not None else ""
    return f"{head} WHERE {cond}{' ' + rest if rest else ''}"
