"""What the engine integrations share: planning a query into split
descriptors, and reading a split on a connection the worker keeps.

The planner (the process that builds the Dask graph, Spark's driver, Ray's
driver) runs ``ExecutePartitions`` once: one snapshot of every partition's
end offsets, one reader schema, one descriptor per split. Descriptors are
bytes, so they travel to any worker process; the driver's connection and
statement objects do not pickle and never leave the planner.

Workers read descriptors on connections they open themselves and reuse: one
per (thread, database options), because kafarr's streams are read on the
thread that asked for them and a connection is not shared between threads
that read at the same time.
"""

from __future__ import annotations

import atexit
import threading
from dataclasses import dataclass
from typing import Iterator, Mapping

import pyarrow as pa

from . import dbapi
from ._convert import OptionKey, OptionValue
from ._convert import options as _options

__all__ = [
    "Plan",
    "close_connections",
    "execute_schema",
    "plan",
    "read_split",
    "read_split_batches",
    "statement_options",
    "worker_connection",
]

#: The statement option that cuts partitions into finer splits.
MAX_ROWS = "kafarr.partitions.max_rows"


@dataclass(frozen=True)
class Plan:
    """A planned query: the result's Arrow schema and one descriptor per
    split, all from one offset snapshot."""

    schema: pa.Schema
    descriptors: tuple[bytes, ...]


def statement_options(
    options: Mapping[OptionKey, OptionValue] | None, max_rows: int | None = None
) -> dict[str, str]:
    """Merge read options (keys with or without their ``kafarr.`` prefix)
    and ``max_rows`` into the strings the driver takes."""
    out: dict[str, str] = {}
    for key, value in _options(options).items():
        if not key.startswith(("kafarr.", "adbc.")):
            key = "kafarr." + key
        out[key] = value
    if max_rows is not None:
        if isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 1:
            raise ValueError(f"adbc_kafarr: max_rows must be an integer >= 1, got {max_rows!r}")
        out[MAX_ROWS] = str(max_rows)
    return out


def plan(
    query: str,
    uri: str,
    db_kwargs: Mapping[OptionKey, OptionValue] | None = None,
    options: Mapping[str, str] | None = None,
) -> Plan:
    """Run ``ExecutePartitions`` for query on a short-lived connection."""
    with dbapi.connect(uri, db_kwargs=db_kwargs) as conn, conn.cursor() as cur:
        if options:
            cur.adbc_statement.set_options(**options)
        descriptors, schema = cur.adbc_execute_partitions(query)
    return Plan(schema=schema, descriptors=tuple(descriptors))


def execute_schema(
    query: str,
    uri: str,
    db_kwargs: Mapping[OptionKey, OptionValue] | None = None,
    options: Mapping[str, str] | None = None,
) -> pa.Schema:
    """The Arrow schema query returns, planned without reading rows."""
    with dbapi.connect(uri, db_kwargs=db_kwargs) as conn, conn.cursor() as cur:
        if options:
            cur.adbc_statement.set_options(**options)
        return cur.adbc_execute_schema(query)


# Connections kept by worker threads: (thread id, uri, db options) ->
# connection. A thread id may be reused once its thread has ended; the new
# thread then reuses the connection, which no other thread holds.
_connections: dict[tuple, dbapi.Connection] = {}
_lock = threading.Lock()


def _key(uri: str, db_kwargs: Mapping[OptionKey, OptionValue] | None) -> tuple:
    return (threading.get_ident(), uri, tuple(sorted(_options(db_kwargs).items())))


def worker_connection(uri: str, db_kwargs: Mapping[OptionKey, OptionValue] | None = None) -> dbapi.Connection:
    """This thread's connection to uri, opened on first use."""
    key = _key(uri, db_kwargs)
    with _lock:
        conn = _connections.get(key)
    if conn is None:
        conn = dbapi.connect(uri, db_kwargs=db_kwargs)
        with _lock:
            _connections[key] = conn
    return conn


def close_connections() -> None:
    """Close every connection the workers of this process keep (at exit,
    or to release them earlier)."""
    with _lock:
        conns = list(_connections.values())
        _connections.clear()
    for conn in conns:
        try:
            conn.close()
        except Exception:  # a connection that fails to close is gone anyway
            pass


atexit.register(close_connections)


def read_split_batches(
    descriptor: bytes, uri: str, db_kwargs: Mapping[OptionKey, OptionValue] | None = None
) -> Iterator[pa.RecordBatch]:
    """Stream one split's record batches on this thread's connection."""
    conn = worker_connection(uri, db_kwargs)
    cur = conn.cursor()
    try:
        cur.adbc_read_partition(descriptor)
        reader = cur.fetch_record_batch()
        try:
            yield from reader
        finally:
            reader.close()
    finally:
        cur.close()


def read_split(
    descriptor: bytes, uri: str, db_kwargs: Mapping[OptionKey, OptionValue] | None = None
) -> pa.Table:
    """Read one split whole on this thread's connection."""
    conn = worker_connection(uri, db_kwargs)
    with conn.cursor() as cur:
        cur.adbc_read_partition(descriptor)
        return cur.fetch_arrow_table()
