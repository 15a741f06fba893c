"""Cancelling a read through the real adbc_driver_manager: cursor.adbc_cancel()
from another thread ends the stream with the ADBC Cancelled error; Ctrl-C
(SIGINT) during a read surfaces as KeyboardInterrupt; and the reader of
fetch_record_batch raises the driver manager's error classes, with the
status, like fetch_arrow_table (docs/reliability.md, "Cancellation")."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from typing import Callable

import adbc_driver_manager
import pyarrow as pa
import pytest

import adbc_kafarr
import adbc_kafarr.dbapi

from kafarr_stack import REPO, Stack

Status = adbc_driver_manager.AdbcStatusCode

ROWS = 100_000
BATCH_ROWS = 1_000
# How long a cancelled read may take to end, and a Ctrl-C'd child to exit.
WITHIN = 2.0


def _ingest(conn: adbc_kafarr.dbapi.Connection, topic: str, n: int) -> None:
    data = pa.table({"seq": pa.array(range(n), pa.int64())})
    assert adbc_kafarr.ingest(conn, topic, data, mode="create") == n


def _cancel_from_another_thread(cur: adbc_kafarr.dbapi.Cursor) -> None:
    t = threading.Thread(target=cur.adbc_cancel)
    t.start()
    t.join()


def test_adbc_cancel_ends_a_stream_at_its_next_batch(
    conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]
) -> None:
    topic = new_topic()
    _ingest(conn, topic, ROWS)
    with conn.cursor(adbc_stmt_kwargs={"kafarr.read.batch_rows": str(BATCH_ROWS)}) as cur:
        cur.execute(f'SELECT seq FROM "{topic}"')
        assert cur.fetchone() == (0,)
        _cancel_from_another_thread(cur)
        start = time.monotonic()
        rows = 1
        with pytest.raises(adbc_kafarr.dbapi.OperationalError) as exc:
            while cur.fetchone() is not None:
                rows += 1
        took = time.monotonic() - start
    # The rest of the batch the driver manager already held, nothing more.
    assert rows <= BATCH_ROWS, f"{rows} rows after the cancel"
    assert exc.value.status_code == Status.CANCELLED
    assert f'reading topic "{topic}": cancelled after {BATCH_ROWS} rows' in str(exc.value)
    assert f"partition 0 at offset {BATCH_ROWS} of end {ROWS}" in str(exc.value)
    assert took < WITHIN


def test_adbc_cancel_ends_a_record_batch_reader(
    conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]
) -> None:
    topic = new_topic()
    _ingest(conn, topic, ROWS)
    with conn.cursor(adbc_stmt_kwargs={"kafarr.read.batch_rows": str(BATCH_ROWS)}) as cur:
        cur.execute(f'SELECT seq FROM "{topic}"')
        reader = cur.fetch_record_batch()
        assert reader.read_next_batch().num_rows == BATCH_ROWS
        _cancel_from_another_thread(cur)
        with pytest.raises(adbc_kafarr.dbapi.OperationalError) as exc:
            reader.read_next_batch()
    assert exc.value.status_code == Status.CANCELLED
    assert f'reading topic "{topic}": cancelled after {BATCH_ROWS} rows' in str(exc.value)


def test_adbc_cancel_ends_a_waiting_follow_read(
    conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]
) -> None:
    topic = new_topic()
    _ingest(conn, topic, 10)
    opts = {"kafarr.read.follow": "true", "kafarr.read.timeout_ms": "20000"}
    with conn.cursor(adbc_stmt_kwargs=opts) as cur:
        cur.execute(f'SELECT seq FROM "{topic}" LIMIT 100')
        timer = threading.Timer(0.5, cur.adbc_cancel)
        timer.start()
        start = time.monotonic()
        try:
            with pytest.raises(adbc_kafarr.dbapi.OperationalError) as exc:
                cur.fetch_arrow_table()
        finally:
            timer.cancel()
        took = time.monotonic() - start
    assert exc.value.status_code == Status.CANCELLED
    assert "partition 0 at offset 0" in str(exc.value)  # none of the 10 rows was delivered
    assert took < 0.5 + WITHIN


# Each blocks in the driver its own way: pyarrow's read_all (fetch_arrow_table,
# and pandas' read_sql through it), read_pandas, the driver manager's row
# iterator, kafarr's fetch_record_batch reader. (fetch_polars is wrapped the
# same way; one child fewer keeps the test short: child start-up is most of
# its time.)
CTRL_C_MODES = ["fetch_arrow_table", "fetch_df", "read_sql", "fetchone", "fetch_record_batch"]


def test_ctrl_c_during_a_read_is_keyboard_interrupt(
    stack: Stack, conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]
) -> None:
    """SIGINT to a process whose read waits in the driver (a follow read
    that would wait 60 s for messages) ends it with KeyboardInterrupt within
    WITHIN seconds, whatever the API reading. The children start together
    (their start-up is most of the time) and are interrupted one at a time."""
    topic = new_topic()
    _ingest(conn, topic, 10)
    children = {
        mode: subprocess.Popen(
            [sys.executable, str(REPO / "python" / "tests" / "sigint_child.py"), mode, stack.uri, topic],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for mode in CTRL_C_MODES
    }
    problems = []
    try:
        for mode, child in children.items():
            assert child.stdout is not None and child.stderr is not None
            if child.stdout.readline().strip() != "ready":
                child.wait(timeout=30)
                pytest.fail(f"{mode}: the child did not start: {child.stderr.read()}")
        time.sleep(1.0)  # every read now waits in the driver
        for mode, child in children.items():
            os.kill(child.pid, signal.SIGINT)
            sent = time.monotonic()
            out, err = child.communicate(timeout=30)
            took = time.monotonic() - sent
            lines = err.strip().splitlines()
            if "finished" in out:
                problems.append(f"{mode}: the read ended normally: the Ctrl-C was lost")
            elif not lines or lines[-1] != "KeyboardInterrupt" or "Traceback" not in err:
                problems.append(f"{mode}: the child did not end with KeyboardInterrupt:\n{err}")
            elif child.returncode != -signal.SIGINT:
                # Python ends a process that an uncaught KeyboardInterrupt
                # stops by SIGINT.
                problems.append(f"{mode}: exit status {child.returncode}:\n{err}")
            elif took >= WITHIN:
                problems.append(f"{mode}: the child exited {took:.2f} s after SIGINT")
    finally:
        for child in children.values():
            if child.poll() is None:
                child.kill()
                child.wait()
    assert not problems, "\n".join(problems)


def _bad_topic(stack: Stack, conn: adbc_kafarr.dbapi.Connection, topic: str) -> None:
    """A topic of 3,000 good rows, then a value that is not Avro."""
    from confluent_kafka import Producer

    _ingest(conn, topic, 3000)
    producer = Producer({"bootstrap.servers": stack.brokers})
    producer.produce(topic, value=b"not avro at all")
    assert producer.flush(30) == 0


def test_fetch_record_batch_errors_carry_the_adbc_status(
    stack: Stack, conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]
) -> None:
    topic = new_topic()
    _bad_topic(stack, conn, topic)
    sql = f'SELECT seq FROM "{topic}"'
    opts = {"kafarr.read.batch_rows": str(BATCH_ROWS)}
    with conn.cursor(adbc_stmt_kwargs=opts) as cur:
        cur.execute(sql)
        with pytest.raises(adbc_kafarr.dbapi.DataError) as table_exc:
            cur.fetch_arrow_table()

    def check(exc: pytest.ExceptionInfo) -> None:
        assert type(exc.value) is type(table_exc.value)
        assert exc.value.status_code == Status.INVALID_DATA
        assert exc.value.sqlstate == table_exc.value.sqlstate
        assert str(exc.value) == str(table_exc.value)
        assert f'topic "{topic}" partition 0 offset 3000' in str(exc.value)

    # Read batch by batch: the batches before the bad value, then its error.
    with conn.cursor(adbc_stmt_kwargs=opts) as cur:
        cur.execute(sql)
        reader = cur.fetch_record_batch()
        assert isinstance(reader, pa.RecordBatchReader)
        got = 0
        with pytest.raises(adbc_kafarr.dbapi.DataError) as exc:
            for batch in reader:
                got += batch.num_rows
        assert got == 3000
        check(exc)
    # Consumers of a pyarrow reader that read it from Python.
    for consume in (lambda r: r.read_all(), pa.Table.from_batches, lambda r: r.read_pandas()):
        with conn.cursor(adbc_stmt_kwargs=opts) as cur:
            cur.execute(sql)
            with pytest.raises(adbc_kafarr.dbapi.DataError) as exc:
                consume(cur.fetch_record_batch())
            check(exc)


def test_fetch_record_batch_feeds_arrow_consumers(
    conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]
) -> None:
    import duckdb
    import polars as pl

    topic = new_topic()
    _ingest(conn, topic, 2500)
    want = list(range(2500))
    opts = {"kafarr.read.batch_rows": str(BATCH_ROWS)}

    def reader(cur: adbc_kafarr.dbapi.Cursor) -> pa.RecordBatchReader:
        cur.execute(f'SELECT seq FROM "{topic}"')
        return cur.fetch_record_batch()

    with conn.cursor(adbc_stmt_kwargs=opts) as cur:
        assert sorted(pa.Table.from_batches(reader(cur)).column("seq").to_pylist()) == want
    with conn.cursor(adbc_stmt_kwargs=opts) as cur:
        assert sorted(pl.from_arrow(reader(cur))["seq"].to_list()) == want
    with conn.cursor(adbc_stmt_kwargs=opts) as cur:
        rel = duckdb.from_arrow(reader(cur))
        assert [r[0] for r in rel.order("seq").fetchall()] == want
    with conn.cursor(adbc_stmt_kwargs=opts) as cur:
        assert sorted(pa.RecordBatchReader.from_stream(reader(cur)).read_all().column("seq").to_pylist()) == want


def test_the_dbapi_classes_are_the_driver_managers(conn: adbc_kafarr.dbapi.Connection) -> None:
    # pandas, Polars and DuckDB recognise an ADBC connection by these.
    import adbc_driver_manager.dbapi as dm

    assert isinstance(conn, dm.Connection)
    with conn.cursor() as cur:
        assert isinstance(cur, dm.Cursor)
        assert isinstance(cur.adbc_statement, adbc_driver_manager.AdbcStatement)
