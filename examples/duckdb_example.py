"""kafarr with DuckDB: SQL the driver does not run (GROUP BY, joins,
window functions) runs in DuckDB over the driver's Arrow stream, batch by
batch, without copying it first.

    python examples/duckdb_example.py
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa

import adbc_kafarr
import adbc_kafarr.dbapi

import devstack


def main() -> None:
    n = 200_000
    rng = np.random.default_rng(11)
    ticks = pa.table(
        {
            "inst": pa.array(rng.choice(["GBPUSD", "EURUSD", "USDJPY"], n)),
            "t": pa.array(np.arange(n, dtype=np.int64)),
            "bid": pa.array((1.25 + rng.integers(-100, 100, n) / 100_000).astype(np.float32)),
            "ask": pa.array((1.2502 + rng.integers(-100, 100, n) / 100_000).astype(np.float32)),
        }
    )
    with devstack.start() as stack, adbc_kafarr.dbapi.connect(stack.uri) as conn:
        adbc_kafarr.ingest(conn, "ticks", ticks, mode="create", partitions=3)
        with conn.cursor() as cur:
            # 16k-row batches: DuckDB pulls them as the driver decodes them.
            cur.adbc_statement.set_options(**{adbc_kafarr.StatementOptions.READ_BATCH_ROWS.value: "16384"})
            cur.execute("SELECT inst, bid, ask, _partition FROM ticks")
            # A pyarrow.RecordBatchReader over the driver's stream; DuckDB finds it
            # by its variable name in the query.
            reader = cur.fetch_record_batch()  # noqa: F841
            result = duckdb.sql(
                """
                SELECT inst,
                       count(*)                      AS ticks,
                       round(avg(ask - bid) * 1e5, 3) AS avg_spread_pips,
                       min(bid)                      AS low,
                       max(ask)                      AS high,
                       count(DISTINCT _partition)    AS partitions
                FROM reader
                GROUP BY inst
                ORDER BY inst
                """
            ).fetchall()
        for row in result:
            print(row)
        assert sum(r[1] for r in result) == n


if __name__ == "__main__":
    main()
