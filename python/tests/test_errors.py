"""Driver errors surface as the DB-API exception their ADBC status maps to,
with the driver's message."""

from __future__ import annotations

import socket
import warnings
from typing import Callable

import adbc_driver_manager
import pyarrow as pa
import pytest

import adbc_kafarr
import adbc_kafarr.dbapi

from kafarr_stack import Stack

Status = adbc_driver_manager.AdbcStatusCode


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unknown_option_is_programming_error_naming_the_key(conn: adbc_kafarr.dbapi.Connection) -> None:
    with conn.cursor() as cur:
        with pytest.raises(adbc_kafarr.dbapi.ProgrammingError) as exc:
            cur.adbc_statement.set_options(**{"kafarr.read.no_such_option": "1"})
    assert exc.value.status_code == Status.INVALID_ARGUMENT
    assert "kafarr.read.no_such_option" in str(exc.value)


def test_bad_option_value_names_key_and_what_it_accepts(conn: adbc_kafarr.dbapi.Connection) -> None:
    with conn.cursor() as cur:
        with pytest.raises(adbc_kafarr.dbapi.ProgrammingError) as exc:
            cur.adbc_statement.set_options(**{"kafarr.read.timeout_ms": "soon"})
    assert exc.value.status_code == Status.INVALID_ARGUMENT
    assert "kafarr.read.timeout_ms" in str(exc.value) and '"soon"' in str(exc.value)
    assert "integer" in str(exc.value)


def test_unknown_database_option_fails_connect(stack: Stack) -> None:
    with pytest.raises(adbc_kafarr.dbapi.ProgrammingError) as exc:
        adbc_kafarr.dbapi.connect(stack.uri, db_kwargs={"kafarr.bogus": "x"})
    assert exc.value.status_code == Status.INVALID_ARGUMENT
    assert "kafarr.bogus" in str(exc.value)


def test_sql_outside_the_grammar_is_not_supported_and_points_to_kafarr_sql_and_duckdb(
    conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]
) -> None:
    topic = new_topic()
    adbc_kafarr.ingest(conn, topic, pa.table({"inst": ["A"]}), mode="create")
    t = f'"{topic}"'
    for sql in (
        f"SELECT inst FROM {t} GROUP BY inst",
        f"SELECT upper(inst) FROM {t}",
        f"SELECT * FROM {t} JOIN {t} ON inst = inst",
        f"SELECT * FROM (SELECT * FROM {t})",
        f"SELECT * FROM {t} UNION SELECT * FROM {t}",
    ):
        with conn.cursor() as cur:
            with pytest.raises(adbc_kafarr.dbapi.NotSupportedError) as exc:
                cur.execute(sql)
        assert exc.value.status_code == Status.NOT_IMPLEMENTED, sql
        assert "DuckDB" in str(exc.value), sql
        assert 'kafarr sql "..."' in str(exc.value), sql


def test_missing_topic_is_programming_error_not_found(
    conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]
) -> None:
    topic = new_topic()
    with conn.cursor() as cur:
        with pytest.raises(adbc_kafarr.dbapi.ProgrammingError) as exc:
            cur.execute(f'SELECT * FROM "{topic}"')
    assert exc.value.status_code == Status.NOT_FOUND
    assert topic in str(exc.value)


def test_ingest_mode_errors(conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]) -> None:
    topic = new_topic()
    data = pa.table({"inst": ["A", "B"]})
    with pytest.raises(adbc_kafarr.dbapi.ProgrammingError) as exc:
        adbc_kafarr.ingest(conn, topic, data, mode="append")
    assert exc.value.status_code == Status.NOT_FOUND and topic in str(exc.value)
    assert adbc_kafarr.ingest(conn, topic, data, mode="create") == 2
    with pytest.raises(adbc_kafarr.dbapi.ProgrammingError) as exc:
        adbc_kafarr.ingest(conn, topic, data, mode="create")
    assert exc.value.status_code == Status.ALREADY_EXISTS and topic in str(exc.value)
    # replace deletes the topic: refused unless allowed.
    with pytest.raises(adbc_kafarr.dbapi.ProgrammingError) as exc:
        adbc_kafarr.ingest(conn, topic, data, mode="replace")
    assert exc.value.status_code == Status.UNAUTHORIZED
    assert "kafarr.allow_delete_topics" in str(exc.value)
    with conn.cursor() as cur:
        cur.execute(f'SELECT inst FROM "{topic}"')
        assert cur.fetch_arrow_table().column("inst").to_pylist() == ["A", "B"]


def test_value_that_does_not_fit_names_column_row_value_and_produces_nothing(
    conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]
) -> None:
    topic = new_topic()
    # The topic's schema has an Avro int; an int64 value beyond it cannot
    # narrow exactly (docs/ingest-types.md: InvalidArgument).
    adbc_kafarr.ingest(conn, topic, pa.table({"n": pa.array([1, 2], pa.int32())}), mode="create")
    bad = pa.table({"n": pa.array([3, 4, 2**40], pa.int64())})
    with pytest.raises(adbc_kafarr.dbapi.ProgrammingError) as exc:
        adbc_kafarr.ingest(conn, topic, bad, mode="append")
    assert exc.value.status_code == Status.INVALID_ARGUMENT
    assert f'column "n" row 2: value {2**40} does not fit Avro int (field "n")' in str(exc.value)
    # Checks run before anything of the batch is produced.
    with conn.cursor() as cur:
        cur.execute(f'SELECT n FROM "{topic}"')
        assert cur.fetch_arrow_table().column("n").to_pylist() == [1, 2]


def test_unreachable_broker_is_operational_error_naming_it() -> None:
    addr = f"127.0.0.1:{_free_port()}"
    # Opening the connection dials the brokers.
    with pytest.raises(adbc_kafarr.dbapi.OperationalError) as exc:
        adbc_kafarr.dbapi.connect(f"kafka://{addr}")
    assert exc.value.status_code == Status.IO
    assert addr in str(exc.value)


def test_commit_is_invalid_state_and_autocommit_cannot_be_disabled(stack: Stack) -> None:
    with adbc_kafarr.dbapi.connect(stack.uri) as conn:
        conn.commit()  # autocommit connection: a no-op
        with pytest.raises(adbc_kafarr.dbapi.ProgrammingError) as exc:
            conn.adbc_connection.commit()
        assert exc.value.status_code == Status.INVALID_STATE
        assert "autocommit" in str(exc.value)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with adbc_kafarr.dbapi.connect(stack.uri, autocommit=False) as conn:
            assert conn.adbc_get_info()["vendor_name"] == "Kafka"
    assert [str(w.message) for w in caught if "autocommit" in str(w.message)] == [
        "Cannot disable autocommit; conn will not be DB-API 2.0 compliant"
    ]


def test_ingest_helper_rejects_other_targets() -> None:
    with pytest.raises(TypeError, match="Cursor or Connection"):
        adbc_kafarr.ingest(object(), "t", pa.table({"a": [1]}))  # type: ignore[arg-type]


def test_read_running_out_of_time_is_operational_error_timeout(
    conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]
) -> None:
    topic = new_topic()
    n = 200_000
    adbc_kafarr.ingest(conn, topic, pa.table({"x": pa.array(range(n), pa.int64())}), mode="create")
    with conn.cursor() as cur:
        # Without follow mode, not reaching the snapshot end in time is an
        # error, never a silently short result: 200,000 rows take > 1 ms.
        cur.adbc_statement.set_options(**{"kafarr.read.timeout_ms": "1"})
        with pytest.raises(adbc_kafarr.dbapi.OperationalError) as exc:
            cur.execute(f'SELECT * FROM "{topic}"')
            cur.fetch_arrow_table()
    assert exc.value.status_code == Status.TIMEOUT
    msg = str(exc.value)
    assert f'reading topic "{topic}": timed out after 1ms' in msg
    assert "partition 0 at offset" in msg and f"of end {n}" in msg
