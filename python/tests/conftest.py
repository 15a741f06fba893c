"""Fixtures for the adbc_kafarr suite.

The suite runs against a real Kafka broker and Confluent-compatible schema
registry named by ``KAFARR_TEST_BROKERS`` (host:port[,host:port]) and
``KAFARR_TEST_REGISTRY`` (URL), as ``tests/stack/stack.sh up`` writes them
to ``.build/stack/env``. Without them the tests that need the stack are
skipped, unless ``KAFARR_REQUIRE_STACK=1``, which makes a missing or
unreachable stack a failure.

Every test works in topics of its own (``new_topic``), named uniquely per
run, so tests are independent of each other and of earlier runs on the
same stack; they are deleted when the session ends.
"""

from __future__ import annotations

import os
import pathlib
import re
import uuid
from typing import Callable, Iterator

import pytest

import adbc_kafarr
import adbc_kafarr.dbapi

from kafarr_stack import REPO, Stack

REQUIRE_STACK = os.environ.get("KAFARR_REQUIRE_STACK") == "1"


def pytest_sessionstart(session: pytest.Session) -> None:
    # The suite tests the installed package (with its bundled library), not
    # the source tree, which has no library.
    source = REPO / "python" / "adbc_kafarr"
    if pathlib.Path(adbc_kafarr.__file__).resolve().parent == source:
        raise pytest.UsageError(
            f"adbc_kafarr was imported from the source tree {source}; install it (make py-venv) "
            "and run pytest from the repository root, not from python/"
        )


def _check_reachable(stack: Stack) -> str | None:
    try:
        with adbc_kafarr.dbapi.connect(stack.uri) as conn:
            conn.adbc_get_table_types()
    except Exception as e:  # reported as the reason below
        return f"{type(e).__name__}: {e}"
    return None


@pytest.fixture(scope="session")
def stack() -> Stack:
    """The real stack, or a skip (a failure under KAFARR_REQUIRE_STACK=1)."""
    brokers = os.environ.get("KAFARR_TEST_BROKERS")
    registry = os.environ.get("KAFARR_TEST_REGISTRY")
    if not brokers or not registry:
        msg = (
            "KAFARR_TEST_BROKERS and KAFARR_TEST_REGISTRY are not set "
            "(run tests/stack/stack.sh up and source .build/stack/env)"
        )
        if REQUIRE_STACK:
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    s = Stack(brokers, registry)
    problem = _check_reachable(s)
    if problem:
        msg = f"stack at {brokers} / {registry} is not reachable: {problem}"
        if REQUIRE_STACK:
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    return s


@pytest.fixture(scope="session")
def _created_topics(stack: Stack) -> Iterator[list[str]]:
    topics: list[str] = []
    yield topics
    if not topics:
        return
    # Best effort: keep a reused stack from filling up with test topics.
    with adbc_kafarr.dbapi.connect(stack.uri, conn_kwargs={"kafarr.allow_delete_topics": "true"}) as conn:
        with conn.cursor() as cur:
            for t in topics:
                try:
                    cur.execute(f'DROP TABLE "{t}"')
                except adbc_kafarr.dbapi.Error:
                    pass


@pytest.fixture(scope="session")
def _run_id() -> str:
    return uuid.uuid4().hex[:8]


@pytest.fixture
def new_topic(request: pytest.FixtureRequest, _created_topics: list[str], _run_id: str) -> Callable[[str], str]:
    """Return a function that makes a topic name unique to this test and
    run (the topic itself is created by whatever ingests into it)."""
    counter = iter(range(1_000_000))
    # Underscores only: Polars reads dots in a table name as catalog.schema.
    base = re.sub(r"[^A-Za-z0-9_]", "_", request.node.name)[:80]

    def make(suffix: str = "") -> str:
        name = f"pyt_{_run_id}_{base}{('_' + suffix) if suffix else ''}_{next(counter)}"
        _created_topics.append(name)
        return name

    return make


@pytest.fixture
def conn(stack: Stack) -> Iterator[adbc_kafarr.dbapi.Connection]:
    """A DB-API connection to the stack."""
    with adbc_kafarr.dbapi.connect(stack.uri) as c:
        yield c


@pytest.fixture
def registry(stack: Stack):
    """confluent-kafka's schema registry client for the stack's registry."""
    from confluent_kafka.schema_registry import SchemaRegistryClient

    client = SchemaRegistryClient({"url": stack.registry})
    yield client
    client.close()


@pytest.fixture
def admin(stack: Stack):
    """confluent-kafka's admin client for the stack's broker."""
    from confluent_kafka.admin import AdminClient

    return AdminClient({"bootstrap.servers": stack.brokers})
