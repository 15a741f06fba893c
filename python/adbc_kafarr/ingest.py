"""The ingest helper: bulk ingest (a produce) with kafarr's ingest options
as keyword arguments."""

from __future__ import annotations

from typing import Any, Literal, Mapping, Union

import adbc_driver_manager.dbapi

from ._convert import OptionKey, OptionValue, arrow_data
from ._convert import options as _options
from .options import StatementOptions

__all__ = ["IngestMode", "ingest"]

IngestMode = Literal["append", "create", "create_append", "replace"]

_Target = Union[adbc_driver_manager.dbapi.Cursor, adbc_driver_manager.dbapi.Connection]


def ingest(
    target: _Target,
    topic: str,
    data: Any,
    mode: IngestMode = "append",
    *,
    value_subject: str | None = None,
    value_schema_version: int | str | None = None,
    value_format: Literal["auto", "avro", "protobuf", "json"] | None = None,
    proto_message: str | None = None,
    key_column: str | None = None,
    key_format: Literal["auto", "avro", "protobuf", "json", "string", "binary"] | None = None,
    key_subject: str | None = None,
    timestamp_column: str | None = None,
    headers_column: str | None = None,
    partition_column: str | None = None,
    record_name: str | None = None,
    auto_register: bool | None = None,
    coerce: Literal["exact", "strict"] | None = None,
    partitions: int | None = None,
    replication_factor: int | None = None,
    transactional: bool | None = None,
    compression: Literal["none", "gzip", "snappy", "lz4", "zstd"] | None = None,
    options: Mapping[OptionKey, OptionValue] | None = None,
) -> int:
    """Produce every row of ``data`` to ``topic`` as one message (Avro by
    default; Protobuf, JSON Schema or plain JSON with ``value_format``) and
    return the number of rows the brokers acknowledged.

    Args:
        target: a DB-API cursor or connection from
            :func:`adbc_kafarr.dbapi.connect`. With a connection the helper
            uses a cursor of its own and closes it; with a cursor the ingest
            options given here stay set on that cursor's statement.
        topic: the topic (table) to write.
        data: a pandas DataFrame (converted with
            ``pa.Table.from_pandas(df, preserve_index=False)``), a pyarrow
            Table, RecordBatch or RecordBatchReader, or anything with
            ``__arrow_c_stream__`` (a Polars DataFrame, ...).
        mode: ``append`` (default; a missing topic is an error),
            ``create`` (the topic must not exist), ``create_append`` or
            ``replace`` (deletes and recreates the topic; needs
            ``kafarr.allow_delete_topics=true``).
        value_subject: the subject whose schema encodes the rows
            (pykafarr's message type). Default ``<topic>-value``, derived
            from the data and registered when missing.
        value_schema_version: version of ``value_subject``. Default latest.
        value_format: ``auto`` (driver default: the subject's schema type,
            Avro when a schema is derived), ``avro``, ``protobuf`` (a
            ``.proto`` is derived and registered when the subject has none)
            or ``json`` (JSON Schema when the subject exists or is named,
            else plain JSON with no registry and no framing).
        proto_message: full name of the message of a Protobuf subject the
            rows are encoded as. Default the schema's first.
        key_column: column that becomes the record key.
        key_format: how the key column is written: ``auto`` (driver
            default), ``avro``, ``protobuf``, ``json``, ``string`` or
            ``binary``.
        key_subject: Avro subject for the key; without it keys are raw
            string or binary.
        timestamp_column: column that becomes the record timestamp.
        headers_column: ``map<utf8, binary>`` column of record headers.
        partition_column: integer column choosing each row's partition.
        record_name: Avro full name of a schema derived from the data.
        auto_register: register a derived schema when the subject has
            none (driver default true).
        coerce: ``exact`` (driver default) or ``strict``.
        partitions: partition count of a topic the ingest creates.
        replication_factor: replication factor of a topic the ingest creates.
        transactional: make the ingest one Kafka transaction.
        compression: producer compression codec.
        options: any other statement options.

    Returns:
        The number of rows produced and acknowledged.

    Raises:
        adbc_driver_manager.ProgrammingError: missing topic in append mode
            (status NotFound), existing topic in create mode
            (AlreadyExists), a bad option, or a value or column that does
            not fit the schema (InvalidArgument, naming column, row
            and value); nothing of a failing batch is produced.
        adbc_driver_manager.OperationalError: broker or registry failure;
            the message says how many rows were acknowledged.
    """
    S = StatementOptions
    stmt_opts = _options(
        options,
        {
            S.INGEST_VALUE_SUBJECT: value_subject,
            S.INGEST_VALUE_SCHEMA_VERSION: value_schema_version,
            S.INGEST_VALUE_FORMAT: value_format,
            S.INGEST_PROTO_MESSAGE: proto_message,
            S.INGEST_KEY_COLUMN: key_column,
            S.INGEST_KEY_FORMAT: key_format,
            S.INGEST_KEY_SUBJECT: key_subject,
            S.INGEST_TIMESTAMP_COLUMN: timestamp_column,
            S.INGEST_HEADERS_COLUMN: headers_column,
            S.INGEST_PARTITION_COLUMN: partition_column,
            S.INGEST_RECORD_NAME: record_name,
            S.INGEST_AUTO_REGISTER: auto_register,
            S.INGEST_COERCE: coerce,
            S.INGEST_PARTITIONS: partitions,
            S.INGEST_REPLICATION_FACTOR: replication_factor,
            S.INGEST_TRANSACTIONAL: transactional,
            S.INGEST_COMPRESSION: compression,
        },
    )
    table = arrow_data(data)
    if isinstance(target, adbc_driver_manager.dbapi.Connection):
        with target.cursor() as cursor:
            return _ingest(cursor, topic, table, mode, stmt_opts)
    if isinstance(target, adbc_driver_manager.dbapi.Cursor):
        return _ingest(target, topic, table, mode, stmt_opts)
    raise TypeError(
        "adbc_kafarr.ingest: target must be an adbc_driver_manager.dbapi Cursor or Connection, "
        f"got {type(target).__name__}"
    )


def _ingest(cursor: adbc_driver_manager.dbapi.Cursor, topic: str, data: Any, mode: str, opts: dict[str, str]) -> int:
    if opts:
        cursor.adbc_statement.set_options(**opts)
    return cursor.adbc_ingest(topic, data, mode=mode)
