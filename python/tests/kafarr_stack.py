"""Helpers the tests share: the stack under test and topic creation."""

from __future__ import annotations

import pathlib
import time
import urllib.parse
from typing import Any

import adbc_kafarr

REPO = pathlib.Path(__file__).resolve().parents[2]


class Stack:
    """The broker and registry under test."""

    def __init__(self, brokers: str, registry: str) -> None:
        self.brokers = brokers
        self.registry = registry.rstrip("/")

    @property
    def uri(self) -> str:
        """A kafka:// URI carrying the registry in its query string."""
        return f"kafka://{self.brokers}?schema_registry.url={urllib.parse.quote(self.registry, safe='')}"

    @property
    def db_kwargs(self) -> dict[str, str]:
        return {
            adbc_kafarr.DatabaseOptions.BOOTSTRAP_SERVERS.value: self.brokers,
            adbc_kafarr.DatabaseOptions.SCHEMA_REGISTRY_URL.value: self.registry,
        }


def create_topic(admin, topic: str, partitions: int = 1) -> None:
    """Create a topic with confluent-kafka's admin client and wait for it."""
    from confluent_kafka.admin import NewTopic

    for f in admin.create_topics([NewTopic(topic, partitions, 1)], operation_timeout=30).values():
        f.result(timeout=60)


def consume_all(stack: Stack, topic: str, expected: int, *, timeout: float = 30.0) -> list[Any]:
    """The messages of every partition of topic, read with confluent-kafka's
    Consumer from offset 0, in (partition, offset) order; exactly expected
    of them."""
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer(
        {"bootstrap.servers": stack.brokers, "group.id": f"pytest-{topic}", "enable.auto.commit": False}
    )
    meta = consumer.list_topics(topic, timeout=10).topics[topic]
    consumer.assign([TopicPartition(topic, p, 0) for p in meta.partitions])
    msgs: list[Any] = []
    deadline = time.monotonic() + timeout
    try:
        while len(msgs) < expected and time.monotonic() < deadline:
            for m in consumer.consume(num_messages=1000, timeout=0.5):
                assert m.error() is None, m.error()
                msgs.append(m)
    finally:
        consumer.close()
    assert len(msgs) == expected
    return sorted(msgs, key=lambda m: (m.partition(), m.offset()))
