"""Reading one topic in parallel: ExecutePartitions returns one descriptor
per Kafka partition (or per finer split, with kafarr.partitions.max_rows);
any process (or machine) reads its slice with ReadPartition on its own
connection. adbc_kafarr.dask, adbc_kafarr.spark and adbc_kafarr.ray do the
same with one task per split (docs/scaleout.md).

    python examples/parallel_read.py
"""

from __future__ import annotations

import multiprocessing
import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

import adbc_kafarr
import adbc_kafarr.dbapi

import devstack

PARTITIONS = 4


def read_partition(args: tuple[str, bytes]) -> tuple[int, int, float]:
    """Worker: read one partition; return (partition, rows, sum of px)."""
    uri, descriptor = args
    with adbc_kafarr.dbapi.connect(uri) as conn, conn.cursor() as cur:
        cur.adbc_read_partition(descriptor)
        table = cur.fetch_arrow_table()
    partition = table.column("_partition")[0].as_py() if table.num_rows else -1
    return partition, table.num_rows, pc.sum(table.column("px")).as_py() or 0.0


def main() -> None:
    n = 400_000
    orders = pa.table(
        {
            "id": pa.array(np.arange(n, dtype=np.int64)),
            "px": pa.array(np.arange(n, dtype=np.float64) / 100),
            "part": pa.array((np.arange(n) % PARTITIONS).astype(np.int32)),
        }
    )
    with devstack.start() as stack:
        with adbc_kafarr.dbapi.connect(stack.uri) as conn:
            adbc_kafarr.ingest(conn, "orders", orders, mode="create", partitions=PARTITIONS, partition_column="part")
            with conn.cursor() as cur:
                descriptors, schema = cur.adbc_execute_partitions("SELECT id, px, _partition FROM orders")
        print(f"{len(descriptors)} partitions, schema {schema.names}")

        t0 = time.perf_counter()
        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(min(len(descriptors), PARTITIONS)) as pool:
            results = pool.map(read_partition, [(stack.uri, d) for d in descriptors])
        elapsed = time.perf_counter() - t0
        for partition, rows, px in sorted(results):
            print(f"partition {partition}: {rows:,} rows, sum(px) = {px:,.2f}")
        total = sum(r for _, r, _ in results)
        print(f"{total:,} rows in {elapsed:.2f} s across {len(descriptors)} processes")
        assert total == n
        assert abs(sum(px for _, _, px in results) - pc.sum(orders.column("px")).as_py()) < 1e-6


if __name__ == "__main__":
    main()
