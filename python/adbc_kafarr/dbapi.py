"""DB-API 2.0 (PEP 249) interface to kafarr.

:func:`connect` returns a :class:`Connection`, a subclass of
``adbc_driver_manager.dbapi.Connection``: the connection pandas
(``read_sql``, ``to_sql``), Polars (``read_database``,
``write_database(engine="adbc")``) and DuckDB accept. Everything else here
(exceptions, type objects, ``apilevel``...) is ``adbc_driver_manager.dbapi``'s.

Kafka has no transactions a connection could hold open, so connections are
in autocommit mode: ``commit()`` and ``rollback()`` do nothing, and asking
for ``autocommit=False`` gives ``adbc_driver_manager``'s warning that the
connection is not DB-API compliant.

Cancelling and Ctrl-C
---------------------
What the driver manager decides: while a cursor call blocks in the driver
(``execute``, ``fetch_arrow_table``, ``fetch_df``, ``fetchone`` ...) on the
main thread, ``adbc_driver_manager`` replaces the SIGINT handler; Ctrl-C
then calls the statement's ``AdbcStatementCancel`` and the call fails with
the driver's ``Cancelled`` error (``OperationalError``, ``status_code``
``CANCELLED``). ``cursor.adbc_cancel()`` (from any thread) does the same.

What kafarr adds (:class:`Cursor`): when the cancel came from SIGINT, the
signal is delivered again once the driver manager has restored the
program's handler, so Ctrl-C surfaces as ``KeyboardInterrupt`` (chained to
the ``Cancelled`` error) or runs the program's own SIGINT handler, as it
would have without the driver; ``adbc_cancel()`` keeps raising the
``Cancelled`` error. :meth:`Cursor.fetch_record_batch` returns a reader
whose reads raise the driver manager's error classes (with ``status_code``
and ``sqlstate``) and run under the same SIGINT handling; a Ctrl-C during a
partition read (``adbc_read_partition``) also cancels the connection's
partition streams, which the statement's cancel does not reach.
"""

from __future__ import annotations

import functools
import signal
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping, Optional, TypeVar

import adbc_driver_manager
import adbc_driver_manager.dbapi
from adbc_driver_manager import _lib
from adbc_driver_manager.dbapi import (  # noqa: F401 (re-exported DB-API names)
    BINARY,
    DATETIME,
    NUMBER,
    ROWID,
    STRING,
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

if TYPE_CHECKING:
    import pyarrow

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


try:
    # The driver manager's own wrapper of blocking calls (SIGINT ->
    # AdbcStatementCancel), which its dbapi uses; private, so a release
    # without it only loses Ctrl-C handling in fetch_record_batch readers.
    from adbc_driver_manager._lib import _blocking_call
except ImportError:  # pragma: no cover

    def _blocking_call(func, args, kwargs, cancel):  # type: ignore[no-redef]
        return func(*args, **kwargs)


class _Statement(_lib.AdbcStatement):
    """The ADBC statement of a kafarr :class:`Cursor`.

    The driver manager's SIGINT handler, and only it, calls ``cancel`` on
    the statement (``Cursor.adbc_cancel`` calls the base class's); so a
    call to this ``cancel`` means Ctrl-C, which :func:`_interruptible`
    delivers again once the blocking call has returned.
    """

    def __init__(self, connection: _lib.AdbcConnection) -> None:
        super().__init__(connection)
        self.interrupted = False
        # The connection whose partition streams a Ctrl-C cancels too,
        # while the cursor reads a partition (AdbcStatementCancel does
        # not reach a ReadPartition stream).
        self.partition_connection: Optional[_lib.AdbcConnection] = None

    def cancel(self) -> None:
        self.interrupted = True
        try:
            super().cancel()
        finally:
            if self.partition_connection is not None:
                self.partition_connection.cancel()


def _redeliver_sigint(stmt: _Statement) -> None:
    """Deliver a SIGINT the driver manager turned into a cancel during the
    call that just ended: to the program's handler, which by default raises
    KeyboardInterrupt (chained to the exception being handled, if any)."""
    if stmt.interrupted:
        stmt.interrupted = False
        signal.raise_signal(signal.SIGINT)


_F = TypeVar("_F", bound=Callable[..., Any])

_Base = adbc_driver_manager.dbapi.Cursor


def _interruptible(method: _F, partition: Optional[bool] = None) -> _F:
    """Make a cursor method that blocks in the driver surface a Ctrl-C
    received meanwhile as the program's SIGINT handling (KeyboardInterrupt
    by default) instead of the driver's Cancelled error. partition says
    whether the method starts a new result that is a partition read (True)
    or not (False); None leaves the current result."""

    @functools.wraps(method)
    def call(self: "Cursor", *args: Any, **kwargs: Any) -> Any:
        stmt = self._stmt
        if partition is not None:
            stmt.partition_connection = self._conn.adbc_connection if partition else None
        try:
            result = method(self, *args, **kwargs)
        except BaseException:
            _redeliver_sigint(stmt)
            raise
        _redeliver_sigint(stmt)
        return result

    return call  # type: ignore[return-value]


class Cursor(adbc_driver_manager.dbapi.Cursor):
    """A DB-API cursor of a kafarr :class:`Connection`:
    ``adbc_driver_manager.dbapi.Cursor`` with Ctrl-C surfacing as
    ``KeyboardInterrupt`` and a :meth:`fetch_record_batch` whose errors
    carry the ADBC status (see the module's documentation)."""

    def __init__(
        self,
        conn: "Connection",
        adbc_stmt_kwargs: Optional[Mapping[str, Any]] = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(conn, None, **kwargs)
        # The base class made a plain statement: swap in kafarr's before
        # anything uses it.
        plain, self._stmt = self._stmt, _Statement(conn.adbc_connection)
        plain.close()
        if adbc_stmt_kwargs:
            self._stmt.set_options(**adbc_stmt_kwargs)

    def adbc_cancel(self) -> None:
        """Cancel the statement's current call or result stream (ADBC's
        AdbcStatementCancel), from any thread: the call, or the next read of
        the stream, raises the Cancelled error (``OperationalError``,
        ``status_code`` ``CANCELLED``). A stream of ``adbc_read_partition``
        belongs to the connection: ``Connection.adbc_cancel()`` cancels it."""
        _lib.AdbcStatement.cancel(self._stmt)

    # Every method that blocks in the driver, as the driver manager wraps
    # them in its SIGINT handling.
    execute = _interruptible(_Base.execute, partition=False)
    executemany = _interruptible(_Base.executemany, partition=False)
    executescript = _interruptible(_Base.executescript, partition=False)
    adbc_ingest = _interruptible(_Base.adbc_ingest, partition=False)
    adbc_execute_partitions = _interruptible(_Base.adbc_execute_partitions, partition=False)
    adbc_execute_schema = _interruptible(_Base.adbc_execute_schema, partition=False)
    adbc_prepare = _interruptible(_Base.adbc_prepare, partition=False)
    adbc_read_partition = _interruptible(_Base.adbc_read_partition, partition=True)
    fetchone = _interruptible(_Base.fetchone)
    fetchmany = _interruptible(_Base.fetchmany)
    fetchall = _interruptible(_Base.fetchall)
    fetch_arrow_table = _interruptible(_Base.fetch_arrow_table)
    fetch_df = _interruptible(_Base.fetch_df)
    fetch_polars = _interruptible(_Base.fetch_polars)

    def fetch_record_batch(self) -> "pyarrow.RecordBatchReader":
        """Return the result as a ``pyarrow.RecordBatchReader``.

        The driver manager returns pyarrow's reader of the raw C stream,
        whose errors are bare ``OSError``\\ s without the ADBC status. This
        one is a real ``pyarrow.RecordBatchReader`` (``from_batches``) over
        the driver manager's error-converting reader: read from Python
        (``read_next_batch``, ``read_all``, iteration, ``read_pandas``, and
        whatever consumes it through pyarrow), an error is the driver
        manager's class (``DataError``, ``OperationalError`` ...) with
        ``status_code``, ``sqlstate`` and ``vendor_code``, and Ctrl-C is
        ``KeyboardInterrupt``. A consumer that reads it through the Arrow C
        stream interface (DuckDB, Polars) sees the error's text, which
        starts with the status name.
        """
        import pyarrow

        raw = super().fetch_record_batch()
        checked = self._results.reader  # the driver manager's, converting errors
        return pyarrow.RecordBatchReader.from_batches(raw.schema, _checked_batches(checked, self._stmt))


def _checked_batches(reader: Any, stmt: _Statement) -> Iterator["pyarrow.RecordBatch"]:
    """Yield the batches of the driver manager's reader, each read under its
    SIGINT handling."""
    while True:
        try:
            batch = _blocking_call(reader.read_next_batch, (), {}, stmt.cancel)
        except StopIteration:
            _redeliver_sigint(stmt)
            return
        except BaseException:
            _redeliver_sigint(stmt)
            raise
        _redeliver_sigint(stmt)
        yield batch


class Connection(adbc_driver_manager.dbapi.Connection):
    """A DB-API connection to kafarr: ``adbc_driver_manager.dbapi.Connection``
    whose cursors are kafarr :class:`Cursor`\ s."""

    def cursor(self, *, adbc_stmt_kwargs: Optional[Mapping[str, Any]] = None) -> Cursor:
        """Create a new cursor; ``adbc_stmt_kwargs`` are statement options."""
        cursor = Cursor(self, adbc_stmt_kwargs, dbapi_backend=self._backend)
        self._cursors.add(cursor)
        return cursor


def connect(
    uri: str | None = None,
    db_kwargs: Mapping[OptionKey, OptionValue] | None = None,
    conn_kwargs: Mapping[OptionKey, OptionValue] | None = None,
    autocommit: bool = True,
    **kwargs: OptionValue,
) -> Connection:
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
        A :class:`Connection` (an ``adbc_driver_manager.dbapi.Connection``).
        Close it (or use it as a context manager) to release the driver's
        resources.
    """
    db = _connect_database(uri, db_kwargs, **kwargs)
    conn = None
    try:
        conn_opts = _options(conn_kwargs)
        conn = adbc_driver_manager.AdbcConnection(db, **conn_opts)
        return Connection(db, conn, conn_opts, autocommit=autocommit)
    except BaseException:
        if conn is not None:
            conn.close()
        db.close()
        raise
