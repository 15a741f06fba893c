"""Wire compatibility with confluent-kafka for Protobuf, JSON Schema and plain
JSON (issue 14): what its ProtobufSerializer and JSONSerializer produce, and
plain JSON text, kafarr reads with exact values per column; what kafarr
ingests in those formats its ProtobufDeserializer and JSONDeserializer read
back with equal values. Real broker, real (Apicurio ccompat) registry.

The Protobuf message classes are built without protoc: a FileDescriptorProto
written here, added to the default descriptor pool, classes from
message_factory.GetMessageClass. The mapping asserted is docs/types.md's.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import functools
import json
from typing import Any, Callable

import adbc_driver_manager
import pandas as pd
import pyarrow as pa
import pytest

import adbc_kafarr
import adbc_kafarr.dbapi

from kafarr_stack import Stack, consume_all, create_topic

UTC = dt.timezone.utc

# --------------------------------------------------------------------------
# Protobuf schema: interop.Everything covers every row of the Protobuf
# mapping table; interop.Audit is the file's second message.

PROTO_FILE = "kafarr/interop/everything.proto"
PROTO_DEPS = [
    "google/protobuf/timestamp.proto",
    "google/protobuf/duration.proto",
    "google/protobuf/wrappers.proto",
    "google/protobuf/struct.proto",
    "google/protobuf/any.proto",
    "confluent/meta.proto",
    "confluent/type/decimal.proto",
]


@functools.cache
def proto_classes() -> dict[str, Any]:
    """Build interop/everything.proto as a FileDescriptorProto, add it to the
    default pool (where the well-known and Confluent types already are) and
    return its message classes by short name."""
    from confluent_kafka.schema_registry.confluent import meta_pb2
    from confluent_kafka.schema_registry.confluent.type import decimal_pb2  # noqa: F401
    from google.protobuf import (  # noqa: F401 (registering the dependencies in the pool)
        any_pb2,
        descriptor_pb2,
        descriptor_pool,
        duration_pb2,
        message_factory,
        struct_pb2,
        timestamp_pb2,
        wrappers_pb2,
    )

    F = descriptor_pb2.FieldDescriptorProto
    fd = descriptor_pb2.FileDescriptorProto(name=PROTO_FILE, package="interop", syntax="proto3")
    fd.dependency.extend(PROTO_DEPS)

    side = fd.enum_type.add(name="Side")
    for name, number in (("SIDE_UNSPECIFIED", 0), ("BUY", 1), ("SELL", 2)):
        side.value.add(name=name, number=number)

    ev = fd.message_type.add(name="Everything")
    inner = ev.nested_type.add(name="Inner")
    inner.field.add(name="name", number=1, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
    inner.field.add(name="qty", number=2, type=F.TYPE_INT64, label=F.LABEL_OPTIONAL)
    attrs_entry = ev.nested_type.add(name="AttrsEntry")
    attrs_entry.options.map_entry = True
    attrs_entry.field.add(name="key", number=1, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
    attrs_entry.field.add(name="value", number=2, type=F.TYPE_INT64, label=F.LABEL_OPTIONAL)
    codes_entry = ev.nested_type.add(name="CodesEntry")
    codes_entry.options.map_entry = True
    codes_entry.field.add(name="key", number=1, type=F.TYPE_INT32, label=F.LABEL_OPTIONAL)
    codes_entry.field.add(name="value", number=2, type=F.TYPE_MESSAGE, label=F.LABEL_OPTIONAL,
                          type_name=".interop.Everything.Inner")  # fmt: skip

    def scalar(name: str, number: int, typ: int) -> None:
        ev.field.add(name=name, number=number, type=typ, label=F.LABEL_OPTIONAL)

    def message(name: str, number: int, type_name: str, repeated: bool = False) -> Any:
        return ev.field.add(
            name=name,
            number=number,
            type=F.TYPE_MESSAGE,
            type_name=type_name,
            label=F.LABEL_REPEATED if repeated else F.LABEL_OPTIONAL,
        )

    for number, (name, typ) in enumerate(
        [
            ("f_double", F.TYPE_DOUBLE),
            ("f_float", F.TYPE_FLOAT),
            ("f_int32", F.TYPE_INT32),
            ("f_int64", F.TYPE_INT64),
            ("f_uint32", F.TYPE_UINT32),
            ("f_uint64", F.TYPE_UINT64),
            ("f_sint32", F.TYPE_SINT32),
            ("f_sint64", F.TYPE_SINT64),
            ("f_fixed32", F.TYPE_FIXED32),
            ("f_fixed64", F.TYPE_FIXED64),
            ("f_sfixed32", F.TYPE_SFIXED32),
            ("f_sfixed64", F.TYPE_SFIXED64),
            ("f_bool", F.TYPE_BOOL),
            ("f_string", F.TYPE_STRING),
            ("f_bytes", F.TYPE_BYTES),
        ],
        start=1,
    ):
        scalar(name, number, typ)
    ev.field.add(name="side", number=16, type=F.TYPE_ENUM, type_name=".interop.Side", label=F.LABEL_OPTIONAL)
    message("inner", 17, ".interop.Everything.Inner")
    ev.field.add(name="tags", number=18, type=F.TYPE_STRING, label=F.LABEL_REPEATED)
    message("fills", 19, ".interop.Everything.Inner", repeated=True)
    message("attrs", 20, ".interop.Everything.AttrsEntry", repeated=True)
    # oneof choice { string choice_text = 21; int64 choice_num = 22; }
    ev.oneof_decl.add(name="choice")
    ev.field.add(name="choice_text", number=21, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL, oneof_index=0)
    ev.field.add(name="choice_num", number=22, type=F.TYPE_INT64, label=F.LABEL_OPTIONAL, oneof_index=0)
    # proto3 optional int32 maybe = 23: a synthetic oneof, declared after the real ones.
    ev.oneof_decl.add(name="_maybe")
    ev.field.add(name="maybe", number=23, type=F.TYPE_INT32, label=F.LABEL_OPTIONAL, oneof_index=1,
                 proto3_optional=True)  # fmt: skip
    message("w_int64", 24, ".google.protobuf.Int64Value")
    message("w_string", 25, ".google.protobuf.StringValue")
    message("w_bool", 26, ".google.protobuf.BoolValue")
    message("w_double", 27, ".google.protobuf.DoubleValue")
    message("ts", 28, ".google.protobuf.Timestamp")
    message("dur", 29, ".google.protobuf.Duration")
    message("st", 30, ".google.protobuf.Struct")
    message("val", 31, ".google.protobuf.Value")
    message("any", 32, ".google.protobuf.Any")
    amount = message("amount", 33, ".confluent.type.Decimal")
    meta = amount.options.Extensions[meta_pb2.field_meta]
    meta.params["precision"] = "10"
    meta.params["scale"] = "2"
    ev.field.add(name="nums", number=34, type=F.TYPE_SINT32, label=F.LABEL_REPEATED)
    message("codes", 35, ".interop.Everything.CodesEntry", repeated=True)
    message("w_uint64", 36, ".google.protobuf.UInt64Value")
    message("w_uint32", 37, ".google.protobuf.UInt32Value")
    message("w_int32", 38, ".google.protobuf.Int32Value")
    message("w_float", 39, ".google.protobuf.FloatValue")
    message("w_bytes", 40, ".google.protobuf.BytesValue")
    message("lv", 41, ".google.protobuf.ListValue")
    message("any_wkt", 42, ".google.protobuf.Any")
    message("any_unknown", 43, ".google.protobuf.Any")

    audit = fd.message_type.add(name="Audit")
    audit.field.add(name="who", number=1, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
    audit.field.add(name="at", number=2, type=F.TYPE_INT64, label=F.LABEL_OPTIONAL)

    # protoc fills json_name in the descriptors it generates; so do we here
    # (test_protobuf_descriptor_without_json_names covers its absence).
    _fill_json_names(fd.message_type)

    pool = descriptor_pool.Default()
    pool.Add(fd)
    file = pool.FindFileByName(PROTO_FILE)
    classes = {name: message_factory.GetMessageClass(d) for name, d in file.message_types_by_name.items()}
    everything = file.message_types_by_name["Everything"]
    classes["Inner"] = message_factory.GetMessageClass(everything.nested_types_by_name["Inner"])
    return classes


def _fill_json_names(messages: Any) -> None:
    """Set every field's json_name the way protoc does: lowerCamelCase, an
    underscore dropped and the next letter upper-cased."""
    for m in messages:
        for f in m.field:
            parts = f.name.split("_")
            f.json_name = parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])
        _fill_json_names(m.nested_type)


def _req(name: str, typ: pa.DataType) -> pa.Field:
    return pa.field(name, typ, nullable=False)


# Below the top level a field is nullable exactly when it has presence;
# list items and map values never are (docs/types.md, "Presence").
INNER = pa.struct([_req("name", pa.utf8()), _req("qty", pa.int64())])
@functools.cache
def key_class() -> Any:
    """interop.key.OrderKey, the only message of kafarr/interop/key.proto
    (kafarr has no option naming a key message other than the first)."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    F = descriptor_pb2.FieldDescriptorProto
    fd = descriptor_pb2.FileDescriptorProto(name="kafarr/interop/key.proto", package="interop.key", syntax="proto3")
    key = fd.message_type.add(name="OrderKey")
    key.field.add(name="who", number=1, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL, json_name="who")
    key.field.add(name="at", number=2, type=F.TYPE_INT64, label=F.LABEL_OPTIONAL, json_name="at")
    pool = descriptor_pool.Default()
    pool.Add(fd)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("interop.key.OrderKey"))


EVERYTHING_COLUMNS: list[tuple[str, pa.DataType]] = [
    ("f_double", pa.float64()),
    ("f_float", pa.float32()),
    ("f_int32", pa.int32()),
    ("f_int64", pa.int64()),
    ("f_uint32", pa.uint32()),
    ("f_uint64", pa.uint64()),
    ("f_sint32", pa.int32()),
    ("f_sint64", pa.int64()),
    ("f_fixed32", pa.uint32()),
    ("f_fixed64", pa.uint64()),
    ("f_sfixed32", pa.int32()),
    ("f_sfixed64", pa.int64()),
    ("f_bool", pa.bool_()),
    ("f_string", pa.utf8()),
    ("f_bytes", pa.binary()),
    ("side", pa.dictionary(pa.int32(), pa.utf8())),
    ("inner", INNER),
    ("tags", pa.list_(_req("item", pa.utf8()))),
    ("fills", pa.list_(_req("item", INNER))),
    ("attrs", pa.map_(pa.utf8(), _req("value", pa.int64()))),
    ("choice", pa.struct([("choice_text", pa.utf8()), ("choice_num", pa.int64())])),
    ("choice_case", pa.utf8()),
    ("maybe", pa.int32()),
    ("w_int64", pa.int64()),
    ("w_string", pa.utf8()),
    ("w_bool", pa.bool_()),
    ("w_double", pa.float64()),
    ("ts", pa.timestamp("us", tz="UTC")),
    ("dur", pa.duration("us")),
    ("st", pa.utf8()),
    ("val", pa.utf8()),
    ("any", pa.utf8()),
    ("amount", pa.decimal128(10, 2)),
    ("nums", pa.list_(_req("item", pa.int32()))),
    ("codes", pa.map_(pa.int32(), _req("value", INNER))),
    ("w_uint64", pa.uint64()),
    ("w_uint32", pa.uint32()),
    ("w_int32", pa.int32()),
    ("w_float", pa.float32()),
    ("w_bytes", pa.binary()),
    ("lv", pa.utf8()),
    ("any_wkt", pa.utf8()),
    ("any_unknown", pa.utf8()),
]


def everything_messages() -> list[tuple[Any, dict[str, Any]]]:
    """(message, the row kafarr must read from it) pairs."""
    from confluent_kafka.schema_registry.common.protobuf import decimal_to_protobuf
    from google.protobuf import any_pb2, duration_pb2, struct_pb2, timestamp_pb2, wrappers_pb2

    c = proto_classes()
    Everything, Inner, Audit = c["Everything"], c["Inner"], c["Audit"]

    full = Everything(
        f_double=2.718281828459045,
        f_float=1.5,
        f_int32=-(2**31),
        f_int64=-(2**63),
        f_uint32=2**32 - 1,
        f_uint64=2**64 - 1,
        f_sint32=-123,
        f_sint64=-9007199254740993,
        f_fixed32=2**32 - 1,
        f_fixed64=2**64 - 1,
        f_sfixed32=-7,
        f_sfixed64=-(2**63),
        f_bool=True,
        f_string="héllo ✓",
        f_bytes=b"\x00\xff\x10",
        side=1,
        inner=Inner(name="a", qty=1),
        tags=["x", "y"],
        fills=[Inner(name="f1", qty=10), Inner(name="f2", qty=-20)],
        attrs={"k1": 1, "k2": -2},
        choice_text="t",
        maybe=5,
        w_int64=wrappers_pb2.Int64Value(value=-3),
        w_string=wrappers_pb2.StringValue(value="w"),
        w_bool=wrappers_pb2.BoolValue(value=True),
        w_double=wrappers_pb2.DoubleValue(value=0.25),
        ts=timestamp_pb2.Timestamp(seconds=1_700_000_000, nanos=123_456_789),
        dur=duration_pb2.Duration(seconds=-5, nanos=-250_000_999),
        amount=decimal_to_protobuf(decimal.Decimal("12345678.91"), 2),
        nums=[-1, 0, 2**31 - 1],
        w_uint64=wrappers_pb2.UInt64Value(value=2**64 - 1),
        w_uint32=wrappers_pb2.UInt32Value(value=2**32 - 1),
        w_int32=wrappers_pb2.Int32Value(value=-(2**31)),
        w_float=wrappers_pb2.FloatValue(value=-0.5),
        w_bytes=wrappers_pb2.BytesValue(value=b"\x01\x00"),
    )
    full.lv.extend([1, "x", {"k": False}])
    full.any_wkt.Pack(timestamp_pb2.Timestamp(seconds=1_700_000_000, nanos=123_456_789))
    # A type URL that names nothing kafarr knows: the bytes are kept, base64.
    full.any_unknown.type_url = "type.googleapis.com/acme.Unknown"
    full.any_unknown.value = b"\x08\x01"
    full.codes[7].name = "seven"
    full.codes[7].qty = 77
    full.st.update({"b": [1, "x", None, True], "a": {"c": "d"}})
    full.val.list_value.extend([1.5, "a", None])
    packed = any_pb2.Any()
    packed.Pack(Audit(who="ann", at=5))
    full.any.CopyFrom(packed)
    full_row = {
        "f_double": 2.718281828459045,
        "f_float": 1.5,
        "f_int32": -(2**31),
        "f_int64": -(2**63),
        "f_uint32": 2**32 - 1,
        "f_uint64": 2**64 - 1,
        "f_sint32": -123,
        "f_sint64": -9007199254740993,
        "f_fixed32": 2**32 - 1,
        "f_fixed64": 2**64 - 1,
        "f_sfixed32": -7,
        "f_sfixed64": -(2**63),
        "f_bool": True,
        "f_string": "héllo ✓",
        "f_bytes": b"\x00\xff\x10",
        "side": "BUY",
        "inner": {"name": "a", "qty": 1},
        "tags": ["x", "y"],
        "fills": [{"name": "f1", "qty": 10}, {"name": "f2", "qty": -20}],
        "attrs": {"k1": 1, "k2": -2},
        "choice": {"choice_text": "t", "choice_num": None},
        "choice_case": "choice_text",
        "maybe": 5,
        "w_int64": -3,
        "w_string": "w",
        "w_bool": True,
        "w_double": 0.25,
        # Sub-microsecond digits are floored (docs/types.md).
        "ts": dt.datetime(2023, 11, 14, 22, 13, 20, 123456, tzinfo=UTC),
        # Truncated toward zero.
        "dur": dt.timedelta(seconds=-5, microseconds=-250_000),
        # protojson's text: keys sorted, no whitespace.
        "st": '{"a":{"c":"d"},"b":[1,"x",null,true]}',
        "val": '[1.5,"a",null]',
        "any": '{"@type":"type.googleapis.com/interop.Audit","who":"ann","at":"5"}',
        "amount": decimal.Decimal("12345678.91"),
        "nums": [-1, 0, 2**31 - 1],
        "codes": {7: {"name": "seven", "qty": 77}},
        "w_uint64": 2**64 - 1,
        "w_uint32": 2**32 - 1,
        "w_int32": -(2**31),
        "w_float": -0.5,
        "w_bytes": b"\x01\x00",
        "lv": '[1,"x",{"k":false}]',
        "any_wkt": '{"@type":"type.googleapis.com/google.protobuf.Timestamp","value":"2023-11-14T22:13:20.123456789Z"}',
        "any_unknown": '{"@type":"type.googleapis.com/acme.Unknown","value":"CAE="}',
    }

    # Nothing set: fields without presence are their defaults, never null;
    # fields with presence are null; lists and maps are empty.
    empty_row = {
        "f_double": 0.0,
        "f_float": 0.0,
        "f_int32": 0,
        "f_int64": 0,
        "f_uint32": 0,
        "f_uint64": 0,
        "f_sint32": 0,
        "f_sint64": 0,
        "f_fixed32": 0,
        "f_fixed64": 0,
        "f_sfixed32": 0,
        "f_sfixed64": 0,
        "f_bool": False,
        "f_string": "",
        "f_bytes": b"",
        "side": "SIDE_UNSPECIFIED",
        "inner": None,
        "tags": [],
        "fills": [],
        "attrs": {},
        "choice": None,
        "choice_case": None,
        "maybe": None,
        "w_int64": None,
        "w_string": None,
        "w_bool": None,
        "w_double": None,
        "ts": None,
        "dur": None,
        "st": None,
        "val": None,
        "any": None,
        "amount": None,
        "nums": [],
        "codes": {},
        "w_uint64": None,
        "w_uint32": None,
        "w_int32": None,
        "w_float": None,
        "w_bytes": None,
        "lv": None,
        "any_wkt": None,
        "any_unknown": None,
    }

    # Presence set to default values; an enum number the schema does not
    # name; an empty Value; timestamps at the edges of protobuf's range.
    edges = Everything(
        side=7,
        inner=Inner(),
        choice_num=0,
        maybe=0,
        w_int64=wrappers_pb2.Int64Value(value=0),
        w_string=wrappers_pb2.StringValue(value=""),
        w_bool=wrappers_pb2.BoolValue(value=False),
        w_double=wrappers_pb2.DoubleValue(value=0.0),
        ts=timestamp_pb2.Timestamp(seconds=-62_135_596_800, nanos=0),  # 0001-01-01T00:00:00Z
        dur=duration_pb2.Duration(seconds=315_576_000_000, nanos=999_999_999),
        st=struct_pb2.Struct(),
        val=struct_pb2.Value(),
        amount=decimal_to_protobuf(decimal.Decimal("-0.01"), 2),
        w_bytes=wrappers_pb2.BytesValue(value=b""),
        lv=struct_pb2.ListValue(),
    )
    edges_row = dict(
        empty_row,
        side="7",
        inner={"name": "", "qty": 0},
        choice={"choice_text": None, "choice_num": 0},
        choice_case="choice_num",
        maybe=0,
        w_int64=0,
        w_string="",
        w_bool=False,
        w_double=0.0,
        ts=dt.datetime(1, 1, 1, tzinfo=UTC),
        dur=dt.timedelta(seconds=315_576_000_000, microseconds=999_999),
        st="{}",
        val="null",
        amount=decimal.Decimal("-0.01"),
        w_bytes=b"",
        lv="[]",
    )
    # 9999-12-31T23:59:59.999999999Z
    late = Everything(ts=timestamp_pb2.Timestamp(seconds=253_402_300_799, nanos=999_999_999))
    late_row = dict(empty_row, ts=dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC))
    before_epoch = Everything(ts=timestamp_pb2.Timestamp(seconds=-1, nanos=500))
    before_epoch_row = dict(empty_row, ts=dt.datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC))
    return [
        (full, full_row),
        (Everything(), empty_row),
        (edges, edges_row),
        (late, late_row),
        (before_epoch, before_epoch_row),
    ]


def _as_python(row: dict[str, Any]) -> dict[str, Any]:
    """Arrow maps come back as lists of pairs: make them dicts (a map's key
    order is wire order, which Python's protobuf does not fix)."""
    out = dict(row)
    for name in ("attrs", "codes"):
        if out.get(name) is not None:
            out[name] = dict(out[name])
    return out


def _topic_strategy():
    from confluent_kafka.schema_registry import topic_subject_name_strategy

    return topic_subject_name_strategy


def _produce_serialized(stack: Stack, topic: str, ser: Any, values: list[Any]) -> None:
    """Produce each value through a confluent-kafka serializer (None: a
    tombstone) to partition 0 of topic, and wait for every ack."""
    from confluent_kafka import Producer
    from confluent_kafka.serialization import MessageField, SerializationContext

    ctx = SerializationContext(topic, MessageField.VALUE)
    producer = Producer({"bootstrap.servers": stack.brokers})
    for v in values:
        producer.produce(topic, value=None if v is None else ser(v, ctx), partition=0)
    assert producer.flush(30) == 0


def _read(conn: adbc_kafarr.dbapi.Connection, sql: str, **options: str) -> pa.Table:
    with conn.cursor() as cur:
        if options:
            cur.adbc_statement.set_options(**options)
        cur.execute(sql)
        return cur.fetch_arrow_table()


# --------------------------------------------------------------------------
# Protobuf: ProtobufSerializer -> kafarr


@pytest.mark.parametrize("skip_known_types", [True, False], ids=["no_references", "references"])
def test_protobuf_serializer_messages_read_through_kafarr(
    stack: Stack, admin, registry, conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str],
    skip_known_types: bool,
) -> None:  # fmt: skip
    """Every type of the Protobuf mapping with exact values. With
    skip.known.types=False the serializer registers each import
    (google/protobuf/*.proto, confluent/*.proto) as a subject of its own and
    the value schema references them: Apicurio must take that and kafarr
    resolve it."""
    from confluent_kafka import Producer
    from confluent_kafka.schema_registry.protobuf import ProtobufSerializer
    from confluent_kafka.serialization import MessageField, SerializationContext

    topic = new_topic()
    create_topic(admin, topic)
    c = proto_classes()
    ser = ProtobufSerializer(
        c["Everything"],
        registry,
        {
            "use.deprecated.format": False,
            "skip.known.types": skip_known_types,
            "subject.name.strategy": _topic_strategy(),
        },
    )
    producer = Producer({"bootstrap.servers": stack.brokers})
    cases = everything_messages()
    for msg, _ in cases:
        producer.produce(topic, value=ser(msg, SerializationContext(topic, MessageField.VALUE)))
    producer.produce(topic, value=None)  # a tombstone: a row of nulls
    assert producer.flush(30) == 0

    registered = registry.get_latest_version(f"{topic}-value")
    assert registered.schema.schema_type == "PROTOBUF"
    refs = sorted((r.name, r.subject) for r in registered.schema.references or [])
    if skip_known_types:
        assert refs == []
    else:
        # meta.proto imports descriptor.proto, registered first as its reference.
        assert refs == sorted((d, d) for d in PROTO_DEPS)
        meta = registry.get_latest_version("confluent/meta.proto")
        assert [(r.name, r.subject) for r in meta.schema.references] == [
            ("google/protobuf/descriptor.proto", "google/protobuf/descriptor.proto")
        ]

    table = _read(conn, f'SELECT * FROM "{topic}"')
    meta = table.schema.metadata
    assert meta[b"kafarr.value.format"] == b"protobuf"
    assert meta[b"kafarr.value.record_name"] == b"interop.Everything"
    names = [n for n, _ in EVERYTHING_COLUMNS]
    assert [f.name for f in table.schema if not f.name.startswith("_")] == names
    for name, typ in EVERYTHING_COLUMNS:
        assert table.schema.field(name).type == typ, name
        assert table.schema.field(name).nullable, name
    rows = table.select(names).to_pylist()
    assert len(rows) == len(cases) + 1
    for i, ((_, want), got) in enumerate(zip(cases, rows)):
        assert _as_python(got) == want, f"message {i}"
    assert rows[-1] == {n: None for n in names}
    # The catalog describes the topic with the same columns.
    described = conn.adbc_get_table_schema(topic)
    assert [(f.name, f.type) for f in described if f.name in names] == EVERYTHING_COLUMNS
    # The enum's dictionary is the schema's names; the unknown number 7 is
    # added to it as its text.
    assert table.column("side").combine_chunks().dictionary.to_pylist()[:3] == ["SIDE_UNSPECIFIED", "BUY", "SELL"]


def test_protobuf_descriptor_without_json_names(
    stack: Stack, admin, registry, conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]
) -> None:
    """A FileDescriptorProto whose fields carry no json_name (optional in
    descriptor.proto; protoc fills it, descriptors built in code often do
    not) is as readable as one that does."""
    from confluent_kafka.schema_registry.protobuf import ProtobufSerializer
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    F = descriptor_pb2.FieldDescriptorProto
    fd = descriptor_pb2.FileDescriptorProto(name="kafarr/interop/bare.proto", package="interop.bare", syntax="proto3")
    bare = fd.message_type.add(name="Bare")
    bare.field.add(name="px_bid", number=1, type=F.TYPE_DOUBLE, label=F.LABEL_OPTIONAL)
    bare.field.add(name="qty", number=2, type=F.TYPE_INT64, label=F.LABEL_OPTIONAL)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fd)
    Bare = message_factory.GetMessageClass(pool.FindMessageTypeByName("interop.bare.Bare"))

    topic = new_topic()
    create_topic(admin, topic)
    conf = {"use.deprecated.format": False, "subject.name.strategy": _topic_strategy()}
    _produce_serialized(stack, topic, ProtobufSerializer(Bare, registry, conf), [Bare(px_bid=1.5, qty=-2)])
    table = _read(conn, f'SELECT * FROM "{topic}"')
    assert table.schema.metadata[b"kafarr.value.record_name"] == b"interop.bare.Bare"
    assert table.select(["px_bid", "qty"]).to_pylist() == [{"px_bid": 1.5, "qty": -2}]


def test_protobuf_proto2_required_optional_and_group(
    stack: Stack, admin, registry, conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]
) -> None:
    """A proto2 file: required is its value, optional without a value is
    null (its [default = ...] not applied), a group is a struct."""
    from confluent_kafka.schema_registry.protobuf import ProtobufSerializer
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    F = descriptor_pb2.FieldDescriptorProto
    fd = descriptor_pb2.FileDescriptorProto(
        name="kafarr/interop/legacy.proto", package="interop.legacy", syntax="proto2"
    )
    legacy = fd.message_type.add(name="Legacy")
    legacy.field.add(name="id", number=1, type=F.TYPE_INT64, label=F.LABEL_REQUIRED, json_name="id")
    legacy.field.add(name="note", number=2, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL, default_value="x",
                     json_name="note")  # fmt: skip
    pos = legacy.nested_type.add(name="Pos")
    pos.field.add(name="x", number=4, type=F.TYPE_INT32, label=F.LABEL_OPTIONAL, json_name="x")
    legacy.field.add(name="pos", number=3, type=F.TYPE_GROUP, type_name=".interop.legacy.Legacy.Pos",
                     label=F.LABEL_OPTIONAL, json_name="pos")  # fmt: skip
    pool = descriptor_pool.Default()
    pool.Add(fd)
    Legacy = message_factory.GetMessageClass(pool.FindMessageTypeByName("interop.legacy.Legacy"))

    topic = new_topic()
    create_topic(admin, topic)
    conf = {"use.deprecated.format": False, "subject.name.strategy": _topic_strategy()}
    full = Legacy(id=5, note="n")
    full.pos.x = -1
    _produce_serialized(stack, topic, ProtobufSerializer(Legacy, registry, conf), [full, Legacy(id=0)])

    table = _read(conn, f'SELECT * FROM "{topic}"')
    assert table.schema.metadata[b"kafarr.value.record_name"] == b"interop.legacy.Legacy"
    assert [(f.name, f.type) for f in table.schema if not f.name.startswith("_")] == [
        ("id", pa.int64()),
        ("note", pa.utf8()),
        ("pos", pa.struct([("x", pa.int32())])),
    ]
    assert table.select(["id", "note", "pos"]).to_pylist() == [
        {"id": 5, "note": "n", "pos": {"x": -1}},
        {"id": 0, "note": None, "pos": None},
    ]


def test_protobuf_second_message_selected_by_option(
    stack: Stack, admin, registry, conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]
) -> None:
    """interop.Audit is the file's second message: framed with the index list
    [1]; read with kafarr.value.proto.message=interop.Audit. Without the
    option the reader is the first message and every Audit message fails
    schema resolution (kafarr.read.on_error)."""
    from confluent_kafka import Producer
    from confluent_kafka.schema_registry.protobuf import ProtobufSerializer
    from confluent_kafka.serialization import MessageField, SerializationContext

    topic = new_topic()
    create_topic(admin, topic)
    Audit = proto_classes()["Audit"]
    ser = ProtobufSerializer(
        Audit, registry, {"use.deprecated.format": False, "subject.name.strategy": _topic_strategy()}
    )
    producer = Producer({"bootstrap.servers": stack.brokers})
    frames = [ser(Audit(who=f"u{i}", at=1000 + i), SerializationContext(topic, MessageField.VALUE)) for i in range(3)]
    # Magic byte, 4-byte id, then the index list [1]: count 1, index 1, as zigzag varints.
    assert frames[0][0] == 0 and frames[0][5:7] == b"\x02\x02"
    for f in frames:
        producer.produce(topic, value=f)
    assert producer.flush(30) == 0

    table = _read(conn, f'SELECT * FROM "{topic}"', **{"kafarr.value.proto.message": "interop.Audit"})
    assert table.schema.metadata[b"kafarr.value.format"] == b"protobuf"
    assert table.schema.metadata[b"kafarr.value.record_name"] == b"interop.Audit"
    assert table.select(["who", "at"]).to_pylist() == [{"who": f"u{i}", "at": 1000 + i} for i in range(3)]

    with conn.cursor() as cur:
        with pytest.raises(adbc_kafarr.dbapi.DataError) as exc:
            cur.execute(f'SELECT * FROM "{topic}"')
            cur.fetch_arrow_table()
    assert exc.value.status_code == adbc_driver_manager.AdbcStatusCode.INVALID_DATA
    msg = str(exc.value)
    assert topic in msg and "offset 0" in msg and "interop.Audit" in msg and "interop.Everything" in msg, msg


def test_protobuf_read_into_pandas(
    stack: Stack, admin, registry, conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]
) -> None:
    """pd.read_sql over the DB-API connection: uint64 extremes stay exact
    (uint64 dtype), Timestamps are UTC, enums categorical."""
    from confluent_kafka import Producer
    from confluent_kafka.schema_registry.protobuf import ProtobufSerializer
    from confluent_kafka.serialization import MessageField, SerializationContext
    from google.protobuf import timestamp_pb2

    topic = new_topic()
    create_topic(admin, topic)
    Everything = proto_classes()["Everything"]
    ser = ProtobufSerializer(
        Everything, registry, {"use.deprecated.format": False, "subject.name.strategy": _topic_strategy()}
    )
    producer = Producer({"bootstrap.servers": stack.brokers})
    for i in range(4):
        msg = Everything(
            f_uint64=2**64 - 1 - i,
            f_int64=-i,
            f_string=f"s{i}",
            side=i % 3,
            ts=timestamp_pb2.Timestamp(seconds=1_700_000_000 + i),
        )
        producer.produce(topic, value=ser(msg, SerializationContext(topic, MessageField.VALUE)))
    assert producer.flush(30) == 0

    frame = pd.read_sql(f'SELECT f_uint64, f_int64, f_string, side, ts FROM "{topic}"', conn)
    assert str(frame["f_uint64"].dtype) == "uint64"
    assert frame["f_uint64"].tolist() == [2**64 - 1 - i for i in range(4)]
    assert frame["f_int64"].tolist() == [0, -1, -2, -3]
    assert frame["f_string"].tolist() == ["s0", "s1", "s2", "s3"]
    assert frame["side"].tolist() == ["SIDE_UNSPECIFIED", "BUY", "SELL", "SIDE_UNSPECIFIED"]
    assert frame["ts"].tolist() == [pd.Timestamp(1_700_000_000 + i, unit="s", tz="UTC") for i in range(4)]


def test_protobuf_and_json_keys_read_as_key_struct(
    stack: Stack, admin, registry, conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]
) -> None:
    """Keys written by ProtobufSerializer (a <topic>-key PROTOBUF subject)
    and by JSONSerializer (a <topic>-key JSON subject) read as a _key
    struct with key format auto; values are plain JSON."""
    from confluent_kafka import Producer
    from confluent_kafka.schema_registry.json_schema import JSONSerializer
    from confluent_kafka.schema_registry.protobuf import ProtobufSerializer
    from confluent_kafka.serialization import MessageField, SerializationContext

    OrderKey = key_class()
    key_schema = {
        "type": "object",
        "properties": {"who": {"type": "string"}, "at": {"type": "integer"}},
        "required": ["who"],
    }
    for fmt in ("protobuf", "json"):
        topic = new_topic(fmt)
        create_topic(admin, topic)
        ctx = SerializationContext(topic, MessageField.KEY)
        conf = {"subject.name.strategy": _topic_strategy()}
        if fmt == "protobuf":
            ser = ProtobufSerializer(OrderKey, registry, dict(conf, **{"use.deprecated.format": False}))
            keys = [ser(OrderKey(who=f"u{i}", at=i), ctx) for i in range(3)]
        else:
            ser = JSONSerializer(json.dumps(key_schema), registry, conf=conf)
            keys = [ser({"who": f"u{i}", "at": i}, ctx) for i in range(3)]
        producer = Producer({"bootstrap.servers": stack.brokers})
        for i, k in enumerate(keys):
            producer.produce(topic, key=k, value=json.dumps({"n": i}).encode())
        assert producer.flush(30) == 0
        table = _read(conn, f'SELECT n, _key FROM "{topic}"')
        assert table.schema.metadata[b"kafarr.key.format"] == fmt.encode(), fmt
        assert table.schema.metadata[b"kafarr.value.format"] == b"json", fmt
        assert table.to_pylist() == [{"n": i, "_key": {"who": f"u{i}", "at": i}} for i in range(3)], fmt


# --------------------------------------------------------------------------
# JSON Schema: JSONSerializer -> kafarr

TRADE_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Trade",
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "sym": {"type": "string"},
        "px": {"type": "number"},
        "ok": {"type": "boolean"},
        "note": {"type": ["null", "string"]},
        "alt": {"oneOf": [{"type": "null"}, {"type": "integer"}]},
        "venue": {"$ref": "#/$defs/Venue"},
        "legs": {"type": "array", "items": {"$ref": "#/$defs/Leg"}},
        "at": {"type": "string", "format": "date-time"},
        "day": {"type": "string", "format": "date"},
        "uid": {"type": "string", "format": "uuid"},
        "extra": {"type": "object", "additionalProperties": {"type": "integer"}},
        "side": {"type": "string", "enum": ["BUY", "SELL"]},
        "anything": {},
        "mixed": {"type": ["string", "integer"]},
    },
    "required": ["id", "sym", "legs"],
    "$defs": {
        "Venue": {
            "type": "object",
            "properties": {"mic": {"type": "string"}, "lat": {"type": "number"}},
            "required": ["mic"],
        },
        "Leg": {
            "type": "object",
            "properties": {"qty": {"type": "integer"}, "px": {"type": "number"}},
            "required": ["qty", "px"],
        },
    },
}

TRADE_COLUMNS: list[tuple[str, pa.DataType]] = [
    ("id", pa.int64()),
    ("sym", pa.utf8()),
    ("px", pa.float64()),
    ("ok", pa.bool_()),
    ("note", pa.utf8()),
    ("alt", pa.int64()),
    ("venue", pa.struct([_req("mic", pa.utf8()), ("lat", pa.float64())])),
    ("legs", pa.list_(_req("item", pa.struct([_req("qty", pa.int64()), _req("px", pa.float64())])))),
    ("at", pa.timestamp("us", tz="UTC")),
    ("day", pa.date32()),
    ("uid", pa.utf8()),
    ("extra", pa.map_(pa.utf8(), _req("value", pa.int64()))),
    ("side", pa.dictionary(pa.int32(), pa.utf8())),
    ("anything", pa.utf8()),
    ("mixed", pa.utf8()),
]

UID = "0f8fad5b-d9cb-469f-a165-70867728950e"

TRADES: list[tuple[dict[str, Any], dict[str, Any]]] = [
    (
        {
            "id": 1,
            "sym": "GBPUSD",
            "px": 1.25,
            "ok": True,
            "note": "first",
            "alt": 7,
            "venue": {"mic": "XLON", "lat": 51.5},
            "legs": [{"qty": 10, "px": 1.5}, {"qty": -3, "px": 2}],
            "at": "2026-12-03T13:35:00.123456Z",
            "day": "2026-12-03",
            "uid": UID,
            "extra": {"b": 2, "a": 1},
            "side": "SELL",
            "anything": {"z": [1, {"y": None}], "a": "b"},
            "mixed": "text",
        },
        {
            "id": 1,
            "sym": "GBPUSD",
            "px": 1.25,
            "ok": True,
            "note": "first",
            "alt": 7,
            "venue": {"mic": "XLON", "lat": 51.5},
            "legs": [{"qty": 10, "px": 1.5}, {"qty": -3, "px": 2.0}],
            "at": dt.datetime(2026, 12, 3, 13, 35, 0, 123456, tzinfo=UTC),
            "day": dt.date(2026, 12, 3),
            "uid": UID,
            "extra": [("b", 2), ("a", 1)],  # message order
            "side": "SELL",
            # The JSON text as it appears in the message (JSONSerializer
            # writes compact separators).
            "anything": '{"z":[1,{"y":null}],"a":"b"}',
            "mixed": '"text"',
        },
    ),
    (
        # Only the required properties; note and alt explicitly null.
        {"id": -(2**63), "sym": "", "legs": [], "note": None, "alt": None},
        {
            "id": -(2**63),
            "sym": "",
            "px": None,
            "ok": None,
            "note": None,
            "alt": None,
            "venue": None,
            "legs": [],
            "at": None,
            "day": None,
            "uid": None,
            "extra": None,
            "side": None,
            "anything": None,
            "mixed": None,
        },
    ),
    (
        {
            "id": 2**63 - 1,
            "sym": "ü\u2603\U0001f600",
            "px": -0.0,
            "ok": False,
            "venue": {"mic": "XNYS"},
            "legs": [{"qty": 0, "px": 1e-300}],
            "at": "1969-12-31T23:59:59.5-01:00",
            "day": "0001-01-01",
            "extra": {},
            "side": "BUY",
            "anything": 3,
            "mixed": 42,
        },
        {
            "id": 2**63 - 1,
            "sym": "ü\u2603\U0001f600",
            "px": -0.0,
            "ok": False,
            "note": None,
            "alt": None,
            "venue": {"mic": "XNYS", "lat": None},
            "legs": [{"qty": 0, "px": 1e-300}],
            "at": dt.datetime(1970, 1, 1, 0, 59, 59, 500000, tzinfo=UTC),
            "day": dt.date(1, 1, 1),
            "uid": None,
            "extra": [],
            "side": "BUY",
            "anything": "3",
            "mixed": "42",
        },
    ),
]


def test_json_serializer_messages_read_through_kafarr(
    stack: Stack, admin, registry, conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]
) -> None:
    from confluent_kafka.schema_registry.json_schema import JSONSerializer

    topic = new_topic()
    create_topic(admin, topic)
    ser = JSONSerializer(json.dumps(TRADE_SCHEMA), registry, conf={"subject.name.strategy": _topic_strategy()})
    _produce_serialized(stack, topic, ser, [value for value, _ in TRADES] + [None])
    assert registry.get_latest_version(f"{topic}-value").schema.schema_type == "JSON"

    table = _read(conn, f'SELECT * FROM "{topic}"')
    assert table.schema.metadata[b"kafarr.value.format"] == b"json"
    names = [n for n, _ in TRADE_COLUMNS]
    assert [f.name for f in table.schema if not f.name.startswith("_")] == names
    for name, typ in TRADE_COLUMNS:
        assert table.schema.field(name).type == typ, name
        assert table.schema.field(name).nullable, name
    assert {f.name: f.metadata for f in table.schema if f.name in names and f.metadata} == {
        "id": {b"kafarr.json.required": b"true", b"kafarr.json.not_null": b"true"},
        "sym": {b"kafarr.json.required": b"true", b"kafarr.json.not_null": b"true"},
        "legs": {b"kafarr.json.required": b"true", b"kafarr.json.not_null": b"true"},
        "at": {b"kafarr.json.type": b"date-time"},
        "day": {b"kafarr.json.type": b"date"},
        "uid": {b"kafarr.json.type": b"uuid"},
        "side": {b"kafarr.json.type": b"enum", b"kafarr.avro.symbols": b'["BUY","SELL"]'},
        "anything": {b"kafarr.json.type": b"json"},
        "mixed": {b"kafarr.json.type": b"json"},
    }
    rows = table.select(names).to_pylist()
    assert rows[:-1] == [want for _, want in TRADES]
    assert rows[-1] == {n: None for n in names}
    described = conn.adbc_get_table_schema(topic)
    assert [(f.name, f.type) for f in described if f.name in names] == TRADE_COLUMNS


def test_json_schema_with_registry_reference(
    stack: Stack, admin, registry, conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]
) -> None:
    """A JSON Schema whose $ref names another registered schema through a
    registry reference (leg.json -> subject <topic>-leg): JSONSerializer
    validates through it, kafarr fetches it and maps it."""
    from confluent_kafka.schema_registry import Schema, SchemaReference
    from confluent_kafka.schema_registry.json_schema import JSONSerializer

    topic = new_topic()
    create_topic(admin, topic)
    leg = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "leg.json",
        "type": "object",
        "properties": {"qty": {"type": "integer"}, "px": {"type": "number"}},
        "required": ["qty"],
    }
    leg_subject = f"{topic}-leg"
    leg_version = registry.register_schema_full_response(leg_subject, Schema(json.dumps(leg), "JSON")).version
    if leg_version is None:
        leg_version = registry.get_latest_version(leg_subject).version
    order = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "leg": {"$ref": "leg.json"},
            "legs": {"type": "array", "items": {"$ref": "leg.json"}},
        },
        "required": ["id"],
    }
    schema = Schema(json.dumps(order), "JSON", [SchemaReference("leg.json", leg_subject, leg_version)])
    ser = JSONSerializer(schema, registry, conf={"subject.name.strategy": _topic_strategy()})
    values = [
        {"id": 1, "leg": {"qty": 2, "px": 1.5}, "legs": [{"qty": 3}]},
        {"id": 2, "legs": []},
    ]
    _produce_serialized(stack, topic, ser, values)
    registered = registry.get_latest_version(f"{topic}-value")
    assert [(r.name, r.subject) for r in registered.schema.references] == [("leg.json", leg_subject)]

    table = _read(conn, f'SELECT * FROM "{topic}"')
    leg_type = pa.struct([_req("qty", pa.int64()), ("px", pa.float64())])
    assert [(f.name, f.type) for f in table.schema if not f.name.startswith("_")] == [
        ("id", pa.int64()),
        ("leg", leg_type),
        ("legs", pa.list_(_req("item", leg_type))),
    ]
    assert table.select(["id", "leg", "legs"]).to_pylist() == [
        {"id": 1, "leg": {"qty": 2, "px": 1.5}, "legs": [{"qty": 3, "px": None}]},
        {"id": 2, "leg": None, "legs": []},
    ]


def test_json_schema_mismatch_is_data_error_or_follows_on_error(
    stack: Stack, admin, registry, conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]
) -> None:
    """A framed message that does not match the registered schema (written
    past JSONSerializer's validation) is InvalidData naming topic, partition,
    offset and property; on_error=skip/null keep the others."""
    from confluent_kafka import Producer
    from confluent_kafka.schema_registry.json_schema import JSONSerializer
    from confluent_kafka.serialization import MessageField, SerializationContext

    topic = new_topic()
    create_topic(admin, topic)
    ser = JSONSerializer(json.dumps(TRADE_SCHEMA), registry, conf={"subject.name.strategy": _topic_strategy()})
    ctx = SerializationContext(topic, MessageField.VALUE)
    good = ser({"id": 1, "sym": "A", "legs": []}, ctx)
    bad = good[:5] + b'{"id":"two","sym":"B","legs":[]}'
    producer = Producer({"bootstrap.servers": stack.brokers})
    for v in (good, bad, ser({"id": 3, "sym": "C", "legs": []}, ctx)):
        producer.produce(topic, value=v)
    assert producer.flush(30) == 0

    with conn.cursor() as cur:
        with pytest.raises(adbc_kafarr.dbapi.DataError) as exc:
            cur.execute(f'SELECT id FROM "{topic}"')
            cur.fetch_arrow_table()
    assert exc.value.status_code == adbc_driver_manager.AdbcStatusCode.INVALID_DATA
    msg = str(exc.value)
    assert topic in msg and "partition 0" in msg and "offset 1" in msg and '"id"' in msg, msg
    t = _read(conn, f'SELECT id, _offset FROM "{topic}"', **{"kafarr.read.on_error": "skip"})
    assert t.to_pydict() == {"id": [1, 3], "_offset": [0, 2]}
    t = _read(conn, f'SELECT id, sym, _error FROM "{topic}"', **{"kafarr.read.on_error": "null"})
    assert t.column("id").to_pylist() == [1, None, 3]
    assert t.column("sym").to_pylist() == ["A", None, "C"]
    errors = t.column("_error").to_pylist()
    assert errors[0] is None and errors[2] is None and '"id"' in errors[1], errors


# --------------------------------------------------------------------------
# Plain JSON (no framing, no registry): inferred columns and an inline schema

PLAIN_TEXTS = [
    '{"id": 1, "px": 1, "name": "a", "tags": ["x"], "nested": {"a": 1}, "mix": "s", "nul": null}',
    '{"id": 2, "px": 2.5, "mix": 3, "nested": {"b": true}, "late": "z"}',
    '{"name": "c\\u00e9", "id": 3, "tags": [], "nested": null, "mix": {"k": [1, 2]}}',
]


def _produce_plain(stack: Stack, topic: str, texts: list[str | None]) -> None:
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": stack.brokers})
    for t in texts:
        producer.produce(topic, value=None if t is None else t.encode())
    assert producer.flush(30) == 0


def test_plain_json_inferred(
    stack: Stack, admin, conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]
) -> None:
    """No subject, no framing, every sampled value an object: auto reads it
    as plain JSON with columns inferred in order of first appearance; int
    mixed with fractions widens to float64; mixed kinds and only-null places
    are JSON text."""
    topic = new_topic()
    create_topic(admin, topic)
    # json.dumps bytes, as a plain confluent Producer user writes them.
    texts = [json.dumps(json.loads(t)) for t in PLAIN_TEXTS] + [None]
    _produce_plain(stack, topic, texts)

    table = _read(conn, f'SELECT * FROM "{topic}"')
    assert table.schema.metadata[b"kafarr.value.format"] == b"json"
    want_types = [
        ("id", pa.int64()),
        ("px", pa.float64()),
        ("name", pa.utf8()),
        ("tags", pa.list_(pa.utf8())),
        ("nested", pa.struct([("a", pa.int64()), ("b", pa.bool_())])),
        ("mix", pa.utf8()),
        ("nul", pa.utf8()),
        ("late", pa.utf8()),
    ]
    names = [n for n, _ in want_types]
    assert [f.name for f in table.schema if not f.name.startswith("_")] == names
    for name, typ in want_types:
        assert table.schema.field(name).type == typ, name
    assert table.schema.field("mix").metadata[b"kafarr.json.type"] == b"json"
    assert table.select(names).to_pylist() == [
        # fmt: off
        {"id": 1, "px": 1.0, "name": "a", "tags": ["x"], "nested": {"a": 1, "b": None}, "mix": '"s"',
         "nul": None, "late": None},
        {"id": 2, "px": 2.5, "name": None, "tags": None, "nested": {"a": None, "b": True}, "mix": "3",
         "nul": None, "late": "z"},
        {"id": 3, "px": None, "name": "cé", "tags": [], "nested": None, "mix": '{"k": [1, 2]}',
         "nul": None, "late": None},
        # fmt: on
        {n: None for n in names},
    ]

    described = conn.adbc_get_table_schema(topic)
    assert [(f.name, f.type) for f in described if f.name in names] == want_types
    # kafarr.value.format=json says the same explicitly.
    again = _read(conn, f'SELECT * FROM "{topic}"', **{"kafarr.value.format": "json"})
    assert again.select(names).to_pylist() == table.select(names).to_pylist()


def test_plain_json_with_inline_schema(
    stack: Stack, admin, conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]
) -> None:
    """kafarr.value.schema given inline, as a JSON Schema and as an Avro
    schema: its columns, not inferred ones."""
    topic = new_topic()
    create_topic(admin, topic)
    _produce_plain(
        stack,
        topic,
        [
            '{"id": 1, "at": "2026-12-03T10:00:00Z", "qty": 5, "unknown": [1]}',
            '{"qty": -1, "id": 2}',
        ],
    )
    json_schema = {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "at": {"type": "string", "format": "date-time"},
            "qty": {"type": "number"},
        },
        "required": ["id"],
    }
    t = _read(conn, f'SELECT * FROM "{topic}"', **{"kafarr.value.schema": json.dumps(json_schema)})
    assert t.schema.metadata[b"kafarr.value.format"] == b"json"
    assert [(f.name, f.type) for f in t.schema if not f.name.startswith("_")] == [
        ("id", pa.int64()),
        ("at", pa.timestamp("us", tz="UTC")),
        ("qty", pa.float64()),
    ]
    assert t.select(["id", "at", "qty"]).to_pylist() == [
        {"id": 1, "at": dt.datetime(2026, 12, 3, 10, tzinfo=UTC), "qty": 5.0},
        {"id": 2, "at": None, "qty": -1.0},
    ]

    avro_schema = {
        "type": "record",
        "name": "Plain",
        "fields": [
            {"name": "id", "type": "long"},
            {"name": "qty", "type": "int"},
            {"name": "at", "type": ["null", {"type": "long", "logicalType": "timestamp-millis"}], "default": None},
        ],
    }
    t = _read(conn, f'SELECT * FROM "{topic}"', **{"kafarr.value.schema": json.dumps(avro_schema)})
    assert [(f.name, f.type) for f in t.schema if not f.name.startswith("_")] == [
        ("id", pa.int64()),
        ("qty", pa.int32()),
        ("at", pa.timestamp("ms", tz="UTC")),
    ]
    assert t.select(["id", "qty", "at"]).to_pylist() == [
        {"id": 1, "qty": 5, "at": dt.datetime(2026, 12, 3, 10, tzinfo=UTC)},
        {"id": 2, "qty": -1, "at": None},
    ]


# --------------------------------------------------------------------------
# kafarr ingest -> confluent-kafka deserializers


def _ingest(conn: adbc_kafarr.dbapi.Connection, topic: str, data: Any, **options: str) -> int:
    """cursor.adbc_ingest into a new topic with the given statement options."""
    with conn.cursor() as cur:
        cur.adbc_statement.set_options(**options)
        return cur.adbc_ingest(topic, data, mode="create")


_WRAPPERS = {
    f"google.protobuf.{n}Value"
    for n in ("Double", "Float", "Int64", "UInt64", "Int32", "UInt32", "Bool", "String", "Bytes")
}


def _proto_value(fd: Any, v: Any) -> Any:
    if fd.message_type is not None:
        full = fd.message_type.full_name
        if full == "google.protobuf.Timestamp":
            return v.ToDatetime(tzinfo=UTC)
        if full == "google.protobuf.Duration":
            return v.ToTimedelta()
        if full in _WRAPPERS:
            return v.value
        if full == "confluent.type.Decimal":
            from confluent_kafka.schema_registry.common.protobuf import protobuf_to_decimal

            return protobuf_to_decimal(v)
        return proto_row(v)
    if fd.enum_type is not None:
        return fd.enum_type.values_by_number[v].name
    return v


def proto_row(msg: Any) -> dict[str, Any]:
    """A decoded message as a row: each field by name; a field with presence
    that is not set is None; repeated fields are lists, maps dicts."""
    out: dict[str, Any] = {}
    for fd in msg.DESCRIPTOR.fields:
        v = getattr(msg, fd.name)
        if fd.is_repeated:
            if fd.message_type is not None and fd.message_type.GetOptions().map_entry:
                vf = fd.message_type.fields_by_name["value"]
                out[fd.name] = {k: _proto_value(vf, x) for k, x in v.items()}
            else:
                out[fd.name] = [_proto_value(fd, x) for x in v]
        elif fd.has_presence and not msg.HasField(fd.name):
            out[fd.name] = None
        else:
            out[fd.name] = _proto_value(fd, v)
    return out


def compile_proto_text(text: str, full_name: str) -> Any:
    """The message class full_name of .proto text, compiled by protoc
    (grpcio-tools). Its imports (the well-known types, confluent/meta.proto,
    confluent/type/decimal.proto) come from the descriptors Python's
    protobuf and confluent-kafka ship, given to protoc as a descriptor set."""
    import pathlib
    import tempfile

    from confluent_kafka.schema_registry.confluent import meta_pb2
    from confluent_kafka.schema_registry.confluent.type import decimal_pb2
    from google.protobuf import (
        any_pb2,
        descriptor_pb2,
        descriptor_pool,
        duration_pb2,
        message_factory,
        struct_pb2,
        timestamp_pb2,
        wrappers_pb2,
    )
    from grpc_tools import protoc

    imports = descriptor_pb2.FileDescriptorSet()
    for mod in (descriptor_pb2, any_pb2, duration_pb2, struct_pb2, timestamp_pb2, wrappers_pb2, meta_pb2, decimal_pb2):
        imports.file.add().ParseFromString(mod.DESCRIPTOR.serialized_pb)
    with tempfile.TemporaryDirectory() as tmp:
        src = pathlib.Path(tmp, "derived.proto")
        src.write_text(text)
        deps = pathlib.Path(tmp, "imports.pb")
        deps.write_bytes(imports.SerializeToString())
        out = pathlib.Path(tmp, "set.pb")
        rc = protoc.main(
            ["protoc", f"-I{tmp}", f"--descriptor_set_in={deps}", "--include_imports",
             f"--descriptor_set_out={out}", str(src)]
        )  # fmt: skip
        assert rc == 0, f"protoc refused kafarr's derived schema:\n{text}"
        fds = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())
    pool = descriptor_pool.DescriptorPool()
    for f in fds.file:
        pool.Add(f)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName(full_name))


# Every row non-null where Protobuf has no null (lists), nulls elsewhere.
INGEST_TABLE = pa.table(
    {
        "id": pa.array([1, 2, -(2**63)], pa.int64()),
        "small": pa.array([-(2**31), 0, 2**31 - 1], pa.int32()),
        "u": pa.array([0, 2**32 - 1, 7], pa.uint32()),
        "big": pa.array([2**64 - 1, 0, 1], pa.uint64()),
        "px": pa.array([1.5, -0.25, None], pa.float64()),
        "f": pa.array([0.5, 2.0, -1.0], pa.float32()),
        "ok": pa.array([True, False, None]),
        "sym": pa.array(["GBPUSD", None, "é✓"], pa.utf8()),
        "raw": pa.array([b"\x00\x01", b"", None], pa.binary()),
        "at": pa.array([1_700_000_000_123_456, 0, None], pa.timestamp("us", tz="UTC")),
        "tags": pa.array([["a", "b"], [], ["c"]], pa.list_(pa.utf8())),
        "leg": pa.array([{"qty": 1, "venue": "X"}, None, {"qty": -1, "venue": None}],
                        pa.struct([("qty", pa.int64()), ("venue", pa.utf8())])),  # fmt: skip
        "amt": pa.array([decimal.Decimal("1.50"), None, decimal.Decimal("-99999999.99")], pa.decimal128(10, 2)),
        "d": pa.array([1_500_000, -1, None], pa.duration("us")),
        "m": pa.array([[("a", 1)], [], [("b", -2), ("c", 3)]], pa.map_(pa.utf8(), pa.int64())),
    }
)


def test_kafarr_ingest_protobuf_derived_read_by_confluent_deserializer(
    stack: Stack, registry, conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]
) -> None:
    """kafarr.ingest.value_format=protobuf: kafarr derives a .proto from the
    frame and registers it (as text) under <topic>-value; protoc compiles
    the registered text and ProtobufDeserializer, with that class, reads
    back rows equal to the frame's."""
    from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer
    from confluent_kafka.serialization import MessageField, SerializationContext

    topic = new_topic()
    n = _ingest(
        conn,
        topic,
        INGEST_TABLE,
        **{"kafarr.ingest.value_format": "protobuf", "kafarr.ingest.record_name": "com.example.Tick"},
    )
    assert n == 3
    registered = registry.get_latest_version(f"{topic}-value")
    assert registered.schema.schema_type == "PROTOBUF"
    cls = compile_proto_text(registered.schema.schema_str, "com.example.Tick")
    F = cls.DESCRIPTOR.fields[0]
    # The derived message, as protoc compiled it: a field per column, in
    # column order, of the mapped type; nullable scalars have presence.
    assert [
        (f.name, f.number, f.message_type.full_name if f.message_type else f.type, f.has_presence, f.is_repeated)
        for f in cls.DESCRIPTOR.fields
    ] == [
        ("id", 1, F.TYPE_INT64, True, False),
        ("small", 2, F.TYPE_INT32, True, False),
        ("u", 3, F.TYPE_UINT32, True, False),
        ("big", 4, F.TYPE_UINT64, True, False),
        ("px", 5, F.TYPE_DOUBLE, True, False),
        ("f", 6, F.TYPE_FLOAT, True, False),
        ("ok", 7, F.TYPE_BOOL, True, False),
        ("sym", 8, F.TYPE_STRING, True, False),
        ("raw", 9, F.TYPE_BYTES, True, False),
        ("at", 10, "google.protobuf.Timestamp", True, False),
        ("tags", 11, F.TYPE_STRING, False, True),
        ("leg", 12, "com.example.Tick.Leg", True, False),
        ("amt", 13, "confluent.type.Decimal", True, False),
        ("d", 14, "google.protobuf.Duration", True, False),
        ("m", 15, "com.example.Tick.MEntry", False, True),
    ]
    deserialize = ProtobufDeserializer(cls, {"use.deprecated.format": False})
    msgs = consume_all(stack, topic, 3)
    for m in msgs:
        # Magic byte, the schema id kafarr registered, the index list [0] as one byte.
        assert m.value()[:6] == b"\x00" + registered.schema_id.to_bytes(4, "big") + b"\x00"
    got = [proto_row(deserialize(m.value(), SerializationContext(topic, MessageField.VALUE))) for m in msgs]
    assert got == [dict(r, m=dict(r["m"])) for r in INGEST_TABLE.to_pylist()]


def test_kafarr_ingest_protobuf_registered_subject_read_by_confluent_deserializer(
    stack: Stack, registry, conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]
) -> None:
    """A PROTOBUF subject registered the way ProtobufSerializer registers
    (base64 FileDescriptorProto, well-known imports without references),
    named by kafarr.ingest.value_subject: kafarr encodes a pandas frame
    against it (int64 narrowed to int32, strings to enum names, a timestamp
    column to google.protobuf.Timestamp, a nullable column to a wrapper, a
    struct column to a message) and ProtobufDeserializer, fetching the writer
    schema from the registry, reads it back."""
    from confluent_kafka.schema_registry import Schema
    from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer
    from confluent_kafka.serialization import MessageField, SerializationContext

    topic = new_topic()
    subject = f"{topic}-value"
    Everything = proto_classes()["Everything"]
    schema_b64 = base64.b64encode(Everything.DESCRIPTOR.file.serialized_pb).decode()
    registry.register_schema(subject, Schema(schema_b64, "PROTOBUF"))
    frame = pd.DataFrame(
        {
            "f_int32": pd.Series([1, -(2**31), 2**31 - 1], dtype="int64"),
            "f_uint64": pd.Series([2**64 - 1, 0, 5], dtype="uint64"),
            "f_string": ["a", "", "é"],
            "f_bool": [True, False, True],
            "f_bytes": [b"\x00", b"", b"\xff"],
            "side": ["BUY", "SELL", "SIDE_UNSPECIFIED"],
            "tags": [["x"], [], ["y", "z"]],
            "w_int64": pd.array([5, None, 0], dtype="Int64"),
            "ts": pd.to_datetime([1_700_000_000_123_456, 0, -1], unit="us", utc=True),
            "inner": [{"name": "n", "qty": 2}, None, {"name": "", "qty": 0}],
        }
    )
    n = _ingest(conn, topic, frame, **{"kafarr.ingest.value_subject": subject})
    assert n == 3
    deserialize = ProtobufDeserializer(Everything, {"use.deprecated.format": False}, registry)
    got = [
        proto_row(deserialize(m.value(), SerializationContext(topic, MessageField.VALUE)))
        for m in consume_all(stack, topic, 3)
    ]
    want = [
        {
            "f_int32": 1,
            "f_uint64": 2**64 - 1,
            "f_string": "a",
            "f_bool": True,
            "f_bytes": b"\x00",
            "side": "BUY",
            "tags": ["x"],
            "w_int64": 5,
            "ts": dt.datetime(2023, 11, 14, 22, 13, 20, 123456, tzinfo=UTC),
            "inner": {"name": "n", "qty": 2},
        },
        {
            "f_int32": -(2**31),
            "f_uint64": 0,
            "f_string": "",
            "f_bool": False,
            "f_bytes": b"",
            "side": "SELL",
            "tags": [],
            "w_int64": None,
            "ts": dt.datetime(1970, 1, 1, tzinfo=UTC),
            "inner": None,
        },
        {
            "f_int32": 2**31 - 1,
            "f_uint64": 5,
            "f_string": "é",
            "f_bool": True,
            "f_bytes": b"\xff",
            "side": "SIDE_UNSPECIFIED",
            "tags": ["y", "z"],
            "w_int64": 0,
            "ts": dt.datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
            "inner": {"name": "", "qty": 0},
        },
    ]
    for g, w in zip(got, want, strict=True):
        assert {k: g[k] for k in w} == w
        # Fields the frame has no column for are absent: defaults, or null
        # where they have presence.
        assert {k: v for k, v in g.items() if k not in w} == {
            k: v for k, v in proto_row(Everything()).items() if k not in w
        }


def test_kafarr_ingest_protobuf_second_message_read_by_confluent_deserializer(
    stack: Stack, registry, conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]
) -> None:
    """kafarr.ingest.proto_message picks the file's second message: kafarr
    writes the index list [1], and ProtobufDeserializer (registry-backed,
    resolving the writer message from that list) reads interop.Audit."""
    from confluent_kafka.schema_registry import Schema
    from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer
    from confluent_kafka.serialization import MessageField, SerializationContext

    topic = new_topic()
    subject = f"{topic}-value"
    c = proto_classes()
    schema_b64 = base64.b64encode(c["Everything"].DESCRIPTOR.file.serialized_pb).decode()
    schema_id = registry.register_schema(subject, Schema(schema_b64, "PROTOBUF"))
    frame = pa.table({"who": ["a", "", "é"], "at": pa.array([1, -(2**63), 2**63 - 1], pa.int64())})
    n = _ingest(
        conn,
        topic,
        frame,
        **{"kafarr.ingest.value_subject": subject, "kafarr.ingest.proto_message": "interop.Audit"},
    )
    assert n == 3
    msgs = consume_all(stack, topic, 3)
    for m in msgs:
        assert m.value()[:7] == b"\x00" + schema_id.to_bytes(4, "big") + b"\x02\x02"
    deserialize = ProtobufDeserializer(c["Audit"], {"use.deprecated.format": False}, registry)
    got = [proto_row(deserialize(m.value(), SerializationContext(topic, MessageField.VALUE))) for m in msgs]
    assert got == frame.to_pylist()


JSON_INGEST_SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "Row",
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "sym": {"type": ["null", "string"]},
        "px": {"type": "number"},
        "at": {"oneOf": [{"type": "null"}, {"type": "string", "format": "date-time"}]},
        "day": {"type": ["null", "string"], "format": "date"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "leg": {"oneOf": [{"type": "null"}, {"$ref": "#/definitions/Leg"}]},
    },
    "required": ["id", "px", "tags"],
    "definitions": {
        "Leg": {"type": "object", "properties": {"qty": {"type": "integer"}}, "required": ["qty"]},
    },
}

JSON_INGEST_TABLE = pa.table(
    {
        "id": pa.array([1, -(2**63), 2**63 - 1], pa.int64()),
        "sym": pa.array(["a", None, "é✓"], pa.utf8()),
        "px": pa.array([1.5, -0.0, 1e-300], pa.float64()),
        "at": pa.array([1_700_000_000_123_456, 0, None], pa.timestamp("us", tz="UTC")),
        "day": pa.array([0, 19_000, None], pa.date32()),
        "tags": pa.array([["x"], [], ["y", "z"]], pa.list_(pa.utf8())),
        "leg": pa.array([{"qty": 3}, None, {"qty": -1}], pa.struct([("qty", pa.int64())])),
    }
)


def _json_row(value: dict[str, Any]) -> dict[str, Any]:
    """A JSON value as a row of JSON_INGEST_TABLE: date-time and date
    strings parsed; a property that is absent is null (both are null in
    the schemas; which one kafarr writes is asserted on the raw text)."""
    row = {name: value.get(name) for name in JSON_INGEST_TABLE.column_names}
    if row["at"] is not None:
        row["at"] = dt.datetime.fromisoformat(row["at"])
    if row["day"] is not None:
        row["day"] = dt.date.fromisoformat(row["day"])
    return row


def test_kafarr_ingest_json_registered_subject_read_by_confluent_deserializer(
    stack: Stack, registry, conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]
) -> None:
    """A JSON subject registered by hand; kafarr encodes against it;
    JSONDeserializer, validating each value against the writer schema from
    the registry, reads rows equal to the frame's."""
    from confluent_kafka.schema_registry import Schema
    from confluent_kafka.schema_registry.json_schema import JSONDeserializer
    from confluent_kafka.serialization import MessageField, SerializationContext

    topic = new_topic()
    subject = f"{topic}-value"
    schema_id = registry.register_schema(subject, Schema(json.dumps(JSON_INGEST_SCHEMA), "JSON"))
    n = _ingest(conn, topic, JSON_INGEST_TABLE, **{"kafarr.ingest.value_subject": subject})
    assert n == 3
    deserialize = JSONDeserializer(None, schema_registry_client=registry)
    msgs = consume_all(stack, topic, 3)
    for m in msgs:
        assert m.value()[:5] == b"\x00" + schema_id.to_bytes(4, "big")
    got = [_json_row(deserialize(m.value(), SerializationContext(topic, MessageField.VALUE))) for m in msgs]
    assert got == JSON_INGEST_TABLE.to_pylist()


def test_kafarr_ingest_json_derived_read_by_confluent_deserializer(
    stack: Stack, registry, conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]
) -> None:
    """kafarr.ingest.value_format=json with a subject named but not
    registered: kafarr derives a JSON Schema, registers it and frames the
    values; JSONDeserializer validates against it and reads rows equal to
    the frame's."""
    from confluent_kafka.schema_registry.json_schema import JSONDeserializer
    from confluent_kafka.serialization import MessageField, SerializationContext

    topic = new_topic()
    subject = f"{topic}-value"
    n = _ingest(
        conn,
        topic,
        JSON_INGEST_TABLE,
        **{"kafarr.ingest.value_format": "json", "kafarr.ingest.value_subject": subject},
    )
    assert n == 3
    registered = registry.get_latest_version(subject)
    assert registered.schema.schema_type == "JSON"
    derived = json.loads(registered.schema.schema_str)
    assert derived["type"] == "object"
    assert list(derived["properties"]) == JSON_INGEST_TABLE.column_names
    deserialize = JSONDeserializer(None, schema_registry_client=registry)
    msgs = consume_all(stack, topic, 3)
    got = [_json_row(deserialize(m.value(), SerializationContext(topic, MessageField.VALUE))) for m in msgs]
    assert got == JSON_INGEST_TABLE.to_pylist()
    # And kafarr reads its own derived subject back to the frame.
    table = _read(conn, f'SELECT * FROM "{topic}"')
    assert table.schema.metadata[b"kafarr.value.format"] == b"json"
    assert table.select(JSON_INGEST_TABLE.column_names).to_pylist() == JSON_INGEST_TABLE.to_pylist()


def test_kafarr_ingest_plain_json_read_by_plain_consumer(
    stack: Stack, registry, conn: adbc_kafarr.dbapi.Connection, new_topic: Callable[..., str]
) -> None:
    """kafarr.ingest.value_format=json without a subject (through
    adbc_kafarr.ingest's value_format): plain JSON, no framing, nothing
    registered; json.loads of each value gives the row."""
    topic = new_topic()
    n = adbc_kafarr.ingest(conn, topic, JSON_INGEST_TABLE, mode="create", value_format="json")
    assert n == 3
    assert f"{topic}-value" not in registry.get_subjects()
    msgs = consume_all(stack, topic, 3)
    assert all(m.value()[:1] == b"{" for m in msgs), [m.value()[:10] for m in msgs]
    got = [_json_row(json.loads(m.value())) for m in msgs]
    assert got == JSON_INGEST_TABLE.to_pylist()
