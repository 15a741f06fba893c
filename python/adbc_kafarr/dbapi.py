"""DB-API 2.0 (PEP 249) interface to kafarr.

:func:`connect` returns an ``adbc_driver_manager.dbapi.Connection``, the
connection pandas (``read_sql``, ``to_sql``), Polars (``read_database``,
``write_database(engine="adbc")``) and DuckDB accept. Everything else here
(exceptions, type objects, ``apilevel``...) is ``adbc_driver_manager.dbapi``'s.

Kafka has no transactions a connection could hold open, so connections are
in autocommit mode: ``commit()`` and ``rollback()`` do nothing, and asking
for ``autocommit=False`` gives ``adbc_driver_manager``'s warning that the
connection is not DB-API compliant.
"""

from __future__ import annotations

from typing import Mapping

import adbc_driver_manager
import adbc_driver_manager.dbapi
from adbc_driver_manager.dbapi import (  # noqa: F401 (re-exported DB-API names)
    BINARY,
    DATETIME,
    NUMBER,
    ROWID,
    STRING,
    Connection,
    Cursor,
    DatabaseError,
    DataError,
    Date,
    DateFromTicks,
    Error,
    IntegrityError,
    InterfaceError,
    InternalError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
    Time,
    TimeFromTicks,
    Timestamp,
    TimestampFromTicks,
    Warning,
    apilevel,
    paramstyle,
    threadsafety,
)

from ._convert import OptionKey, OptionValue
from ._convert import options as _options
from ._database import connect as _connect_database

__all__ = [
    "BINARY",
    "DATETIME",
    "NUMBER",
    "ROWID",
    "STRING",
    "Connection",
    "Cursor",
    "DataError",
    "DatabaseError",
    "Date",
    "DateFromTicks",
    "Error",
    "IntegrityError",
    "InterfaceError",
    "InternalError",
    "NotSupportedError",
    "OperationalError",
    "ProgrammingError",
    "Time",
    "TimeFromTicks",
    "Timestamp",
    "TimestampFromTicks",
    "Warning",
    "apilevel",
    "connect",
    "paramstyle",
    "threadsafety",
]


def connect(
    uri: str | None = None,
    db_kwargs: Mapping[OptionKey, OptionValue] | None = None,
    conn_kwargs: Mapping[OptionKey, OptionValue] | None = None,
    autocommit: bool = True,
    **kwargs: OptionValue,
) -> adbc_driver_manager.dbapi.Connection:
    """Connect to Kafka through kafarr and return a DB-API connection.

    Args:
        uri: ``kafka://host:port[,host:port...][?opt=value&...]``, where the
            query string carries any ``kafarr.*`` option without its prefix,
            percent-encoded, e.g.
            ``kafka://h:9092?schema_registry.url=http%3A%2F%2Fh%3A8081``.
            This is the one argument Polars' ``read_database_uri`` passes.
        db_kwargs: database options (option strings or
            :class:`adbc_kafarr.DatabaseOptions` /
            :class:`adbc_kafarr.StatementOptions` members as keys).
        conn_kwargs: connection options: read and ingest options
            (:class:`adbc_kafarr.StatementOptions`) that every cursor of
            this connection inherits.
        autocommit: True (default); False only draws a warning, since
            kafarr connections are always in autocommit mode.
        **kwargs: more database options; they override ``db_kwargs``.

    Returns:
        An ``adbc_driver_manager.dbapi.Connection``. Close it (or use it as
        a context manager) to release the driver's resources.
    """
    db = _connect_database(uri, db_kwargs, **kwargs)
    conn = None
    try:
        conn_opts = _options(conn_kwargs)
        conn = adbc_driver_manager.AdbcConnection(db, **conn_opts)
        return adbc_driver_manager.dbapi.Connection(db, conn, conn_opts, autocommit=autocommit)
    except BaseException:
        if conn is not None:
            conn.close()
        db.close()
        raise
