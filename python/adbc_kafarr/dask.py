"""Read a kafarr query into a Dask DataFrame, one Dask partition per split.

::

    import adbc_kafarr.dask
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=4) as cluster, Client(cluster):
        df = adbc_kafarr.dask.read_sql("SELECT inst, bid, _partition, _offset FROM ticks", uri, max_rows=250_000)
        df.groupby("inst").bid.mean().compute()

The query is planned once, here: one snapshot of the topic's end offsets and
one reader schema for every split (``ExecutePartitions``). Each split is
then read by whichever worker Dask gives it (``ReadPartition``), on a
connection that worker thread opens once and reuses. It works with
``distributed`` (worker processes or threads) and with Dask's local
schedulers. Needs ``pip install adbc-kafarr[dask]``.
"""

from __future__ import annotations

from typing import Mapping

import pandas as pd
import pyarrow as pa

from . import _splits
from ._convert import OptionKey, OptionValue

__all__ = ["read_sql"]


def read_sql(
    query: str,
    uri: str,
    *,
    max_rows: int | None = None,
    db_kwargs: Mapping[OptionKey, OptionValue] | None = None,
    **options: OptionValue,
):
    """Plan query and return a lazy ``dask.dataframe.DataFrame`` over its
    splits.

    Args:
        query: a kafarr ``SELECT`` (no ``ORDER BY``; no ``LIMIT`` with
            ``max_rows``).
        uri: ``kafka://host:port[?opt=value&...]``; every worker connects
            with it, so it carries the registry URL and any other database
            option the workers need.
        max_rows: ``kafarr.partitions.max_rows``: the most offsets one split
            covers. Default: one split per Kafka partition.
        db_kwargs: database options beside the URI (credentials, say), for
            the planner and every worker.
        **options: read options for the query, with or without their
            ``kafarr.`` prefix, e.g. ``**{"read.isolation": "read_uncommitted"}``.

    Returns:
        A Dask DataFrame with one partition per split and pyarrow-backed
        dtypes (``pd.ArrowDtype``), whose ``meta`` comes from the result's
        Arrow schema. A topic with no records in range gives one empty
        partition.
    """
    import dask.dataframe as dd

    opts = _splits.statement_options(options, max_rows)
    planned = _splits.plan(query, uri, db_kwargs, opts)
    meta = _to_pandas(planned.schema.empty_table())
    db = dict(db_kwargs or {})
    if not planned.descriptors:
        return dd.from_pandas(meta, npartitions=1)
    return dd.from_map(
        _read,
        list(planned.descriptors),
        uri=uri,
        db_kwargs=db,
        meta=meta,
        label="kafarr-read-split",
        enforce_metadata=False,
    )


def _read(descriptor: bytes, uri: str, db_kwargs: Mapping[OptionKey, OptionValue]) -> pd.DataFrame:
    """Read one split (a Dask task)."""
    return _to_pandas(_splits.read_split(descriptor, uri, db_kwargs))


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    # pyarrow-backed columns: Dask keeps them, and nothing is lost to NumPy
    # (nullable ints, nested types, timestamps with their zone).
    return table.to_pandas(types_mapper=pd.ArrowDtype)
