"""ADBC driver for Apache Kafka: kafarr under the module name that
URI-based tools derive from a ``kafka://`` URI.

Polars' ``read_database_uri(query, "kafka://...", engine="adbc")`` and
``write_database(..., connection="kafka://...", engine="adbc")`` import
``adbc_driver_<scheme>.dbapi`` and call its ``connect(uri)``; this module
is that, and otherwise the same API as :mod:`adbc_kafarr`.
"""

from __future__ import annotations

from adbc_kafarr import (
    DatabaseOptions,
    StatementOptions,
    __version__,
    connect,
    driver_path,
    ingest,
    listener,
    producer,
)

__all__ = [
    "DatabaseOptions",
    "StatementOptions",
    "__version__",
    "connect",
    "driver_path",
    "ingest",
    "listener",
    "producer",
]
