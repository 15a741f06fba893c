"""ExecutePartitions / ReadPartition: one descriptor per Kafka partition,
readable on any connection, together exactly the query's rows."""

from __future__ import annotations

import json
from typing import Callable

import pyarrow as pa

import adbc_kafarr
import adbc_kafarr.dbapi

from kafarr_stack import Stack


def test_partitions_cover_the_query_exactly_from_another_connection(
    stack: Stack, conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]
) -> None:
    topic = new_topic()
    n = 9_000
    data = pa.table(
        {
            "id": pa.array(range(n), pa.int64()),
            "p": pa.array([i % 3 for i in range(n)], pa.int32()),
            "v": [f"v{i}" for i in range(n)],
        }
    )
    assert adbc_kafarr.ingest(conn, topic, data, mode="create", partitions=3, partition_column="p") == n

    with conn.cursor() as cur:
        descriptors, schema = cur.adbc_execute_partitions(
            f'SELECT id, v, _partition, _offset FROM "{topic}" WHERE id >= 300'
        )
    assert len(descriptors) == 3
    assert schema.names == ["id", "v", "_partition", "_offset"]

    # Read every descriptor on a different connection (as a worker would).
    per_partition = {}
    with adbc_kafarr.dbapi.connect(stack.uri) as other, other.cursor() as cur:
        for d in descriptors:
            cur.adbc_read_partition(d)
            t = cur.fetch_arrow_table()
            assert t.schema.names == schema.names
            parts = set(t.column("_partition").to_pylist())
            assert len(parts) == 1
            per_partition[parts.pop()] = t
    assert sorted(per_partition) == [0, 1, 2]
    for p, t in per_partition.items():
        ids = t.column("id").to_pylist()
        assert ids == [i for i in range(300, n) if i % 3 == p]
        assert t.column("v").to_pylist() == [f"v{i}" for i in ids]
        # Partition p got ids p, p+3, ...: offset of id i is i // 3.
        assert t.column("_offset").to_pylist() == [i // 3 for i in ids]
    total = sum(t.num_rows for t in per_partition.values())
    assert total == n - 300


def test_partition_descriptors_survive_a_new_process(
    stack: Stack, conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]
) -> None:
    import subprocess
    import sys

    topic = new_topic()
    adbc_kafarr.ingest(conn, topic, pa.table({"x": pa.array([1, 2, 3, 4], pa.int64())}), mode="create", partitions=2)
    with conn.cursor() as cur:
        descriptors, _ = cur.adbc_execute_partitions(f'SELECT x FROM "{topic}"')
    script = (
        "import sys, json, adbc_kafarr.dbapi\n"
        "with adbc_kafarr.dbapi.connect(sys.argv[1]) as c, c.cursor() as cur:\n"
        "    cur.adbc_read_partition(bytes.fromhex(sys.argv[2]))\n"
        "    print(json.dumps(cur.fetch_arrow_table().column('x').to_pylist()))\n"
    )
    got = []
    for d in descriptors:
        out = subprocess.run(
            [sys.executable, "-c", script, stack.uri, d.hex()], capture_output=True, text=True, check=True
        )
        got.extend(json.loads(out.stdout))
    assert sorted(got) == [1, 2, 3, 4]
