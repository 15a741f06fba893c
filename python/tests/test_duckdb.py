"""DuckDB aggregates over the driver's Arrow stream, with no copy."""

from __future__ import annotations

from typing import Callable

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

import adbc_kafarr
import adbc_kafarr.dbapi


def test_duckdb_aggregates_over_fetch_record_batch(
    conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]
) -> None:
    topic = new_topic()
    n = 30_000
    i = np.arange(n)
    df = pd.DataFrame(
        {
            "inst": np.array(["GBPUSD", "EURUSD", "USDJPY"])[i % 3],
            "t": i.astype(np.int64),
            "qty": (i % 7).astype(np.int32),
        }
    )
    adbc_kafarr.ingest(conn, topic, df, mode="create")
    with conn.cursor() as cur:
        # Small batches: DuckDB consumes the stream batch by batch.
        cur.adbc_statement.set_options(**{"kafarr.read.batch_rows": "4096"})
        cur.execute(f'SELECT inst, qty, _offset FROM "{topic}"')
        reader = cur.fetch_record_batch()
        assert isinstance(reader, pa.RecordBatchReader)
        got = duckdb.sql(
            "SELECT inst, count(*) AS n, sum(qty) AS qty, min(_offset) AS lo, max(_offset) AS hi "
            "FROM reader GROUP BY inst ORDER BY inst"
        ).fetchall()
    want = (
        df.assign(_offset=i)
        .groupby("inst")
        .agg(n=("t", "size"), qty=("qty", "sum"), lo=("_offset", "min"), hi=("_offset", "max"))
    )
    assert got == [(inst, int(r.n), int(r.qty), int(r.lo), int(r.hi)) for inst, r in want.sort_index().iterrows()]
    assert got[0] == ("EURUSD", 10_000, sum(k % 7 for k in range(1, n, 3)), 1, n - 2)
