"""Polars: read_database with a connection, read_database_uri with a
kafka:// URI (through the adbc_driver_kafka module), write_database."""

from __future__ import annotations

from typing import Callable

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import adbc_kafarr
import adbc_kafarr.dbapi

from kafarr_stack import Stack


def tick_frame(n: int, start: int = 0) -> pl.DataFrame:
    i = pl.int_range(start, start + n, eager=True)
    return pl.DataFrame(
        {
            "inst": pl.Series(["GBPUSD", "EURUSD", "USDJPY"] * (n // 3 + 1))[:n],
            "t": (i + 1_700_000_000_000).cast(pl.Int64),
            "dt": (i % 150).cast(pl.Int32),
            "bid": (1.25 + (i % 100) / 100_000).cast(pl.Float32),
            "ask": (1.2501 + (i % 100) / 100_000).cast(pl.Float32),
        }
    )


VALUES = ["inst", "t", "dt", "bid", "ask"]


def test_read_database_with_a_connection(conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]) -> None:
    topic = new_topic()
    df = tick_frame(5_000)
    adbc_kafarr.ingest(conn, topic, df, mode="create")
    got = pl.read_database(f'SELECT * FROM "{topic}"', connection=conn)
    assert got.columns == VALUES + ["_partition", "_offset", "_timestamp"]
    assert_frame_equal(got.select(VALUES), df)
    assert got["_offset"].to_list() == list(range(5_000))
    assert got.schema["_timestamp"] == pl.Datetime("ms", "UTC")


def test_read_database_uri_routes_kafka_uris_to_the_driver(
    stack: Stack, conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]
) -> None:
    topic = new_topic()
    df = tick_frame(1_000)
    adbc_kafarr.ingest(conn, topic, df, mode="create")
    got = pl.read_database_uri(f'SELECT inst, t, dt, bid, ask FROM "{topic}" WHERE dt >= 100', stack.uri, engine="adbc")
    assert_frame_equal(got, df.filter(pl.col("dt") >= 100))
    # Options ride in the URI's query string: here, no metadata columns.
    uri = stack.uri + "&read.metadata_columns=none"
    assert pl.read_database_uri(f'SELECT * FROM "{topic}" LIMIT 3', uri, engine="adbc").columns == VALUES


def test_write_database_with_a_connection(stack: Stack, new_topic: Callable[..., str]) -> None:
    topic = new_topic()
    a, b, c = tick_frame(30), tick_frame(20, start=30), tick_frame(7, start=500)
    with adbc_kafarr.dbapi.connect(stack.uri, conn_kwargs={"kafarr.allow_delete_topics": "true"}) as conn:
        # append to a missing table: Polars sees NotFound from
        # GetTableSchema and creates it.
        assert a.write_database(topic, connection=conn, engine="adbc", if_table_exists="append") == 30
        assert b.write_database(topic, connection=conn, engine="adbc", if_table_exists="append") == 20
        got = pl.read_database(f'SELECT inst, t, dt, bid, ask FROM "{topic}"', connection=conn)
        assert_frame_equal(got, pl.concat([a, b]))
        with pytest.raises(adbc_kafarr.dbapi.ProgrammingError, match="already exists"):
            c.write_database(topic, connection=conn, engine="adbc", if_table_exists="fail")
        assert c.write_database(topic, connection=conn, engine="adbc", if_table_exists="replace") == 7
        got = pl.read_database(f'SELECT inst, t, dt, bid, ask, _offset FROM "{topic}"', connection=conn)
        assert_frame_equal(got.select(VALUES), c)
        assert got["_offset"].to_list() == list(range(7))


def test_write_database_with_a_uri(stack: Stack, new_topic: Callable[..., str]) -> None:
    topic = new_topic()
    df = tick_frame(12)
    assert df.write_database(topic, connection=stack.uri, engine="adbc") == 12
    got = pl.read_database_uri(f'SELECT inst, t, dt, bid, ask FROM "{topic}"', stack.uri, engine="adbc")
    assert_frame_equal(got, df)
