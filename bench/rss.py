"""Peak RSS of streaming a topic through fetch_record_batch, in a fresh process.

    python bench/rss.py <kafka uri> <topic> <rows>

Reads SELECT * batch by batch, keeping no batch, and prints JSON: rows read,
batches, the largest batch, the process's peak RSS before the read (imports
and connection) and after it (ru_maxrss), in MiB.
"""

from __future__ import annotations

import json
import resource
import sys
import time

import adbc_kafarr.dbapi


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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
