"""kafarr quickstart: write 100,000 ticks to a Kafka topic and read them back
into pandas with SQL.

    python examples/quickstart.py

Starts the default local stack (in-process Kafka + schema registry via
``go run ./cmd/kafarr-devstack``) unless KAFARR_BROKERS and KAFARR_REGISTRY
name one, and stops it at the end.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pyarrow as pa

import adbc_kafarr.dbapi

import devstack


def gen_ticks(n: int) -> pd.DataFrame:
    """pykafarr's tick frame: {inst: str, t: int64, dt: int32, bid: float32, ask: float32}."""
    rng = np.random.default_rng(7)
    mid = (125_000 + rng.integers(-100, 100, n)) / 100_000
    spread = rng.integers(1, 10, n) / 100_000
    return pd.DataFrame(
        {
            "inst": rng.choice(["GBPUSD", "EURUSD", "USDJPY"], n),
            "t": np.int64(time.time() * 1000) + np.arange(n, dtype=np.int64),
            "dt": rng.integers(0, 150, n).astype(np.int32),
            "bid": (mid - spread).astype(np.float32),
            "ask": (mid + spread).astype(np.float32),
        }
    )


def main() -> None:
    ticks = gen_ticks(100_000)
    with devstack.start() as stack, adbc_kafarr.dbapi.connect(stack.uri) as conn:
        with conn.cursor() as cur:
            t0 = time.perf_counter()
            n = cur.adbc_ingest("ticks", pa.Table.from_pandas(ticks, preserve_index=False), mode="create")
            t_ingest = time.perf_counter() - t0

        t0 = time.perf_counter()
        frame = pd.read_sql("SELECT * FROM ticks", conn)
        t_read = time.perf_counter() - t0

        print(frame.head().to_string())
        print(f"ingested {n:,} ticks in {t_ingest * 1000:.1f} ms")
        print(f"read {len(frame):,} ticks back into pandas in {t_read * 1000:.1f} ms")
        for col in ticks.columns:
            assert frame[col].tolist() == ticks[col].tolist(), col


if __name__ == "__main__":
    main()
