"""A result stream lives as long as it is read, whatever else its connection
does next (pkg/cshared/README.md, "Contexts").

The C export layer cancels a connection call's context at the connection's
next call. Each stream that ReadPartition (or another connection call)
returns therefore gets a context of its own, cancelled only when the stream
is released or by AdbcConnectionCancel / AdbcConnectionRelease; a query's
stream is its statement's, and other statements and connection calls leave
it alone. These tests read streams many small batches long and interleave
other calls on the same connection between their first batch and the rest:
every stream must still deliver exactly its rows, including once the read
path honours the context a stream was opened with.
"""

from __future__ import annotations

from typing import Callable

import pyarrow as pa

import adbc_kafarr
import adbc_kafarr.dbapi

from kafarr_stack import Stack

N = 60_000
PARTITIONS = 3
BATCH_ROWS = 1_000  # 20 batches per partition, 60 for the whole topic


def _ingest(conn: adbc_kafarr.dbapi.Connection, topic: str) -> None:
    data = pa.table(
        {
            "id": pa.array(range(N), pa.int64()),
            "p": pa.array([i % PARTITIONS for i in range(N)], pa.int32()),
        }
    )
    assert adbc_kafarr.ingest(conn, topic, data, mode="create", partitions=PARTITIONS, partition_column="p") == N


def _connect(stack: Stack) -> adbc_kafarr.dbapi.Connection:
    return adbc_kafarr.dbapi.connect(stack.uri, conn_kwargs={"kafarr.read.batch_rows": str(BATCH_ROWS)})


def _first_batch(reader: pa.RecordBatchReader) -> pa.RecordBatch:
    batch = reader.read_next_batch()
    # The stream has more batches to come: the rest is read after the
    # interleaved calls.
    assert 0 < batch.num_rows <= BATCH_ROWS
    return batch


def _ids(batches: list[pa.RecordBatch]) -> list[int]:
    return sorted(i for b in batches for i in b.column("id").to_pylist())


def _partition_ids(p: int) -> list[int]:
    return [i for i in range(N) if i % PARTITIONS == p]


def _other_connection_calls(conn: adbc_kafarr.dbapi.Connection, topic: str) -> None:
    """GetObjects, GetTableSchema, GetInfo, GetTableTypes on conn: each a
    connection call that cancels the previous call's context."""
    objects = conn.adbc_get_objects(depth="columns", table_name_filter=topic).read_all()
    assert objects.num_rows == 1
    assert "id" in conn.adbc_get_table_schema(topic).names
    assert conn.adbc_get_info()
    assert conn.adbc_get_table_types() == ["topic"]


def test_a_read_partition_stream_survives_later_calls_on_its_connection(
    stack: Stack, conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]
) -> None:
    topic = new_topic()
    _ingest(conn, topic)
    with _connect(stack) as c:
        with c.cursor() as cur:
            descriptors, _ = cur.adbc_execute_partitions(f'SELECT id, _partition FROM "{topic}"')
        assert len(descriptors) == PARTITIONS

        with c.cursor() as cur1, c.cursor() as cur2, c.cursor() as cur3:
            cur1.adbc_read_partition(descriptors[0])
            first = cur1.fetch_record_batch()
            first_batches = [_first_batch(first)]

            _other_connection_calls(c, topic)
            # A second ReadPartition on the same connection, read partly.
            cur2.adbc_read_partition(descriptors[1])
            second = cur2.fetch_record_batch()
            second_batches = [_first_batch(second)]
            # A query on another statement of the same connection.
            cur3.execute(f'SELECT id FROM "{topic}"')
            query = cur3.fetch_record_batch()
            query_batches = [_first_batch(query)]
            _other_connection_calls(c, topic)
            # And a third ReadPartition, read in full.
            with c.cursor() as cur4:
                cur4.adbc_read_partition(descriptors[2])
                third = cur4.fetch_arrow_table()

            first_batches.extend(first)
            second_batches.extend(second)
            query_batches.extend(query)

        parts = [b.column("_partition")[0].as_py() for b in (first_batches[0], second_batches[0])]
        parts.append(third.column("_partition")[0].as_py())
        assert sorted(parts) == list(range(PARTITIONS))
        assert sum(b.num_rows for b in first_batches) == N // PARTITIONS
        assert _ids(first_batches) == _partition_ids(parts[0])
        assert len(first_batches) >= N // PARTITIONS // BATCH_ROWS
        assert _ids(second_batches) == _partition_ids(parts[1])
        assert sorted(third.column("id").to_pylist()) == _partition_ids(parts[2])
        assert sum(b.num_rows for b in query_batches) == N
        assert _ids(query_batches) == list(range(N))


def test_a_query_stream_survives_calls_on_its_connection_and_other_statements(
    stack: Stack, conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]
) -> None:
    topic = new_topic()
    _ingest(conn, topic)
    with _connect(stack) as c, c.cursor() as cur, c.cursor() as other:
        cur.execute(f'SELECT id FROM "{topic}"')
        reader = cur.fetch_record_batch()
        batches = [_first_batch(reader)]

        _other_connection_calls(c, topic)
        descriptors, _ = other.adbc_execute_partitions(f'SELECT id FROM "{topic}"')
        other.adbc_read_partition(descriptors[0])
        part = other.fetch_arrow_table()
        other.execute(f'SELECT id FROM "{topic}" WHERE id < 10')
        assert sorted(other.fetch_arrow_table().column("id").to_pylist()) == list(range(10))
        _other_connection_calls(c, topic)

        batches.extend(reader)
        assert sum(b.num_rows for b in batches) == N
        assert _ids(batches) == list(range(N))
        assert part.num_rows == N // PARTITIONS


def _drain_or_cancelled(reader: pa.RecordBatchReader, batches: list[pa.RecordBatch], want: list[int]) -> None:
    """A cancelled stream either delivers all its rows (ADBC lets a driver
    finish what it buffered) or fails with a cancellation; it never ends
    early without an error."""
    try:
        batches.extend(reader)
    except Exception as e:  # the driver's cancellation, however pyarrow raises it
        assert "cancel" in str(e).lower(), f"stream failed, not with a cancellation: {e!r}"
        return
    assert _ids(batches) == want


def test_connection_cancel_ends_or_finishes_open_streams_and_leaves_the_connection_usable(
    stack: Stack, conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]
) -> None:
    topic = new_topic()
    _ingest(conn, topic)
    with _connect(stack) as c:
        with c.cursor() as cur:
            descriptors, _ = cur.adbc_execute_partitions(f'SELECT id, _partition FROM "{topic}"')
        with c.cursor() as cur1:
            cur1.adbc_read_partition(descriptors[0])
            reader = cur1.fetch_record_batch()
            batches = [_first_batch(reader)]
            p = batches[0].column("_partition")[0].as_py()

            c.adbc_cancel()  # AdbcConnectionCancel: every open stream of c

            _drain_or_cancelled(reader, batches, _partition_ids(p))
        # Cancel ends what was open, not the connection: new calls and
        # streams are whole.
        _other_connection_calls(c, topic)
        with c.cursor() as cur2:
            cur2.adbc_read_partition(descriptors[0])
            assert sorted(cur2.fetch_arrow_table().column("id").to_pylist()) == _partition_ids(p)


def test_statement_cancel_ends_or_finishes_its_stream_and_leaves_the_statement_usable(
    stack: Stack, conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]
) -> None:
    topic = new_topic()
    _ingest(conn, topic)
    with _connect(stack) as c, c.cursor() as cur:
        cur.execute(f'SELECT id FROM "{topic}"')
        reader = cur.fetch_record_batch()
        batches = [_first_batch(reader)]

        cur.adbc_cancel()  # AdbcStatementCancel

        _drain_or_cancelled(reader, batches, list(range(N)))
        cur.execute(f'SELECT id FROM "{topic}"')
        assert cur.fetch_arrow_table().num_rows == N
