"""kafarr with Polars: write_database and read_database_uri on a kafka:// URI.

    python examples/polars_example.py

Polars maps the URI scheme ``kafka`` to the module ``adbc_driver_kafka``
(installed with adbc_kafarr), so a URI is all it needs; kafarr options ride
in the URI's query string without their ``kafarr.`` prefix.
"""

from __future__ import annotations

import polars as pl

import devstack


def main() -> None:
    n = 50_000
    trades = pl.DataFrame(
        {
            "inst": pl.Series(["GBPUSD", "EURUSD", "USDJPY", "AUDUSD"] * (n // 4)),
            "qty": pl.int_range(0, n, eager=True).cast(pl.Int64) % 1000 + 1,
            "px": (pl.int_range(0, n, eager=True) % 500 / 10_000 + 1.1).cast(pl.Float64),
        }
    )
    with devstack.start() as stack:
        written = trades.write_database("trades", connection=stack.uri, engine="adbc", if_table_exists="append")
        print(f"wrote {written:,} rows")

        # WHERE and LIMIT run in the driver; column options ride in the URI.
        uri = stack.uri + "&read.metadata_columns=_partition,_offset"
        big = pl.read_database_uri("SELECT inst, qty, px, _offset FROM trades WHERE qty > 990", uri, engine="adbc")
        print(big.head())

        # Anything beyond the grammar (GROUP BY, ...) is Polars' job.
        summary = (
            pl.read_database_uri("SELECT inst, qty, px FROM trades", stack.uri, engine="adbc")
            .group_by("inst")
            .agg(pl.len().alias("trades"), pl.col("qty").sum(), (pl.col("qty") * pl.col("px")).sum().alias("notional"))
            .sort("inst")
        )
        print(summary)
        assert summary["trades"].sum() == n


if __name__ == "__main__":
    main()
