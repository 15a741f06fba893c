"""pykafarr's API on kafarr: ``listener(...).poll()`` returns the next
frame of messages, ``producer(...).send()`` writes one.

pykafarr streamed Avro messages between Kafka and pandas; code written for
it runs unchanged::

    lstnr = adbc_kafarr.listener("kafka:9092", "group", ["GBPUSD_PRICE"], "http://registry:8081")
    message_type, frame = lstnr.poll(num_messages=1000, max_time=30000)

    prod = adbc_kafarr.producer("kafka:9092", "http://registry:8081")
    prod.send("avros.pricing.Tick", frame, "GBPUSD_PRICE")

Each poll is a consumer-group query,
``SELECT * FROM topic LIMIT num_messages`` with ``kafarr.consumer.group``,
``kafarr.read.follow=true`` and ``kafarr.read.schema=first``: it starts at
the group's committed offsets, waits up to ``max_time`` ms for messages,
stops early where the schema changes (so every frame has one message type),
and commits exactly the rows it returns, so repeated polls walk the topics
without gaps or duplicates.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import adbc_driver_manager

from ._convert import OptionKey, OptionValue
from .dbapi import connect
from .ingest import IngestMode, ingest
from .options import DatabaseOptions, StatementOptions

if TYPE_CHECKING:
    import pandas
    import pyarrow

__all__ = ["Listener", "Producer", "listener", "producer"]

#: Schema metadata key of the fully qualified Avro record name of a result
#: (pykafarr's message type).
RECORD_NAME_KEY = b"kafarr.value.record_name"


def _bootstrap(servers: str | Sequence[str]) -> str:
    # pykafarr took "host1:9092 host2:9092"; accept spaces, commas or a list.
    parts = re.split(r"[\s,]+", servers) if isinstance(servers, str) else list(servers)
    joined = ",".join(p for p in parts if p)
    if not joined:
        raise ValueError("adbc_kafarr: no Kafka servers given")
    return joined


def _db_options(servers: str | Sequence[str], registry_url: str | None) -> dict[OptionKey, OptionValue]:
    opts: dict[OptionKey, OptionValue] = {DatabaseOptions.BOOTSTRAP_SERVERS: _bootstrap(servers)}
    if registry_url:
        opts[DatabaseOptions.SCHEMA_REGISTRY_URL] = registry_url.rstrip("/")
    return opts


def _quote(topic: str) -> str:
    return '"' + topic.replace('"', '""') + '"'


def message_type(table: pyarrow.Table) -> str | None:
    """Return the fully qualified Avro record name a kafarr result carries
    in its schema metadata, or None when it has none (e.g. no message
    arrived and no schema was fixed)."""
    meta = table.schema.metadata or {}
    name = meta.get(RECORD_NAME_KEY)
    return name.decode("utf-8") if name else None


class Listener:
    """A consumer-group reader of one or more topics; see :func:`listener`.

    Close it (or use it as a context manager) to release the connection.
    """

    def __init__(
        self,
        servers: str | Sequence[str],
        group_id: str,
        topics: str | Sequence[str],
        registry_url: str | None = None,
        *,
        options: Mapping[OptionKey, OptionValue] | None = None,
    ) -> None:
        self.topics: list[str] = [topics] if isinstance(topics, str) else list(topics)
        if not self.topics:
            raise ValueError("adbc_kafarr.listener: no topics given")
        if not group_id:
            raise ValueError("adbc_kafarr.listener: group_id must not be empty")
        self.group_id = group_id
        conn_opts: dict[OptionKey, OptionValue] = {
            StatementOptions.CONSUMER_GROUP: group_id,
            StatementOptions.READ_FOLLOW: True,
            StatementOptions.READ_SCHEMA: "first",
        }
        conn_opts.update(options or {})
        self._conn = connect(db_kwargs=_db_options(servers, registry_url), conn_kwargs=conn_opts)
        self._next = 0

    def poll_arrow(self, num_messages: int = 1000, max_time: int = 30000) -> pyarrow.Table:
        """Like :meth:`poll`, but return the pyarrow Table (its schema
        metadata carries the message type, topic, subject and offsets)."""
        if num_messages < 1:
            raise ValueError(f"adbc_kafarr: num_messages must be >= 1, got {num_messages}")
        timeout = max(1, int(max_time))
        n = len(self.topics)
        if n > 1:
            # Round-robin without waiting: the first topic, from the one
            # after the last served, that has messages now gives the frame,
            # so an idle topic never holds up a busy one.
            for i in range(n):
                topic = self.topics[(self._next + i) % n]
                try:
                    table = self._read(topic, num_messages, timeout, follow=False)
                except adbc_driver_manager.OperationalError as e:
                    # Not through its backlog in max_time: nothing was
                    # returned, so nothing was committed; try the others.
                    if e.status_code == adbc_driver_manager.AdbcStatusCode.TIMEOUT:
                        continue
                    raise
                if table.num_rows:
                    self._next = (self._next + i + 1) % n
                    return table
        # Nothing is waiting: wait on the next topic in turn for up to max_time.
        topic = self.topics[self._next]
        self._next = (self._next + 1) % n
        return self._read(topic, num_messages, timeout, follow=True)

    def poll(self, num_messages: int = 1000, max_time: int = 30000) -> tuple[str | None, pandas.DataFrame]:
        """Wait for up to ``num_messages`` messages or ``max_time``
        milliseconds, whichever comes first, and return them.

        Returns:
            ``(message_type, frame)``: the fully qualified Avro record name
            of the messages (None when the result has no schema), and a
            pandas DataFrame with one row per message: the value's fields,
            then ``_partition``, ``_offset`` and ``_timestamp``. All rows of
            a frame have the same message type; the poll returns early where
            the type changes, and the next poll goes on from there.

        Raises:
            adbc_driver_manager.ProgrammingError: a topic does not exist
                (status NotFound).
        """
        table = self.poll_arrow(num_messages, max_time)
        return message_type(table), table.to_pandas()

    def _read(self, topic: str, limit: int, timeout_ms: int, *, follow: bool) -> pyarrow.Table:
        # A cursor per poll: closing it releases the result, which is when
        # the driver commits the group's offsets for the rows returned.
        with self._conn.cursor() as cur:
            cur.adbc_statement.set_options(
                **{
                    StatementOptions.READ_TIMEOUT_MS.value: str(timeout_ms),
                    StatementOptions.READ_FOLLOW.value: "true" if follow else "false",
                }
            )
            cur.execute(f"SELECT * FROM {_quote(topic)} LIMIT {int(limit)}")
            return cur.fetch_arrow_table()

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def __enter__(self) -> Listener:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class Producer:
    """Writes frames to topics as Avro messages; see :func:`producer`.

    Close it (or use it as a context manager) to release the connection.
    """

    def __init__(
        self,
        servers: str | Sequence[str],
        registry_url: str | None = None,
        *,
        options: Mapping[OptionKey, OptionValue] | None = None,
    ) -> None:
        self._conn = connect(db_kwargs=_db_options(servers, registry_url), conn_kwargs=options)

    def send(
        self,
        message_type: str,
        frame: Any,
        topic: str,
        *,
        mode: IngestMode = "create_append",
        key_column: str | None = None,
    ) -> int:
        """Produce each row of ``frame`` to ``topic``, Avro-encoded with the
        latest schema of the subject ``message_type``.

        Columns match the schema's fields by name; extra columns are
        ignored; integer and float columns narrow to int/float fields when
        every value fits (pykafarr required explicit numpy casts).

        Args:
            message_type: the schema registry subject, e.g.
                ``avros.pricing.Tick``.
            frame: a pandas DataFrame (or any data :func:`adbc_kafarr.ingest`
                takes).
            topic: the target topic.
            mode: ingest mode; ``create_append`` (default) creates a missing
                topic.
            key_column: column that becomes the record key.

        Returns:
            The number of messages produced and acknowledged.
        """
        return ingest(self._conn, topic, frame, mode, value_subject=message_type, key_column=key_column)

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def __enter__(self) -> Producer:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def listener(
    servers: str | Sequence[str],
    group_id: str,
    topics: str | Sequence[str],
    registry_url: str | None = None,
    **options: OptionValue,
) -> Listener:
    """Return a pykafarr-style listener.

    Args:
        servers: bootstrap brokers, ``"host1:9092 host2:9092"``,
            ``"host1:9092,host2:9092"`` or a list.
        group_id: the consumer group whose committed offsets the polls
            start from and advance.
        topics: a topic or a list of topics; several are served round-robin.
        registry_url: the Confluent-compatible schema registry.
        **options: more kafarr options by key, e.g.
            ``**{"kafarr.read.start": "latest"}``.
    """
    return Listener(servers, group_id, topics, registry_url, options=options)


def producer(servers: str | Sequence[str], registry_url: str | None = None, **options: OptionValue) -> Producer:
    """Return a pykafarr-style producer.

    Args:
        servers: bootstrap brokers, as for :func:`listener`.
        registry_url: the Confluent-compatible schema registry.
        **options: more kafarr options by key (ingest options apply to
            every send).
    """
    return Producer(servers, registry_url, options=options)
