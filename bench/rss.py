"""Peak RSS of streaming a topic through fetch_record_batch, in a fresh process.

    python bench/rss.py <kafka uri> <topic> <rows>

Reads SELECT * batch by batch, keeping no batch, and prints JSON: rows read,
batches, the largest batch, the process's peak RSS before the read (imports
and connection) and after it (VmHWM), in MiB.
"""

from __future__ import annotations

import json
import sys
import time

import adbc_kafarr.dbapi


def peak_mib() -> float:
    """The process's peak RSS (VmHWM). Not ru_maxrss: Linux keeps that
    across execve, so it would report the parent's peak."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("rss: no VmHWM in /proc/self/status")


def main() -> None:
    uri, topic, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with adbc_kafarr.dbapi.connect(uri) as conn, conn.cursor() as cur:
        before = peak_mib()
        t0 = time.perf_counter()
        cur.execute(f"SELECT * FROM {topic}")
        reader = cur.fetch_record_batch()
        rows = batches = largest = 0
        for batch in reader:
            rows += batch.num_rows
            batches += 1
            largest = max(largest, batch.num_rows)
            del batch
        secs = time.perf_counter() - t0
    if rows != n:
        sys.exit(f"rss: read {rows} rows of {topic}, expected {n}")
    print(json.dumps({"rows": rows, "batches": batches, "largest_batch": largest, "seconds": secs,
                      "rss_before_mib": before, "rss_peak_mib": peak_mib()}))


if __name__ == "__main__":
    main()
