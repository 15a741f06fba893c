"""pykafarr's API: listener(...).poll() and producer(...).send()."""

from __future__ import annotations

import json
from typing import Callable

import numpy as np
import pandas as pd
import pytest

import adbc_kafarr

from kafarr_stack import Stack, create_topic

TICK = {
    "type": "record",
    "name": "Tick",
    "namespace": "avros.pricing",
    "fields": [
        {"name": "inst", "type": "string"},
        {"name": "t", "type": "long"},
        {"name": "dt", "type": "int"},
        {"name": "bid", "type": "float"},
        {"name": "ask", "type": "float"},
    ],
}
TRADE = {
    "type": "record",
    "name": "Trade",
    "namespace": "avros.pricing",
    "fields": [{"name": "inst", "type": "string"}, {"name": "qty", "type": "long"}, {"name": "px", "type": "double"}],
}

# Short waits: a poll that reaches the end of the data waits max_time.
WAIT_MS = 800


def gen_ticks(n: int, start: int = 0) -> pd.DataFrame:
    """pykafarr's README frame, deterministic. Columns are plain int64 and
    float64: kafarr narrows them exactly into the int and float fields."""
    i = np.arange(start, start + n)
    return pd.DataFrame(
        {
            "inst": ["GBPUSD"] * n,
            "t": 1_700_000_000_000 + i,
            "dt": i % 150,
            "bid": 1.25 + (i % 64) / 256,
            "ask": 1.5 + (i % 64) / 256,
        }
    )


def gen_trades(n: int, start: int = 0) -> pd.DataFrame:
    i = np.arange(start, start + n)
    return pd.DataFrame({"inst": ["EURUSD"] * n, "qty": i * 100, "px": 1.1 + i / 8})


def values(frame: pd.DataFrame, like: pd.DataFrame) -> dict[str, list]:
    return {c: frame[c].tolist() for c in like.columns}


@pytest.fixture
def subjects(registry, new_topic: Callable[..., str]) -> dict[str, str]:
    """Register Tick and Trade under subjects of this test's own."""
    from confluent_kafka.schema_registry import Schema

    unique = new_topic("subjects")
    out = {}
    for schema in (TICK, TRADE):
        subject = f"{schema['namespace']}.{schema['name']}.{unique}"
        registry.register_schema(subject, Schema(json.dumps(schema), "AVRO"))
        out[schema["name"]] = subject
    return out


def drain(lstnr: adbc_kafarr.Listener, num_messages: int) -> list[tuple[str | None, pd.DataFrame]]:
    """Poll until a poll returns nothing; return the non-empty polls."""
    polls = []
    for _ in range(50):
        mtype, frame = lstnr.poll(num_messages=num_messages, max_time=WAIT_MS)
        if frame.empty:
            return polls
        polls.append((mtype, frame))
    raise AssertionError("listener never ran dry")


def test_listener_over_a_multi_schema_topic_gives_homogeneous_frames(
    stack: Stack, subjects: dict[str, str], new_topic: Callable[..., str]
) -> None:
    topic = new_topic()
    with adbc_kafarr.producer(stack.brokers, stack.registry, **{"kafarr.ingest.partitions": "1"}) as prod:
        assert prod.send(subjects["Tick"], gen_ticks(5), topic) == 5
        assert prod.send(subjects["Trade"], gen_trades(3), topic) == 3
        assert prod.send(subjects["Tick"], gen_ticks(4, start=5), topic) == 4
        assert prod.send(subjects["Trade"], gen_trades(1, start=3), topic) == 1
    with adbc_kafarr.listener(stack.brokers, f"g-{topic}", [topic], stack.registry) as lstnr:
        polls = drain(lstnr, 1000)
    assert [(m, len(f)) for m, f in polls] == [
        ("avros.pricing.Tick", 5),
        ("avros.pricing.Trade", 3),
        ("avros.pricing.Tick", 4),
        ("avros.pricing.Trade", 1),
    ]
    assert list(polls[0][1].columns) == ["inst", "t", "dt", "bid", "ask", "_partition", "_offset", "_timestamp"]
    assert list(polls[1][1].columns) == ["inst", "qty", "px", "_partition", "_offset", "_timestamp"]
    assert values(polls[0][1], gen_ticks(5)) == values(gen_ticks(5), gen_ticks(5))
    assert values(polls[1][1], gen_trades(3)) == values(gen_trades(3), gen_trades(3))
    assert values(polls[2][1], gen_ticks(4, 5)) == values(gen_ticks(4, 5), gen_ticks(4, 5))
    # No gap, no duplicate.
    offsets = [o for _, f in polls for o in f["_offset"].tolist()]
    assert offsets == list(range(13))


def test_listener_walks_a_topic_in_poll_sized_frames_across_listeners(
    stack: Stack, subjects: dict[str, str], new_topic: Callable[..., str]
) -> None:
    topic = new_topic()
    sent = gen_ticks(2500)
    with adbc_kafarr.producer(f"{stack.brokers} ", stack.registry) as prod:
        assert prod.send(subjects["Tick"], sent, topic, mode="create") == 2500
    group = f"g-{topic}"
    with adbc_kafarr.listener(stack.brokers, group, topic, stack.registry) as first:
        mtype, frame = first.poll(num_messages=1000, max_time=WAIT_MS)
    assert mtype == "avros.pricing.Tick" and frame["_offset"].tolist() == list(range(1000))
    # A new listener in the same group goes on from the committed offsets.
    with adbc_kafarr.listener(stack.brokers, group, topic, stack.registry) as second:
        rest = drain(second, 1000)
    assert [len(f) for _, f in rest] == [1000, 500]
    got = pd.concat([frame] + [f for _, f in rest], ignore_index=True)
    assert got["_offset"].tolist() == list(range(2500))
    assert values(got, sent) == values(sent, sent)


def test_send_then_poll_returns_the_frame_sent(
    stack: Stack, subjects: dict[str, str], new_topic: Callable[..., str]
) -> None:
    topic = new_topic()
    frame = gen_ticks(100)
    with (
        adbc_kafarr.listener(stack.brokers, f"g-{topic}", [topic], stack.registry) as lstnr,
        adbc_kafarr.producer(stack.brokers, stack.registry) as prod,
    ):
        assert prod.send(subjects["Tick"], frame, topic) == 100
        mtype, got = lstnr.poll(num_messages=100, max_time=60_000)
        assert mtype == "avros.pricing.Tick"
        assert values(got, frame) == values(frame, frame)
        assert got["t"].dtype == np.int64 and got["dt"].dtype == np.int32 and got["bid"].dtype == np.float32
        # Nothing more until more is sent.
        mtype, empty = lstnr.poll(num_messages=100, max_time=WAIT_MS)
        assert len(empty) == 0
        prod.send(subjects["Tick"], gen_ticks(2, start=100), topic)
        # A poll returns as soon as num_messages arrived.
        mtype, more = lstnr.poll(num_messages=2, max_time=60_000)
        assert mtype == "avros.pricing.Tick" and more["t"].tolist() == gen_ticks(2, start=100)["t"].tolist()
        assert more["_offset"].tolist() == [100, 101]


def test_listener_round_robins_several_topics(
    stack: Stack, subjects: dict[str, str], new_topic: Callable[..., str]
) -> None:
    ticks, trades = new_topic("ticks"), new_topic("trades")
    with adbc_kafarr.producer(stack.brokers, stack.registry) as prod:
        prod.send(subjects["Tick"], gen_ticks(3), ticks)
        prod.send(subjects["Trade"], gen_trades(2), trades)
    with adbc_kafarr.listener(stack.brokers, f"g-{ticks}", [ticks, trades], stack.registry) as lstnr:
        first = lstnr.poll_arrow(num_messages=10, max_time=WAIT_MS)
        second = lstnr.poll_arrow(num_messages=10, max_time=WAIT_MS)
        third = lstnr.poll_arrow(num_messages=10, max_time=WAIT_MS)
    assert (first.schema.metadata[b"kafarr.topic"].decode(), first.num_rows) == (ticks, 3)
    assert (second.schema.metadata[b"kafarr.topic"].decode(), second.num_rows) == (trades, 2)
    assert third.num_rows == 0
    assert second.column("qty").to_pylist() == [0, 100]


def test_listener_and_producer_argument_errors(stack: Stack) -> None:
    with pytest.raises(ValueError, match="no topics"):
        adbc_kafarr.listener(stack.brokers, "g", [], stack.registry)
    with pytest.raises(ValueError, match="group_id"):
        adbc_kafarr.listener(stack.brokers, "", ["t"], stack.registry)
    with pytest.raises(ValueError, match="no Kafka servers"):
        adbc_kafarr.producer(" , ", stack.registry)
    with adbc_kafarr.listener(stack.brokers, "g", "t", stack.registry) as lstnr:
        with pytest.raises(ValueError, match="num_messages"):
            lstnr.poll(num_messages=0)


QUOTE_PROTO = 'syntax = "proto3";\npackage acme.v1;\nmessage Quote {\n  string sym = 1;\n  int64 qty = 2;\n}\n'
FILL_PROTO = 'syntax = "proto3";\npackage acme.v1;\nmessage Fill {\n  string sym = 1;\n  double px = 2;\n}\n'


def _pb_varint(v: int) -> bytes:
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _pb_quote(sym: str, qty: int) -> bytes:
    s = sym.encode()
    return b"\x0a" + _pb_varint(len(s)) + s + b"\x10" + _pb_varint(qty)


def _pb_fill(sym: str, px: float) -> bytes:
    import struct

    s = sym.encode()
    return b"\x0a" + _pb_varint(len(s)) + s + b"\x11" + struct.pack("<d", px)


def test_listener_gives_protobuf_message_types(stack: Stack, registry, admin, new_topic: Callable[..., str]) -> None:
    """A topic holding two Protobuf message types (two subjects, record
    name strategy) polls as homogeneous frames whose message_type is the
    message's full name, as for Avro records."""
    from confluent_kafka import Producer
    from confluent_kafka.schema_registry import Schema

    topic = new_topic()
    create_topic(admin, topic)
    ids = {
        name: registry.register_schema(f"acme.v1.{name}.{topic}", Schema(text, "PROTOBUF"))
        for name, text in (("Quote", QUOTE_PROTO), ("Fill", FILL_PROTO))
    }

    def frame(name: str, body: bytes) -> bytes:
        return b"\x00" + ids[name].to_bytes(4, "big") + b"\x00" + body

    producer = Producer({"bootstrap.servers": stack.brokers})
    sent = [
        frame("Quote", _pb_quote("AAPL", 1)),
        frame("Quote", _pb_quote("MSFT", 2)),
        frame("Fill", _pb_fill("AAPL", 187.5)),
        frame("Quote", _pb_quote("IBM", 3)),
    ]
    for value in sent:
        producer.produce(topic, value=value, partition=0)
    assert producer.flush(30) == 0
    with adbc_kafarr.listener(stack.brokers, f"g-{topic}", [topic], stack.registry) as lstnr:
        polls = drain(lstnr, 1000)
    assert [(m, len(f)) for m, f in polls] == [("acme.v1.Quote", 2), ("acme.v1.Fill", 1), ("acme.v1.Quote", 1)]
    assert polls[0][1][["sym", "qty"]].values.tolist() == [["AAPL", 1], ["MSFT", 2]]
    assert polls[1][1][["sym", "px"]].values.tolist() == [["AAPL", 187.5]]
    assert polls[2][1]["_offset"].tolist() == [3]
