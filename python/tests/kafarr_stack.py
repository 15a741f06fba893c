"""Helpers the tests share: the stack under test and topic creation."""

from __future__ import annotations

import pathlib
import urllib.parse

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
