"""Wire compatibility with confluent-kafka: what its AvroSerializer
produces kafarr reads, what kafarr ingests its AvroDeserializer reads; and
malformed messages surface as DataError."""

from __future__ import annotations

import json
from typing import Any, Callable

import adbc_driver_manager
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import adbc_kafarr
import adbc_kafarr.dbapi

from kafarr_stack import Stack, consume_all, create_topic

ORDER_SCHEMA = {
    "type": "record",
    "name": "Order",
    "namespace": "avros.broker",
    "fields": [
        {"name": "id", "type": "long"},
        {"name": "inst", "type": "string"},
        {"name": "qty", "type": "int"},
        {"name": "px", "type": "double"},
        {"name": "note", "type": ["null", "string"], "default": None},
    ],
}
KEY_SCHEMA = {
    "type": "record",
    "name": "OrderKey",
    "namespace": "avros.broker",
    "fields": [{"name": "id", "type": "long"}],
}


def orders(n: int) -> list[dict[str, Any]]:
    return [
        {
            "id": k,
            "inst": ("GBPUSD", "EURUSD")[k % 2],
            "qty": k * 10 - 500,
            "px": 1.25 + k / 1000,
            "note": None if k % 3 else f"n{k}",
        }
        for k in range(n)
    ]


def test_confluent_serializer_messages_read_through_kafarr(
    stack: Stack, admin, registry, conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]
) -> None:
    from confluent_kafka import Producer
    from confluent_kafka.schema_registry.avro import AvroSerializer
    from confluent_kafka.serialization import MessageField, SerializationContext

    topic = new_topic()
    create_topic(admin, topic, partitions=3)
    value_ser = AvroSerializer(registry, json.dumps(ORDER_SCHEMA))
    key_ser = AvroSerializer(registry, json.dumps(KEY_SCHEMA))
    producer = Producer({"bootstrap.servers": stack.brokers, "enable.idempotence": True})
    rows = orders(300)
    for r in rows:
        producer.produce(
            topic,
            key=key_ser({"id": r["id"]}, SerializationContext(topic, MessageField.KEY)),
            value=value_ser(r, SerializationContext(topic, MessageField.VALUE)),
            partition=r["id"] % 3,
            headers=[("src", f"h{r['id']}".encode())],
            timestamp=1_700_000_000_000 + r["id"],
        )
    assert producer.flush(30) == 0

    with conn.cursor() as cur:
        cur.execute(f'SELECT id, inst, qty, px, note, _key, _headers, _partition, _offset, _timestamp FROM "{topic}"')
        table = cur.fetch_arrow_table()
    assert table.schema.metadata[b"kafarr.value.record_name"] == b"avros.broker.Order"
    got = sorted(table.to_pylist(), key=lambda r: r["id"])
    assert len(got) == 300
    per_partition = {p: 0 for p in range(3)}
    for r, want in zip(got, rows, strict=True):
        assert {k: r[k] for k in ("id", "inst", "qty", "px", "note")} == want
        # The key has a <topic>-key subject and is Confluent-framed: decoded as Avro.
        assert r["_key"] == {"id": want["id"]}
        assert r["_headers"] == [("src", f"h{want['id']}".encode())]
        assert r["_partition"] == want["id"] % 3
        # Offsets per partition count up in production order.
        assert r["_offset"] == per_partition[r["_partition"]]
        per_partition[r["_partition"]] += 1
        assert int(r["_timestamp"].timestamp() * 1000) == 1_700_000_000_000 + want["id"]


def test_kafarr_ingest_read_by_confluent_deserializer(
    stack: Stack, registry, conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]
) -> None:
    from confluent_kafka.schema_registry import Schema
    from confluent_kafka.schema_registry.avro import AvroDeserializer
    from confluent_kafka.serialization import MessageField, SerializationContext

    topic = new_topic()
    subject = f"avros.broker.Order-{topic}"
    registry.register_schema(subject, Schema(json.dumps(ORDER_SCHEMA), "AVRO"))
    rows = orders(1000)
    frame = pd.DataFrame(rows)
    frame["qty"] = frame["qty"].astype(np.int64)  # narrowed to Avro int by kafarr
    frame["key"] = [f"k{r['id']}" for r in rows]
    n = adbc_kafarr.ingest(conn, topic, frame, mode="create", value_subject=subject, key_column="key", partitions=2)
    assert n == 1000

    msgs = consume_all(stack, topic, expected=1000)
    deserialize = AvroDeserializer(registry)
    got = {}
    for m in msgs:
        value = deserialize(m.value(), SerializationContext(topic, MessageField.VALUE))
        assert m.key() == f"k{value['id']}".encode()
        got[value["id"]] = value
    assert [got[k] for k in range(1000)] == rows


def test_kafarr_derived_schema_read_by_confluent_deserializer(
    stack: Stack, registry, conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]
) -> None:
    from confluent_kafka.schema_registry.avro import AvroDeserializer
    from confluent_kafka.serialization import MessageField, SerializationContext

    topic = new_topic()
    table = pa.table(
        {
            "inst": pa.array(["A", None, "C"], pa.string()),
            "t": pa.array([1, 2, 3], pa.int64()),
            "bid": pa.array([1.5, 2.5, None], pa.float32()),
            "ok": pa.array([True, False, True]),
        }
    )
    adbc_kafarr.ingest(conn, topic, table, mode="create", record_name="com.example.Tick")
    registered = registry.get_latest_version(f"{topic}-value")
    schema = json.loads(registered.schema.schema_str)
    fullname = schema["name"] if "." in schema["name"] else f"{schema['namespace']}.{schema['name']}"
    assert fullname == "com.example.Tick"
    assert [f["name"] for f in schema["fields"]] == ["inst", "t", "bid", "ok"]
    deserialize = AvroDeserializer(registry)
    values = [
        deserialize(m.value(), SerializationContext(topic, MessageField.VALUE)) for m in consume_all(stack, topic, 3)
    ]
    assert values == [
        {"inst": "A", "t": 1, "bid": 1.5, "ok": True},
        {"inst": None, "t": 2, "bid": 2.5, "ok": False},
        {"inst": "C", "t": 3, "bid": None, "ok": True},
    ]


def test_malformed_messages_are_data_errors_or_follow_on_error(
    stack: Stack, admin, registry, conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]
) -> None:
    from confluent_kafka import Producer
    from confluent_kafka.schema_registry.avro import AvroSerializer
    from confluent_kafka.serialization import MessageField, SerializationContext

    topic = new_topic()
    create_topic(admin, topic)
    ser = AvroSerializer(registry, json.dumps(ORDER_SCHEMA))
    producer = Producer({"bootstrap.servers": stack.brokers})
    good = orders(3)
    producer.produce(topic, value=ser(good[0], SerializationContext(topic, MessageField.VALUE)))
    producer.produce(topic, value=b"not avro at all")  # offset 1: no Confluent framing
    producer.produce(topic, value=ser(good[2], SerializationContext(topic, MessageField.VALUE)))
    assert producer.flush(30) == 0

    with conn.cursor() as cur:
        with pytest.raises(adbc_kafarr.dbapi.DataError) as exc:
            cur.execute(f'SELECT id FROM "{topic}"')
            cur.fetch_arrow_table()
    assert exc.value.status_code == adbc_driver_manager.AdbcStatusCode.INVALID_DATA
    msg = str(exc.value)
    assert topic in msg and "partition 0" in msg and "offset 1" in msg, msg

    with conn.cursor() as cur:
        cur.adbc_statement.set_options(**{"kafarr.read.on_error": "skip"})
        cur.execute(f'SELECT id, _offset FROM "{topic}"')
        assert cur.fetch_arrow_table().to_pydict() == {"id": [0, 2], "_offset": [0, 2]}
    with conn.cursor() as cur:
        cur.adbc_statement.set_options(**{"kafarr.read.on_error": "null"})
        cur.execute(f'SELECT * FROM "{topic}"')
        t = cur.fetch_arrow_table()
    assert t.column("id").to_pylist() == [0, None, 2]
    errors = t.column("_error").to_pylist()
    assert errors[0] is None and errors[2] is None and errors[1]
