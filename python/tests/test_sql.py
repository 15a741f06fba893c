"""The SQL the driver runs itself, through the C library and the DB-API:
aliases, qualified columns, * with metadata columns, OR/NOT/LIKE with SQL's
NULL logic, constant conditions (docs/sql.md)."""

from __future__ import annotations

from typing import Callable

import pyarrow as pa

import adbc_kafarr
import adbc_kafarr.dbapi


def _query(conn: adbc_kafarr.dbapi.Connection, sql: str) -> pa.Table:
    with conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetch_arrow_table()


def test_driver_sql_forms(conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]) -> None:
    topic = new_topic()
    data = pa.table({"inst": ["EURUSD", "GBPUSD", "EUR_GBP", None, "eurchf"], "px": [1, 2, 3, 4, 5]})
    assert adbc_kafarr.ingest(conn, topic, data, mode="create") == 5
    t = f'"{topic}"'

    got = _query(conn, f"SELECT t.px, t.inst FROM {t} AS t WHERE t.inst LIKE 'EUR%' OR NOT (px < 4)")
    assert got.column_names == ["px", "inst"]
    assert sorted(zip(got.column("px").to_pylist(), got.column("inst").to_pylist())) == [
        (1, "EURUSD"),
        (3, "EUR_GBP"),
        (4, None),
        (5, "eurchf"),
    ]

    # NULL logic: inst <> 'GBPUSD' is unknown where inst is null.
    got = _query(conn, f"SELECT {t}.px FROM {t} WHERE NOT (inst = 'GBPUSD') AND inst NOT ILIKE 'eur!_%' ESCAPE '!'")
    assert sorted(got.column("px").to_pylist()) == [1, 5]

    got = _query(conn, f"SELECT *, _key, _partition FROM {t} t WHERE 1=1 AND px IN (2, NULL)")
    assert got.column_names == ["inst", "px", "_partition", "_offset", "_timestamp", "_key"]
    assert got.column("inst").to_pylist() == ["GBPUSD"]

    got = _query(conn, f"SELECT * FROM {t} WHERE 1 = 0")
    assert got.num_rows == 0 and got.column_names == ["inst", "px", "_partition", "_offset", "_timestamp"]

    parts = sorted(set(_query(conn, f"SELECT _partition FROM {t}").column("_partition").to_pylist()))
    got = _query(conn, f"SELECT px FROM {t} WHERE _partition = {parts[0]} OR _partition = -1")
    assert got.num_rows >= 1
    meta = got.schema.metadata
    assert meta[b"kafarr.read.ranges"].startswith(f'{{"{parts[0]}":'.encode())
