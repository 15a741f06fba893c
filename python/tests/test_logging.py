"""kafarr.log.level through the C library: logs go to stderr, never with a
secret.

Each test runs a small program in a new process (the driver's stderr is the
process's), which connects with credentials set, ingests three rows and reads
them back; the test then searches what it wrote to stderr.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import urllib.parse
from typing import Callable

import pytest

from kafarr_stack import Stack

REQUIRE_STACK = os.environ.get("KAFARR_REQUIRE_STACK") == "1"

# The program: options as JSON in argv[1], the topic in argv[2].
_PROGRAM = """
import json, sys
import pyarrow as pa
import adbc_kafarr, adbc_kafarr.dbapi
opts, topic = json.loads(sys.argv[1]), sys.argv[2]
with adbc_kafarr.dbapi.connect(db_kwargs=opts) as conn:
    adbc_kafarr.ingest(conn, topic, pa.table({"id": pa.array([1, 2, 3], pa.int64())}), mode="create_append")
    with conn.cursor() as cur:
        cur.execute(f'SELECT id FROM "{topic}"')
        assert cur.fetch_arrow_table().column("id").to_pylist() == [1, 2, 3]
print("ok")
"""

REGISTRY_USER = "kafarr-log-user"
REGISTRY_PASSWORD = "PyRegistryPassSentinel-5127"
URL_PASSWORD = "PyUrlPassSentinel-9032"


def _run(opts: dict[str, str], topic: str) -> str:
    """Run the program with opts; return its stderr."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADBC_DRIVER_KAFARR")}
    out = subprocess.run(
        [sys.executable, "-c", _PROGRAM, json.dumps(opts), topic],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-4000:]
    return out.stderr


def _registry_with_credentials(stack: Stack) -> dict[str, str]:
    """Registry options with basic auth in the options and a password in
    the URL's user info (the options win; the registry under test ignores
    auth)."""
    u = urllib.parse.urlsplit(stack.registry)
    netloc = f"{REGISTRY_USER}:{URL_PASSWORD}@{u.netloc}"
    return {
        "kafarr.schema_registry.url": urllib.parse.urlunsplit(u._replace(netloc=netloc)),
        "kafarr.schema_registry.username": REGISTRY_USER,
        "kafarr.schema_registry.password": REGISTRY_PASSWORD,
    }


def _assert_no_secret(stderr: str, secrets: list[str]) -> None:
    for secret in secrets:
        for form in {secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret)}:
            assert form not in stderr, f"secret {secret!r} is in the log"


def _assert_debug_lines(stderr: str) -> None:
    lines = [line for line in stderr.splitlines() if "driver=kafarr" in line]
    assert lines, stderr[-4000:]
    assert any("level=DEBUG" in line for line in lines)
    for msg in ("opening connection", "connected to Kafka", "fetch round", "schema registry request"):
        msg = f'msg="{msg}"'
        assert any(msg in line for line in lines), (msg, stderr[-4000:])
    assert "options.kafarr.schema_registry.password=***" in stderr


def test_log_level_debug_logs_to_stderr_without_secrets(stack: Stack, new_topic: Callable[..., str]) -> None:
    opts = {"kafarr.bootstrap_servers": stack.brokers, "kafarr.log.level": "debug", **_registry_with_credentials(stack)}
    stderr = _run(opts, new_topic())
    _assert_debug_lines(stderr)
    _assert_no_secret(
        stderr,
        [
            REGISTRY_PASSWORD,
            URL_PASSWORD,
            base64.b64encode(f"{REGISTRY_USER}:{REGISTRY_PASSWORD}".encode()).decode(),
        ],
    )


def test_log_level_off_by_default(stack: Stack, new_topic: Callable[..., str]) -> None:
    opts = {"kafarr.bootstrap_servers": stack.brokers, "kafarr.schema_registry.url": stack.registry}
    stderr = _run(opts, new_topic())
    assert "driver=kafarr" not in stderr and "level=" not in stderr, stderr[-4000:]


def test_log_level_debug_over_sasl_without_the_password(stack: Stack, new_topic: Callable[..., str]) -> None:
    names = (
        "KAFARR_TEST_SASL_BROKERS",
        "KAFARR_TEST_TLS_CA_FILE",
        "KAFARR_TEST_SASL_SCRAM512_USER",
        "KAFARR_TEST_SASL_SCRAM512_PASSWORD",
    )
    env = {k: os.environ.get(k, "") for k in names}
    missing = [k for k, v in env.items() if not v]
    if missing:
        msg = f"secured listeners not configured ({', '.join(missing)} unset)"
        if REQUIRE_STACK:
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    user, password = env["KAFARR_TEST_SASL_SCRAM512_USER"], env["KAFARR_TEST_SASL_SCRAM512_PASSWORD"]
    opts = {
        "kafarr.bootstrap_servers": env["KAFARR_TEST_SASL_BROKERS"],
        "kafarr.tls.enabled": "true",
        "kafarr.tls.ca_file": env["KAFARR_TEST_TLS_CA_FILE"],
        "kafarr.sasl.mechanism": "SCRAM-SHA-512",
        "username": user,
        "password": password,
        "kafarr.log.level": "debug",
        **_registry_with_credentials(stack),
    }
    stderr = _run(opts, new_topic())
    _assert_debug_lines(stderr)
    assert "options.password=***" in stderr
    assert "sasl=SCRAM-SHA-512" in stderr
    _assert_no_secret(
        stderr,
        [
            password,
            REGISTRY_PASSWORD,
            URL_PASSWORD,
            base64.b64encode(f"{user}:{password}".encode()).decode(),
            base64.b64encode(f"{REGISTRY_USER}:{REGISTRY_PASSWORD}".encode()).decode(),
        ],
    )
