"""pandas through the DB-API connection: read_sql, read_sql_table, to_sql."""

from __future__ import annotations

from typing import Callable

import adbc_driver_manager
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import adbc_kafarr
import adbc_kafarr.dbapi

from kafarr_stack import Stack


def tick_frame(n: int, start: int = 0) -> pd.DataFrame:
    """pykafarr's tick record, with values that identify each row."""
    i = np.arange(start, start + n)
    return pd.DataFrame(
        {
            "inst": np.where(i % 3 == 0, "GBPUSD", np.where(i % 3 == 1, "EURUSD", "USDJPY")),
            "t": (1_700_000_000_000 + i).astype(np.int64),
            "dt": (i % 150).astype(np.int32),
            "bid": (1.25 + (i % 100) / 100_000).astype(np.float32),
            "ask": (1.2501 + (i % 100) / 100_000).astype(np.float32),
        }
    )


VALUE_COLUMNS = ["inst", "t", "dt", "bid", "ask"]


def assert_ticks_equal(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got.columns[: len(VALUE_COLUMNS)]) == VALUE_COLUMNS
    assert len(got) == len(want)
    for col in VALUE_COLUMNS:
        assert got[col].tolist() == want[col].tolist(), col
    assert got["t"].dtype == np.int64 and got["dt"].dtype == np.int32
    assert got["bid"].dtype == np.float32 and got["ask"].dtype == np.float32


def test_read_sql_returns_every_row_exactly(conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]) -> None:
    topic = new_topic()
    df = tick_frame(10_000)
    assert adbc_kafarr.ingest(conn, topic, df, mode="create") == 10_000
    got = pd.read_sql(f'SELECT * FROM "{topic}"', conn)
    assert list(got.columns) == VALUE_COLUMNS + ["_partition", "_offset", "_timestamp"]
    assert_ticks_equal(got, df)
    assert got["_offset"].tolist() == list(range(10_000))
    assert set(got["_partition"]) == {0}
    assert str(got["_timestamp"].dtype) == "datetime64[ms, UTC]"


def test_read_sql_with_projection_filter_and_limit(
    conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]
) -> None:
    topic = new_topic()
    df = tick_frame(3_000)
    adbc_kafarr.ingest(conn, topic, df, mode="create")
    got = pd.read_sql(f"SELECT t, dt FROM \"{topic}\" WHERE inst = 'EURUSD' AND dt < 10 LIMIT 7", conn)
    want = df[(df.inst == "EURUSD") & (df.dt < 10)].head(7)
    assert list(got.columns) == ["t", "dt"]
    assert got["t"].tolist() == want["t"].tolist()
    assert got["dt"].tolist() == want["dt"].tolist()
    tail = pd.read_sql(f'SELECT _offset, t FROM "{topic}" ORDER BY _offset DESC LIMIT 3', conn)
    assert tail["_offset"].tolist() == [2999, 2998, 2997]
    assert tail["t"].tolist() == df["t"].tolist()[-1:-4:-1]


def test_read_sql_table(conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]) -> None:
    topic = new_topic()
    df = tick_frame(500)
    adbc_kafarr.ingest(conn, topic, df, mode="create")
    got = pd.read_sql_table(topic, conn)
    assert_ticks_equal(got, df)
    cols = pd.read_sql_table(topic, conn, columns=["inst", "_offset"])
    assert list(cols.columns) == ["inst", "_offset"]
    assert cols["inst"].tolist() == df["inst"].tolist()
    assert cols["_offset"].tolist() == list(range(500))


def test_to_sql_fail_append_replace(stack: Stack, new_topic: Callable[..., str]) -> None:
    topic = new_topic()
    first, second, third = tick_frame(100), tick_frame(50, start=100), tick_frame(20, start=1000)
    with adbc_kafarr.dbapi.connect(
        stack.uri, conn_kwargs={adbc_kafarr.StatementOptions.ALLOW_DELETE_TOPICS: True}
    ) as conn:
        # A new table: pandas sees no table (GetObjects) and creates it.
        assert first.to_sql(topic, conn, index=False) == 100
        assert_ticks_equal(pd.read_sql_table(topic, conn), first)
        # if_exists="fail" on an existing table.
        with pytest.raises(ValueError, match=f"Table '{topic}' already exists"):
            second.to_sql(topic, conn, index=False)
        assert len(pd.read_sql_table(topic, conn)) == 100
        # append adds rows after the existing ones.
        assert second.to_sql(topic, conn, index=False, if_exists="append") == 50
        assert_ticks_equal(pd.read_sql_table(topic, conn), pd.concat([first, second], ignore_index=True))
        # replace: DROP TABLE, then create.
        assert third.to_sql(topic, conn, index=False, if_exists="replace") == 20
        got = pd.read_sql_table(topic, conn)
        assert_ticks_equal(got, third)
        assert got["_offset"].tolist() == list(range(20))


def test_to_sql_without_allow_delete_refuses_replace(
    conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]
) -> None:
    topic = new_topic()
    tick_frame(5).to_sql(topic, conn, index=False)
    # pandas runs DROP TABLE and wraps the driver's error.
    with pytest.raises(pd.errors.DatabaseError, match="kafarr.allow_delete_topics") as exc:
        tick_frame(3).to_sql(topic, conn, index=False, if_exists="replace")
    cause = exc.value.__cause__
    assert isinstance(cause, adbc_kafarr.dbapi.ProgrammingError)
    assert cause.status_code == adbc_driver_manager.AdbcStatusCode.UNAUTHORIZED
    assert len(pd.read_sql_table(topic, conn)) == 5


def test_ingest_helper_with_subject_and_key(
    conn: adbc_kafarr.dbapi.Connection, registry, new_topic: Callable[..., str]
) -> None:
    from confluent_kafka.schema_registry import Schema

    topic = new_topic()
    subject = f"avros.pricing.Tick.{topic}"
    schema = (
        '{"type":"record","name":"Tick","namespace":"avros.pricing","fields":['
        '{"name":"inst","type":"string"},{"name":"t","type":"long"},{"name":"dt","type":"int"},'
        '{"name":"bid","type":"float"},{"name":"ask","type":"float"}]}'
    )
    schema_id = registry.register_schema(subject, Schema(schema, "AVRO"))
    # int64 and float64 columns narrow exactly into int and float fields;
    # the extra column "note" is ignored.
    df = pd.DataFrame(
        {
            "inst": ["GBPUSD", "EURUSD", "GBPUSD"],
            "t": [10, 20, 30],
            "dt": [1, 2, 3],
            "bid": [1.25, 1.5, 1.75],
            "ask": [1.5, 1.75, 2.0],
            "note": ["x", "y", "z"],
        }
    )
    with conn.cursor() as cur:
        n = adbc_kafarr.ingest(cur, topic, df, mode="create", value_subject=subject, key_column="inst", partitions=1)
        assert n == 3
        assert cur.adbc_statement.get_option("kafarr.ingest.value_subject") == subject
    with conn.cursor() as cur:
        cur.adbc_statement.set_options(**{"kafarr.key.format": "string", "kafarr.value.subject": subject})
        cur.execute(f'SELECT inst, t, dt, bid, ask, _key, _schema_id FROM "{topic}"')
        table = cur.fetch_arrow_table()
    assert table.schema.metadata[b"kafarr.value.record_name"] == b"avros.pricing.Tick"
    assert table.column("t").type == pa.int64() and table.column("dt").type == pa.int32()
    assert table.column("bid").type == pa.float32()
    assert table.to_pydict() == {
        "inst": ["GBPUSD", "EURUSD", "GBPUSD"],
        "t": [10, 20, 30],
        "dt": [1, 2, 3],
        "bid": [1.25, 1.5, 1.75],
        "ask": [1.5, 1.75, 2.0],
        "_key": ["GBPUSD", "EURUSD", "GBPUSD"],
        "_schema_id": [schema_id] * 3,
    }
