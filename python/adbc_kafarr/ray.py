"""Read a kafarr query into a Ray Dataset, one read task per split.

::

    import ray, adbc_kafarr.ray

    ds = adbc_kafarr.ray.read_sql("SELECT inst, bid, _offset FROM ticks", uri, max_rows=250_000)
    ds.groupby("inst").mean("bid").to_pandas()

:class:`KafarrDatasource` plans the query once, when it is made: one
snapshot of the topic's end offsets and one reader schema for every split
(``ExecutePartitions``). Each read task reads one split (``ReadPartition``)
on a connection its worker process opens once and reuses. Needs
``pip install adbc-kafarr[ray]``.
"""

from __future__ import annotations

from typing import Mapping

import pyarrow as pa
from ray.data import Dataset, Datasource, ReadTask, read_datasource
from ray.data.block import BlockMetadata

from . import _splits
from ._convert import OptionKey, OptionValue

__all__ = ["KafarrDatasource", "read_sql"]


class KafarrDatasource(Datasource):
    """A Ray Data datasource over the splits of one kafarr query.

    Args:
        query: a kafarr ``SELECT`` (no ``ORDER BY``; no ``LIMIT`` with
            ``max_rows``).
        uri: ``kafka://host:port[?opt=value&...]``, for the planner and
            every worker.
        max_rows: ``kafarr.partitions.max_rows``; default one split per
            Kafka partition.
        db_kwargs: database options beside the URI.
        **options: read options, with or without their ``kafarr.`` prefix.
    """

    def __init__(
        self,
        query: str,
        uri: str,
        *,
        max_rows: int | None = None,
        db_kwargs: Mapping[OptionKey, OptionValue] | None = None,
        **options: OptionValue,
    ) -> None:
        self._uri = uri
        self._db_kwargs = dict(db_kwargs or {})
        planned = _splits.plan(query, uri, self._db_kwargs, _splits.statement_options(options, max_rows))
        self._schema = planned.schema
        self._descriptors = planned.descriptors

    @property
    def schema(self) -> pa.Schema:
        """The result's Arrow schema."""
        return self._schema

    @property
    def num_splits(self) -> int:
        """How many splits (read tasks) the query has."""
        return len(self._descriptors)

    def estimate_inmemory_data_size(self) -> int | None:
        return None

    def get_read_tasks(self, parallelism: int, per_task_row_limit: int | None = None, data_context=None) -> list:
        """One read task per split, whatever parallelism asks: the splits
        are the unit of work (choose them with ``max_rows``)."""
        uri, db_kwargs, schema = self._uri, self._db_kwargs, self._schema
        tasks = []
        for descriptor in self._descriptors:
            meta = BlockMetadata(num_rows=None, size_bytes=None, input_files=None, exec_stats=None)
            tasks.append(
                ReadTask(
                    lambda d=descriptor: _read(d, uri, db_kwargs, schema),
                    meta,
                    schema=schema,
                    per_task_row_limit=per_task_row_limit,
                )
            )
        if not tasks:
            empty = schema.empty_table()
            tasks.append(
                ReadTask(lambda: [empty], BlockMetadata(num_rows=0, size_bytes=0, input_files=None, exec_stats=None), schema=schema)
            )
        return tasks


def _read(descriptor: bytes, uri: str, db_kwargs: Mapping[OptionKey, OptionValue], schema: pa.Schema) -> list[pa.Table]:
    """Read one split (a Ray task) as one block."""
    table = _splits.read_split(descriptor, uri, db_kwargs)
    return [table.replace_schema_metadata(schema.metadata)]


def read_sql(
    query: str,
    uri: str,
    *,
    max_rows: int | None = None,
    db_kwargs: Mapping[OptionKey, OptionValue] | None = None,
    ray_remote_args: Mapping | None = None,
    **options: OptionValue,
) -> Dataset:
    """Plan query and return a lazy ``ray.data.Dataset`` over its splits
    (see :class:`KafarrDatasource` for the arguments). ``ray_remote_args``
    go to the read tasks (``num_cpus``, ...)."""
    source = KafarrDatasource(query, uri, max_rows=max_rows, db_kwargs=db_kwargs, **options)
    return read_datasource(source, override_num_blocks=max(source.num_splits, 1), ray_remote_args=dict(ray_remote_args or {}))
