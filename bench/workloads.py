"""Benchmark workloads: the tick record and a wide ~20-field record.

Each workload has an Avro schema (registered for ``<topic>-value`` before
either tool writes, so both write with the same writer schema), a vectorized
generator of an Arrow table of n rows (what kafarr ingests), and a converter
of that table to the Python dicts confluent-kafka's AvroSerializer takes.

The tick also comes as Protobuf and as JSON Schema, for the reads of topics
that confluent-kafka's ProtobufSerializer and JSONSerializer write: a message
class built from a FileDescriptorProto (no protoc) and a JSON Schema.
"""

from __future__ import annotations

import json
from decimal import Decimal

import numpy as np
import pyarrow as pa

TICK_SCHEMA = {
    "type": "record",
    "name": "tick",
    "fields": [
        {"name": "inst", "type": "string"},
        {"name": "t", "type": "long"},
        {"name": "dt", "type": "int"},
        {"name": "bid", "type": "float"},
        {"name": "ask", "type": "float"},
    ],
}

# Twenty fields: nested record, arrays, a map, nullable unions, a decimal, a
# timestamp, an enum, bytes.
WIDE_SCHEMA = {
    "type": "record",
    "name": "order",
    "namespace": "bench",
    "fields": [
        {"name": "id", "type": "long"},
        {"name": "ts", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "sym", "type": "string"},
        {"name": "side", "type": {"type": "enum", "name": "side", "symbols": ["BUY", "SELL"]}},
        {"name": "px", "type": {"type": "bytes", "logicalType": "decimal", "precision": 18, "scale": 6}},
        {"name": "qty", "type": "int"},
        {"name": "venue", "type": ["null", "string"], "default": None},
        {"name": "note", "type": ["null", "string"], "default": None},
        {"name": "flags", "type": {"type": "array", "items": "string"}},
        {"name": "attrs", "type": {"type": "map", "values": "string"}},
        {
            "name": "quote",
            "type": {
                "type": "record",
                "name": "quote",
                "fields": [
                    {"name": "bid", "type": "double"},
                    {"name": "ask", "type": "double"},
                    {"name": "size", "type": "long"},
                ],
            },
        },
        {"name": "fills", "type": {"type": "array", "items": "long"}},
        {"name": "opt_px", "type": ["null", "double"], "default": None},
        {"name": "opt_qty", "type": ["null", "long"], "default": None},
        {"name": "active", "type": "boolean"},
        {"name": "score", "type": "float"},
        {"name": "raw", "type": "bytes"},
        {"name": "seq", "type": "long"},
        {"name": "region", "type": "string"},
        {"name": "updated", "type": ["null", {"type": "long", "logicalType": "timestamp-millis"}], "default": None},
    ],
}

SCHEMAS = {"tick": TICK_SCHEMA, "wide": WIDE_SCHEMA}


def schema_json(workload: str) -> str:
    return json.dumps(SCHEMAS[workload])


def _offsets(lengths: np.ndarray) -> pa.Array:
    return pa.array(np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32))


def _nullable(values: np.ndarray, valid: np.ndarray, typ: pa.DataType) -> pa.Array:
    return pa.array(values, type=typ, mask=~valid)


def _decimal(unscaled: np.ndarray, precision: int, scale: int) -> pa.Array:
    """Decimal128 array of non-negative unscaled int64 values (little-endian int128)."""
    words = np.zeros(2 * len(unscaled), dtype=np.int64)
    words[0::2] = unscaled
    return pa.Array.from_buffers(pa.decimal128(precision, scale), len(unscaled), [None, pa.py_buffer(words)])


def tick_table(n: int, seed: int = 7) -> pa.Table:
    rng = np.random.default_rng(seed)
    mid = (125_000 + rng.integers(-100, 100, n)) / 100_000
    spread = rng.integers(1, 10, n) / 100_000
    return pa.table(
        {
            "inst": pa.array(rng.choice(["GBPUSD", "EURUSD", "USDJPY"], n)),
            "t": pa.array(1_780_000_000_000 + np.arange(n, dtype=np.int64)),
            "dt": pa.array(rng.integers(0, 150, n).astype(np.int32)),
            "bid": pa.array((mid - spread).astype(np.float32)),
            "ask": pa.array((mid + spread).astype(np.float32)),
        }
    )


def wide_table(n: int, seed: int = 11) -> pa.Table:
    rng = np.random.default_rng(seed)
    ts = 1_780_000_000_000 + np.arange(n, dtype=np.int64)
    nflags = rng.integers(0, 4, n)
    flag_words = np.array(["urgent", "iceberg", "hidden", "fok", "ioc"])
    flags = pa.ListArray.from_arrays(_offsets(nflags), pa.array(rng.choice(flag_words, int(nflags.sum()))))
    nattrs = rng.integers(0, 3, n)
    na = int(nattrs.sum())
    attrs = pa.MapArray.from_arrays(
        _offsets(nattrs),
        pa.array(rng.choice(np.array(["desk", "book", "trader"]), na)),
        pa.array(rng.choice(np.array(["fx1", "rates", "alice", "bob"]), na)),
    )
    nfills = rng.integers(0, 5, n)
    fills = pa.ListArray.from_arrays(_offsets(nfills), pa.array(rng.integers(1, 1000, int(nfills.sum()))))
    bid = 1.25 + rng.integers(-100, 100, n) / 100_000
    quote = pa.StructArray.from_arrays(
        [pa.array(bid), pa.array(bid + 0.0002), pa.array(rng.integers(1, 1_000_000, n))],
        names=["bid", "ask", "size"],
    )
    return pa.table(
        {
            "id": pa.array(np.arange(n, dtype=np.int64)),
            "ts": pa.array(ts).cast(pa.timestamp("ms", tz="UTC")),
            "sym": pa.array(rng.choice(np.array(["GBPUSD", "EURUSD", "USDJPY", "AUDNZD"]), n)),
            "side": pa.array(rng.choice(np.array(["BUY", "SELL"]), n)),
            "px": _decimal(rng.integers(1_000_000, 2_000_000, n), 18, 6),
            "qty": pa.array(rng.integers(1, 10_000, n).astype(np.int32)),
            "venue": _nullable(rng.choice(np.array(["LSE", "EBS", "CME"]), n), rng.random(n) < 0.8, pa.string()),
            "note": _nullable(rng.choice(np.array(["client", "hedge"]), n), rng.random(n) < 0.1, pa.string()),
            "flags": flags,
            "attrs": attrs,
            "quote": quote,
            "fills": fills,
            "opt_px": _nullable(bid, rng.random(n) < 0.5, pa.float64()),
            "opt_qty": _nullable(rng.integers(1, 500, n), rng.random(n) < 0.5, pa.int64()),
            "active": pa.array(rng.random(n) < 0.5),
            "score": pa.array(rng.random(n).astype(np.float32)),
            "raw": pa.array([b"\x00\x01\x02\x03\x04\x05\x06\x07"] * n, type=pa.binary()),
            "seq": pa.array(rng.integers(0, 1 << 40, n)),
            "region": pa.array(rng.choice(np.array(["emea", "amer", "apac"]), n)),
            "updated": _nullable(ts + 5, rng.random(n) < 0.3, pa.int64()).cast(pa.timestamp("ms", tz="UTC")),
        }
    )


TABLES = {"tick": tick_table, "wide": wide_table}

# The tick as JSON Schema: integers for t and dt, numbers for the prices,
# every field required (kafarr maps it to utf8, int64, int64, float64,
# float64, not null).
TICK_JSON_SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "tick",
    "type": "object",
    "properties": {
        "inst": {"type": "string"},
        "t": {"type": "integer"},
        "dt": {"type": "integer"},
        "bid": {"type": "number"},
        "ask": {"type": "number"},
    },
    "required": ["inst", "t", "dt", "bid", "ask"],
    "additionalProperties": False,
}

# The tick's Protobuf fields in field-number order: name, FieldDescriptorProto type name.
TICK_PROTO_FIELDS = [("inst", "TYPE_STRING"), ("t", "TYPE_INT64"), ("dt", "TYPE_INT32"), ("bid", "TYPE_FLOAT"), ("ask", "TYPE_FLOAT")]


def tick_proto_class():
    """The tick's Protobuf message class, ``bench.Tick`` (proto3), built at
    run time from a FileDescriptorProto in a pool of its own, as protoc's
    generated code would build it; confluent-kafka's ProtobufSerializer
    registers that file descriptor for the topic's subject."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    fdp = descriptor_pb2.FileDescriptorProto(name="bench/tick.proto", package="bench", syntax="proto3")
    msg = fdp.message_type.add(name="Tick")
    fdt = descriptor_pb2.FieldDescriptorProto
    for number, (name, typ) in enumerate(TICK_PROTO_FIELDS, 1):
        msg.field.add(name=name, json_name=name, number=number, type=getattr(fdt, typ), label=fdt.LABEL_OPTIONAL)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("bench.Tick"))


def tick_json_dicts(table: pa.Table) -> list[dict]:
    """Ticks as JSONSerializer takes them. The prices are the float32
    values rounded to five decimals, as a price feed writes them in JSON
    (not float32's shortest float64 text, "1.2499899864196777")."""
    rows = table.to_pylist()
    for r in rows:
        r["bid"] = round(r["bid"], 5)
        r["ask"] = round(r["ask"], 5)
    return rows


def to_dicts(workload: str, table: pa.Table) -> list[dict]:
    """Rows as AvroSerializer wants them (maps as dicts, decimals as Decimal)."""
    rows = table.to_pylist()
    if workload == "wide":
        for r in rows:
            r["attrs"] = dict(r["attrs"])
            # pyarrow gives Decimal already; keep the type explicit for fastavro.
            if not isinstance(r["px"], Decimal):
                r["px"] = Decimal(r["px"])
    return rows
