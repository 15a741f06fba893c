"""Option keys of the kafarr ADBC driver, as enums.

Every option is a string; ``docs/options.md`` in the repository lists what
each accepts and its default. An enum member can be used wherever
``adbc_driver_manager`` takes an option key, and its ``.value`` is the key::

    adbc_kafarr.dbapi.connect(
        "kafka://localhost:9092",
        db_kwargs={DatabaseOptions.SCHEMA_REGISTRY_URL.value: "http://localhost:8081"},
    )
"""

from __future__ import annotations

import enum

__all__ = ["DatabaseOptions", "StatementOptions"]


class DatabaseOptions(enum.Enum):
    """Options read when a connection opens: set them on the database
    (``connect(..., db_kwargs=...)``) only."""

    #: ``kafka://host:port[,host:port...][?opt=value&...]``; any ``kafarr.*``
    #: option may ride in the query string without its ``kafarr.`` prefix.
    URI = "uri"
    #: Broker SASL credentials (the ADBC standard keys).
    USERNAME = "username"
    PASSWORD = "password"
    #: Comma-separated seed brokers, an alternative to ``uri``.
    BOOTSTRAP_SERVERS = "kafarr.bootstrap_servers"
    #: Kafka client id. Default ``kafarr``.
    CLIENT_ID = "kafarr.client_id"
    #: ``PLAIN`` (default when a username is set), ``SCRAM-SHA-256`` or
    #: ``SCRAM-SHA-512``.
    SASL_MECHANISM = "kafarr.sasl.mechanism"
    #: TLS to the brokers: ``true``/``false`` (default ``false``).
    TLS_ENABLED = "kafarr.tls.enabled"
    #: PEM CA bundle that verifies the brokers. Default: system roots.
    TLS_CA_FILE = "kafarr.tls.ca_file"
    #: PEM client certificate and key for mutual TLS.
    TLS_CERT_FILE = "kafarr.tls.cert_file"
    TLS_KEY_FILE = "kafarr.tls.key_file"
    #: Skip broker certificate verification. Default ``false``.
    TLS_INSECURE_SKIP_VERIFY = "kafarr.tls.insecure_skip_verify"
    #: Confluent-compatible schema registry, e.g. ``http://localhost:8081``.
    SCHEMA_REGISTRY_URL = "kafarr.schema_registry.url"
    #: HTTP basic credentials for the registry.
    SCHEMA_REGISTRY_USERNAME = "kafarr.schema_registry.username"
    SCHEMA_REGISTRY_PASSWORD = "kafarr.schema_registry.password"
    #: Sent as ``Authorization: Bearer <token>``.
    SCHEMA_REGISTRY_BEARER_TOKEN = "kafarr.schema_registry.bearer_token"
    #: PEM CA bundle for an https registry. Default: system roots.
    SCHEMA_REGISTRY_CA_FILE = "kafarr.schema_registry.ca_file"
    #: Skip registry certificate verification. Default ``false``.
    SCHEMA_REGISTRY_INSECURE_SKIP_VERIFY = "kafarr.schema_registry.insecure_skip_verify"
    #: Per-request registry timeout in milliseconds. Default ``10000``.
    SCHEMA_REGISTRY_TIMEOUT_MS = "kafarr.schema_registry.timeout_ms"
    #: Log to stderr at this level: ``off`` (default), ``error``, ``warn``,
    #: ``info`` or ``debug``. Secrets are never logged.
    LOG_LEVEL = "kafarr.log.level"


class StatementOptions(enum.Enum):
    """Read, ingest and catalog options. They may be set on the database,
    the connection or the statement (a cursor's ``adbc_statement``); the
    narrowest level wins."""

    # Reading.
    #: Consumer-group mode: start at the group's committed offsets and
    #: commit, when the result is released, the offsets of the rows read.
    CONSUMER_GROUP = "kafarr.consumer.group"
    #: Bound on a query's read, in milliseconds. Default ``30000``.
    READ_TIMEOUT_MS = "kafarr.read.timeout_ms"
    #: Rows per Arrow batch. Default ``65536``.
    READ_BATCH_ROWS = "kafarr.read.batch_rows"
    #: ``read_committed`` (default) or ``read_uncommitted``.
    READ_ISOLATION = "kafarr.read.isolation"
    #: Metadata columns ``SELECT *`` appends, comma-separated, or ``none``.
    #: Default ``_partition,_offset,_timestamp``.
    READ_METADATA_COLUMNS = "kafarr.read.metadata_columns"
    #: Wait for new messages past the end snapshot until LIMIT or the
    #: timeout (pykafarr's ``poll``). Default ``false``.
    READ_FOLLOW = "kafarr.read.follow"
    #: Where a group with no committed offset starts: ``earliest`` (default)
    #: or ``latest``.
    READ_START = "kafarr.read.start"
    #: Reader schema: ``latest`` (default), ``first``, ``version:<n>`` or
    #: ``id:<n>``.
    READ_SCHEMA = "kafarr.read.schema"
    #: ``fail`` (default), ``skip`` or ``null`` for undecodable messages.
    READ_ON_ERROR = "kafarr.read.on_error"
    #: Multi-branch unions as ``struct`` (default) or ``dense`` union.
    READ_UNION_MODE = "kafarr.read.union_mode"
    #: ``auto`` (default: the subject's schema type, else the first framed
    #: message's, else plain JSON when the sampled values are JSON objects,
    #: else binary), ``avro``, ``protobuf``, ``json``, ``string`` or ``binary``.
    VALUE_FORMAT = "kafarr.value.format"
    #: Full name of the Protobuf message values are read as. Default: the
    #: schema's first message.
    VALUE_PROTO_MESSAGE = "kafarr.value.proto.message"
    #: Schema of plain JSON values, inline: a JSON Schema or an Avro schema.
    #: Default: inferred from the first ``kafarr.json.infer_rows`` messages.
    VALUE_SCHEMA = "kafarr.value.schema"
    #: Messages ``auto`` samples, and JSON schema inference reads. Default 1000.
    JSON_INFER_ROWS = "kafarr.json.infer_rows"
    #: ``topic`` (default), ``record`` or ``topic_record``.
    VALUE_SUBJECT_STRATEGY = "kafarr.value.subject_strategy"
    #: Explicit value subject.
    VALUE_SUBJECT = "kafarr.value.subject"
    #: ``auto`` (default), ``string``, ``binary``, ``avro``, ``protobuf`` or
    #: ``json``.
    KEY_FORMAT = "kafarr.key.format"
    #: Key subject. Default ``<topic>-key``.
    KEY_SUBJECT = "kafarr.key.subject"
    #: Full name of the Protobuf message keys are read as. Default: the key
    #: schema's first message.
    KEY_PROTO_MESSAGE = "kafarr.key.proto.message"
    #: ``ExecutePartitions`` (``adbc_execute_partitions``, and the Dask,
    #: Spark and Ray readers) cuts each partition into splits of at most
    #: this many offsets. Default: one split per Kafka partition.
    PARTITIONS_MAX_ROWS = "kafarr.partitions.max_rows"

    # Ingest.
    #: Subject whose schema encodes ingested rows (pykafarr's message type).
    #: Default ``<topic>-value``.
    INGEST_VALUE_SUBJECT = "kafarr.ingest.value_subject"
    #: Version of that subject: ``latest`` (default) or n >= 1.
    INGEST_VALUE_SCHEMA_VERSION = "kafarr.ingest.value_schema_version"
    #: ``auto`` (default: the subject's schema type; Avro when a schema is
    #: derived), ``avro``, ``protobuf`` (a ``.proto`` derived and registered
    #: when the subject has none) or ``json`` (JSON Schema when a subject
    #: exists or is named, else plain JSON without a registry).
    INGEST_VALUE_FORMAT = "kafarr.ingest.value_format"
    #: ``auto`` (default), ``avro``, ``protobuf``, ``json``, ``string`` or
    #: ``binary``: how the key column is written.
    INGEST_KEY_FORMAT = "kafarr.ingest.key_format"
    #: Full name of the message of a Protobuf value subject the rows are
    #: encoded as. Default: the schema's first message.
    INGEST_PROTO_MESSAGE = "kafarr.ingest.proto_message"
    #: Avro full name of a schema derived from the data.
    INGEST_RECORD_NAME = "kafarr.ingest.record_name"
    #: Register a derived schema when the subject has none. Default ``true``.
    INGEST_AUTO_REGISTER = "kafarr.ingest.auto_register"
    #: ``exact`` (default: narrowing only when every value converts exactly)
    #: or ``strict`` (no narrowing).
    INGEST_COERCE = "kafarr.ingest.coerce"
    #: Column that becomes the record key.
    INGEST_KEY_COLUMN = "kafarr.ingest.key_column"
    #: Avro subject that encodes the key column (raw string/binary without).
    INGEST_KEY_SUBJECT = "kafarr.ingest.key_subject"
    #: Column that becomes the record timestamp.
    INGEST_TIMESTAMP_COLUMN = "kafarr.ingest.timestamp_column"
    #: ``map<utf8, binary>`` column that becomes the record headers.
    INGEST_HEADERS_COLUMN = "kafarr.ingest.headers_column"
    #: Integer column choosing the partition.
    INGEST_PARTITION_COLUMN = "kafarr.ingest.partition_column"
    #: One ingest call is one Kafka transaction. Default ``false``.
    INGEST_TRANSACTIONAL = "kafarr.ingest.transactional"
    #: ``none`` (default), ``gzip``, ``snappy``, ``lz4`` or ``zstd``.
    INGEST_COMPRESSION = "kafarr.ingest.compression"
    #: Partitions of topics an ingest creates. Default: the broker's.
    INGEST_PARTITIONS = "kafarr.ingest.partitions"
    #: Replication factor of topics an ingest creates. Default: the broker's.
    INGEST_REPLICATION_FACTOR = "kafarr.ingest.replication_factor"
    #: Largest record an ingest produces, in bytes (1024 .. 2^30). Default:
    #: the topic's ``max.message.bytes`` (the broker's ``message.max.bytes``
    #: when it cannot be described).
    INGEST_MAX_RECORD_BYTES = "kafarr.ingest.max_record_bytes"

    # Topic deletion and catalog.
    #: Permit ingest mode ``replace`` and ``DROP TABLE``. Default ``false``.
    ALLOW_DELETE_TOPICS = "kafarr.allow_delete_topics"
    #: List internal topics (``__*``, ``_schemas``) in the catalog.
    #: Default ``false``.
    CATALOG_INCLUDE_INTERNAL = "kafarr.catalog.include_internal"
