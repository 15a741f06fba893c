"""Every Avro type through kafarr into pyarrow, with exact types and values:
messages produced by confluent-kafka's AvroSerializer (so the reference
encoder, not kafarr's), then re-ingested by kafarr and read back."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import struct
import uuid
from typing import Any, Callable

import pyarrow as pa
import pytest

import adbc_kafarr
import adbc_kafarr.dbapi

from kafarr_stack import Stack, create_topic

UTC = dt.timezone.utc

RICH_SCHEMA = {
    "type": "record",
    "name": "Rich",
    "namespace": "kafarr.test",
    "fields": [
        {"name": "b", "type": "boolean"},
        {"name": "i", "type": "int"},
        {"name": "l", "type": "long"},
        {"name": "f", "type": "float"},
        {"name": "d", "type": "double"},
        {"name": "s", "type": "string"},
        {"name": "by", "type": "bytes"},
        {"name": "fx", "type": {"type": "fixed", "name": "Fx4", "size": 4}},
        {"name": "side", "type": {"type": "enum", "name": "Side", "symbols": ["BUY", "SELL", "HOLD"]}},
        {"name": "price", "type": {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 3}},
        {
            "name": "big",
            "type": {"type": "fixed", "name": "Big", "size": 20, "logicalType": "decimal", "precision": 40, "scale": 5},
        },
        {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
        {"name": "day", "type": {"type": "int", "logicalType": "date"}},
        {"name": "tm", "type": {"type": "int", "logicalType": "time-millis"}},
        {"name": "tu", "type": {"type": "long", "logicalType": "time-micros"}},
        {"name": "ts_ms", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "ts_us", "type": {"type": "long", "logicalType": "timestamp-micros"}},
        {"name": "ts_ns", "type": {"type": "long", "logicalType": "timestamp-nanos"}},
        {"name": "lts_ms", "type": {"type": "long", "logicalType": "local-timestamp-millis"}},
        {"name": "lts_us", "type": {"type": "long", "logicalType": "local-timestamp-micros"}},
        {"name": "dur", "type": {"type": "fixed", "name": "Dur", "size": 12, "logicalType": "duration"}},
        {"name": "tags", "type": {"type": "array", "items": "string"}},
        {"name": "attrs", "type": {"type": "map", "values": "long"}},
        {"name": "opt", "type": ["null", "double"]},
        {"name": "multi", "type": ["null", "long", "string"]},
        {
            "name": "inner",
            "type": {
                "type": "record",
                "name": "Inner",
                "fields": [
                    {"name": "x", "type": "int"},
                    {"name": "y", "type": ["null", "string"], "default": None},
                    {
                        "name": "pts",
                        "type": {
                            "type": "array",
                            "items": {"type": "record", "name": "Pt", "fields": [{"name": "a", "type": "double"}]},
                        },
                    },
                ],
            },
        },
    ],
}

# Avro values as fastavro (behind confluent's serializer) takes them.
ROWS: list[dict[str, Any]] = [
    dict(
        b=True,
        i=-5,
        l=2**40,
        f=1.5,
        d=-2.25,
        s="héllo",
        by=b"\x00\x01",
        fx=b"abcd",
        side="SELL",
        price=decimal.Decimal("1234567.891"),
        big=decimal.Decimal("123456789012345678901234567890.12345"),
        id=uuid.UUID("12345678-1234-5678-1234-567812345678"),
        day=dt.date(2024, 2, 29),
        tm=dt.time(13, 45, 30, 123000),
        tu=dt.time(1, 2, 3, 456789),
        ts_ms=dt.datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC),
        ts_us=dt.datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
        ts_ns=1704164645678901234,
        lts_ms=dt.datetime(2024, 1, 2, 3, 4, 5, 678000),
        lts_us=dt.datetime(2024, 1, 2, 3, 4, 5, 678901),
        dur=struct.pack("<III", 1, 2, 3000),
        tags=["a", "b"],
        attrs={"k1": 1, "k2": -2},
        opt=None,
        multi=7,
        inner=dict(x=1, y="why", pts=[dict(a=0.5), dict(a=1.5)]),
    ),
    dict(
        b=False,
        i=2**31 - 1,
        l=-1,
        f=0.0,
        d=1e300,
        s="",
        by=b"",
        fx=b"\xff\xfe\xfd\xfc",
        side="BUY",
        price=decimal.Decimal("-0.001"),
        big=decimal.Decimal("-1.00000"),
        id=uuid.UUID("00000000-0000-0000-0000-000000000001"),
        day=dt.date(1970, 1, 1),
        tm=dt.time(0, 0, 0),
        tu=dt.time(23, 59, 59, 999999),
        ts_ms=dt.datetime(1970, 1, 1, tzinfo=UTC),
        ts_us=dt.datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        ts_ns=-1,
        lts_ms=dt.datetime(2000, 1, 1),
        lts_us=dt.datetime(2000, 1, 1, 0, 0, 0, 1),
        dur=struct.pack("<III", 0, 0, 0),
        tags=[],
        attrs={},
        opt=3.5,
        multi="text",
        inner=dict(x=-1, y=None, pts=[]),
    ),
    dict(
        b=True,
        i=0,
        l=0,
        f=-1.0,
        d=0.0,
        s="x",
        by=b"z",
        fx=b"0000",
        side="HOLD",
        price=decimal.Decimal("0.000"),
        big=decimal.Decimal("0.00000"),
        id=uuid.UUID(int=0),
        day=dt.date(1969, 12, 31),
        tm=dt.time(0, 0, 0, 1000),
        tu=dt.time(0, 0, 0, 1),
        ts_ms=dt.datetime(2038, 1, 19, 3, 14, 8, tzinfo=UTC),
        ts_us=dt.datetime(2038, 1, 19, 3, 14, 8, tzinfo=UTC),
        ts_ns=0,
        lts_ms=dt.datetime(1999, 12, 31, 23, 59, 59, 999000),
        lts_us=dt.datetime(1999, 12, 31, 23, 59, 59, 999999),
        dur=struct.pack("<III", 12, 31, 86399999),
        tags=["only"],
        attrs={"z": 0},
        opt=None,
        multi=None,
        inner=dict(x=0, y="", pts=[dict(a=-0.0)]),
    ),
]


def nn(name: str, t: pa.DataType) -> pa.Field:
    return pa.field(name, t, nullable=False)


# The type mapping of docs/types.md. Top-level value columns are nullable
# (a tombstone gives a row of nulls); nested non-union fields are not.
EXPECTED_TYPES = {
    "b": pa.bool_(),
    "i": pa.int32(),
    "l": pa.int64(),
    "f": pa.float32(),
    "d": pa.float64(),
    "s": pa.string(),
    "by": pa.binary(),
    "fx": pa.binary(4),
    "side": pa.dictionary(pa.int32(), pa.string()),
    "price": pa.decimal128(10, 3),
    "big": pa.decimal256(40, 5),
    "id": pa.string(),
    "day": pa.date32(),
    "tm": pa.time32("ms"),
    "tu": pa.time64("us"),
    "ts_ms": pa.timestamp("ms", tz="UTC"),
    "ts_us": pa.timestamp("us", tz="UTC"),
    "ts_ns": pa.timestamp("ns", tz="UTC"),
    "lts_ms": pa.timestamp("ms"),
    "lts_us": pa.timestamp("us"),
    "dur": pa.month_day_nano_interval(),
    "tags": pa.list_(nn("item", pa.string())),
    "attrs": pa.map_(pa.string(), nn("value", pa.int64())),
    "opt": pa.float64(),
    "multi": pa.struct([pa.field("long", pa.int64()), pa.field("string", pa.string())]),
    "inner": pa.struct(
        [
            nn("x", pa.int32()),
            pa.field("y", pa.string()),
            nn("pts", pa.list_(nn("item", pa.struct([nn("a", pa.float64())])))),
        ]
    ),
}


def expected_values() -> dict[str, list[Any]]:
    """What the Arrow columns must hold, as to_pylist() gives them (ts_ns
    as epoch nanoseconds: pylist would make pandas Timestamps)."""
    out: dict[str, list[Any]] = {name: [] for name in EXPECTED_TYPES}
    for r in ROWS:
        for name in EXPECTED_TYPES:
            v = r[name]
            if name == "id":
                v = str(v)
            elif name == "dur":
                months, days, millis = struct.unpack("<III", v)
                v = pa.MonthDayNano([months, days, millis * 1_000_000])
            elif name == "attrs":
                v = list(v.items())
            elif name == "multi":
                v = (
                    None
                    if v is None
                    else {"long": v if isinstance(v, int) else None, "string": v if isinstance(v, str) else None}
                )
            out[name].append(v)
    return out


def column_values(table: pa.Table, name: str) -> list[Any]:
    col = table.column(name)
    if name == "ts_ns":
        return col.cast(pa.int64()).to_pylist()
    return col.to_pylist()


def produce_with_confluent(stack: Stack, admin, registry, topic: str, schema: dict, rows: list[dict]) -> None:
    from confluent_kafka import Producer
    from confluent_kafka.schema_registry.avro import AvroSerializer
    from confluent_kafka.serialization import MessageField, SerializationContext

    create_topic(admin, topic)
    serialize = AvroSerializer(registry, json.dumps(schema))
    producer = Producer({"bootstrap.servers": stack.brokers, "enable.idempotence": True})
    errors: list[Any] = []
    for row in rows:
        producer.produce(
            topic,
            value=serialize(row, SerializationContext(topic, MessageField.VALUE)),
            on_delivery=lambda err, msg: err and errors.append(err),
        )
    assert producer.flush(30) == 0
    assert errors == []


@pytest.fixture
def rich_topic(stack: Stack, admin, registry, new_topic: Callable[..., str]) -> str:
    topic = new_topic()
    produce_with_confluent(stack, admin, registry, topic, RICH_SCHEMA, ROWS)
    return topic


def read_all(conn: adbc_kafarr.dbapi.Connection, sql: str, **options: str) -> pa.Table:
    with conn.cursor() as cur:
        if options:
            cur.adbc_statement.set_options(**options)
        cur.execute(sql)
        return cur.fetch_arrow_table()


def test_every_avro_type_maps_to_its_arrow_type_with_exact_values(
    conn: adbc_kafarr.dbapi.Connection, rich_topic: str
) -> None:
    table = read_all(conn, f'SELECT * FROM "{rich_topic}"')
    assert table.column_names == list(EXPECTED_TYPES) + ["_partition", "_offset", "_timestamp"]
    for name, want in EXPECTED_TYPES.items():
        field = table.schema.field(name)
        assert field.type == want, name
        assert field.nullable, name
    want_values = expected_values()
    for name in EXPECTED_TYPES:
        assert column_values(table, name) == want_values[name], name
    assert table.column("_offset").to_pylist() == [0, 1, 2]
    meta = table.schema.metadata
    assert meta[b"kafarr.value.record_name"] == b"kafarr.test.Rich"
    assert meta[b"kafarr.topic"] == rich_topic.encode()
    assert meta[b"kafarr.value.subject"] == f"{rich_topic}-value".encode()
    assert json.loads(meta[b"kafarr.read.end_offsets"]) == {"0": 3}
    # Field metadata keeps what Arrow alone loses.
    assert table.schema.field("id").metadata[b"kafarr.avro.logical_type"] == b"uuid"
    assert json.loads(table.schema.field("side").metadata[b"kafarr.avro.symbols"]) == ["BUY", "SELL", "HOLD"]


def test_multi_branch_union_as_dense_union(conn: adbc_kafarr.dbapi.Connection, rich_topic: str) -> None:
    table = read_all(conn, f'SELECT multi FROM "{rich_topic}"', **{"kafarr.read.union_mode": "dense"})
    t = table.schema.field("multi").type
    assert t.mode == "dense"
    assert [(t.field(k).name, t.field(k).type) for k in range(t.num_fields)] == [
        ("null", pa.null()),
        ("long", pa.int64()),
        ("string", pa.string()),
    ]
    assert table.column("multi").to_pylist() == [7, "text", None]


def test_nested_columns_select_by_path(conn: adbc_kafarr.dbapi.Connection, rich_topic: str) -> None:
    table = read_all(conn, f'SELECT inner.x, "inner"."y" FROM "{rich_topic}" WHERE inner.x >= 0')
    assert [c.to_pylist() for c in table.columns] == [[1, 0], ["why", ""]]


def test_rich_rows_round_trip_through_kafarr_ingest(
    conn: adbc_kafarr.dbapi.Connection, rich_topic: str, new_topic: Callable[..., str]
) -> None:
    source = read_all(conn, f'SELECT * FROM "{rich_topic}"').select(list(EXPECTED_TYPES))
    target = new_topic()
    # Encode with the same registered schema (the confluent-made subject).
    n = adbc_kafarr.ingest(conn, target, source, mode="create", value_subject=f"{rich_topic}-value")
    assert n == 3
    back = read_all(conn, f'SELECT * FROM "{target}"', **{"kafarr.value.subject": f"{rich_topic}-value"})
    want_values = expected_values()
    for name, want in EXPECTED_TYPES.items():
        assert back.schema.field(name).type == want, name
        assert column_values(back, name) == want_values[name], name
