"""Where the time of one kafarr read into pandas goes, phase by phase.

    python bench/phases.py [rows] [reps]

Writes rows ticks to a new topic (stack from KAFARR_TEST_BROKERS /
KAFARR_TEST_REGISTRY), then per repetition times: execute (planning:
metadata, offsets, schema lookup, first fetch), fetch_arrow_table (the rest
of the fetch and decode, and the Arrow C stream import), and to_pandas.
Prints the median of each phase in ms, and the same for a one-row topic,
whose read is all fixed cost.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

import run
import workloads


def phases(conn, topic: str, reps: int) -> dict[str, float]:
    out: dict[str, list[float]] = {"execute": [], "fetch_arrow_table": [], "to_pandas": [], "total": []}
    for _ in range(reps):
        with conn.cursor() as cur:
            t0 = time.perf_counter()
            cur.execute(f"SELECT * FROM {topic}")
            t1 = time.perf_counter()
            table = cur.fetch_arrow_table()
            t2 = time.perf_counter()
        table.to_pandas()
        t3 = time.perf_counter()
        for k, v in zip(out, (t1 - t0, t2 - t1, t3 - t2, t3 - t0)):
            out[k].append(v * 1000)
    return {k: statistics.median(v) for k, v in out.items()}


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 9
    b = run.Bench(os.environ["KAFARR_TEST_BROKERS"], os.environ["KAFARR_TEST_REGISTRY"], "", reps, {})
    try:
        for rows in (1, n):
            topic = b.topic("phases", "tick", rows)
            b.ingest_kafarr(topic, workloads.tick_table(rows))
            ph = phases(b.conn, topic, reps)
            print(f"{rows:>9,} ticks: " + "  ".join(f"{k} {v:.1f} ms" for k, v in ph.items()))
    finally:
        b.close()


if __name__ == "__main__":
    main()
