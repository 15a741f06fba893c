"""kafarr for Python: Apache Kafka as an ADBC database.

A Kafka cluster plus its Confluent-compatible schema registry looks like a
database: topics are tables, Avro fields are columns, ``SELECT`` is a
bounded read that returns Arrow data, and bulk ingest is a produce. This
package loads kafarr's driver library (bundled) through
``adbc_driver_manager``::

    import adbc_kafarr.dbapi

    with adbc_kafarr.dbapi.connect(
        "kafka://localhost:9092?schema_registry.url=http%3A%2F%2Flocalhost%3A8081"
    ) as conn, conn.cursor() as cur:
        cur.execute("SELECT * FROM ticks LIMIT 1000")
        df = cur.fetch_df()

Besides :func:`connect` (a low-level ``AdbcDatabase``) and
:mod:`adbc_kafarr.dbapi` (DB-API 2.0 for pandas, Polars, DuckDB), it has
option-name enums, an :func:`ingest` helper that takes the Avro subject and
key options, and pykafarr's :func:`listener` / :func:`producer`.
"""

from __future__ import annotations

from ._database import connect
from ._library import ENTRYPOINT, LIBRARY_ENV, driver_path, install_manifests, manifest_text
from ._version import __version__
from .ingest import ingest
from .options import DatabaseOptions, StatementOptions
from .pykafarr import Listener, Producer, listener, producer

__all__ = [
    "ENTRYPOINT",
    "LIBRARY_ENV",
    "DatabaseOptions",
    "Listener",
    "Producer",
    "StatementOptions",
    "__version__",
    "connect",
    "driver_path",
    "ingest",
    "install_manifests",
    "listener",
    "manifest_text",
    "producer",
]
