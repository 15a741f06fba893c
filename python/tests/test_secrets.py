"""Secrets never come back through the driver manager: with the broker
password in the URI's user info and the registry URL (with a password in its
own user info) plus a registry password in the URI's query string, every
``get_option*`` of every key at the database, connection and statement level,
the errors of failing calls and the result schema's metadata are searched for
each secret, raw, percent-encoded and in base64. The Go suite's
TestSecretsNeverLeak covers more paths; this checks that the C layer and
``adbc_driver_manager`` add no path of their own.
"""

from __future__ import annotations

import base64
import os
import urllib.parse
from typing import Callable

import pyarrow as pa
import pytest

import adbc_kafarr
import adbc_kafarr.dbapi

from kafarr_stack import Stack

REQUIRE_STACK = os.environ.get("KAFARR_REQUIRE_STACK") == "1"

REGISTRY_USER = "kafarr-secret-user"
# Characters that percent-encoding changes, so that each form differs.
REGISTRY_PASSWORD = "PyRegistry/Pass@Sentinel:6604+&=%"
URL_PASSWORD = "PyUrl/Pass@Sentinel:1187+&=%"

ADBC_KEYS = [
    "uri",
    "username",
    "password",
    "adbc.connection.autocommit",
    "adbc.connection.readonly",
    "adbc.connection.catalog",
    "adbc.connection.db_schema",
    "adbc.connection.transaction.isolation_level",
    "adbc.statement.exec.incremental",
    "adbc.statement.exec.progress",
    "adbc.statement.exec.max_progress",
    "adbc.ingest.target_table",
    "adbc.ingest.mode",
    "adbc.ingest.target_catalog",
    "adbc.ingest.target_db_schema",
    "adbc.ingest.temporary",
]


def _forms(secret: str) -> set[str]:
    once = {secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret), urllib.parse.quote(secret)}
    twice = {urllib.parse.quote(f, safe="") for f in once} | {urllib.parse.quote_plus(f) for f in once}
    b64 = {base64.b64encode(secret.encode()).decode(), base64.urlsafe_b64encode(secret.encode()).decode()}
    return once | twice | b64 | {b.rstrip("=") for b in b64}


def _sasl_env() -> dict[str, str]:
    names = ("KAFARR_TEST_SASL_BROKERS", "KAFARR_TEST_TLS_CA_FILE", "KAFARR_TEST_SASL_SCRAM256_USER", "KAFARR_TEST_SASL_SCRAM256_PASSWORD")
    env = {k: os.environ.get(k, "") for k in names}
    missing = [k for k, v in env.items() if not v]
    if missing:
        msg = f"secured listeners not configured ({', '.join(missing)} unset)"
        if REQUIRE_STACK:
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    return env


def _collect(obj, what: str, seen: list[str]) -> None:
    """Record every getter's answer (value or error) for every key."""
    keys = ADBC_KEYS + [k.value for k in adbc_kafarr.DatabaseOptions] + [k.value for k in adbc_kafarr.StatementOptions]
    for key in keys:
        for getter in (obj.get_option, obj.get_option_bytes, obj.get_option_int, obj.get_option_float):
            try:
                seen.append(f"{what} {getter.__name__}({key}) = {getter(key)!r}")
            except Exception as e:  # recorded and searched
                seen.append(f"{what} {getter.__name__}({key}) raised {type(e).__name__}: {e}")


def test_get_option_errors_and_metadata_hold_no_secret(stack: Stack, new_topic: Callable[..., str]) -> None:
    env = _sasl_env()
    user, password = env["KAFARR_TEST_SASL_SCRAM256_USER"], env["KAFARR_TEST_SASL_SCRAM256_PASSWORD"]
    reg = urllib.parse.urlsplit(stack.registry)
    reg_with_user = urllib.parse.urlunsplit(
        reg._replace(netloc=f"{REGISTRY_USER}:{urllib.parse.quote(URL_PASSWORD, safe='')}@{reg.netloc}")
    )
    query = urllib.parse.urlencode(
        {
            "schema_registry.url": reg_with_user,
            "schema_registry.username": REGISTRY_USER,
            "schema_registry.password": REGISTRY_PASSWORD,
            "tls.enabled": "true",
            "tls.ca_file": env["KAFARR_TEST_TLS_CA_FILE"],
            "sasl.mechanism": "SCRAM-SHA-256",
        }
    )
    userinfo = f"{urllib.parse.quote(user, safe='')}:{urllib.parse.quote(password, safe='')}"
    uri = f"kafka://{userinfo}@{env['KAFARR_TEST_SASL_BROKERS']}?{query}"
    secrets = [
        password,
        REGISTRY_PASSWORD,
        URL_PASSWORD,
        f"{user}:{password}",
        f"{REGISTRY_USER}:{REGISTRY_PASSWORD}",
        f"{REGISTRY_USER}:{URL_PASSWORD}",
    ]
    seen: list[str] = []
    topic = new_topic()
    with adbc_kafarr.dbapi.connect(uri) as conn:
        masked = conn.adbc_database.get_option("uri")
        assert masked.startswith(f"kafka://{user}:xxxxx@"), masked
        assert "schema_registry.password=xxxxx" in masked, masked
        assert urllib.parse.quote(f"{REGISTRY_USER}:xxxxx@", safe="") in masked, masked
        assert conn.adbc_connection.get_option("kafarr.schema_registry.url") == urllib.parse.urlunsplit(
            reg._replace(netloc=f"{REGISTRY_USER}:xxxxx@{reg.netloc}")
        )
        _collect(conn.adbc_database, "database", seen)
        _collect(conn.adbc_connection, "connection", seen)
        adbc_kafarr.ingest(conn, topic, pa.table({"id": pa.array([1, 2, 3], pa.int64())}), mode="create_append")
        with conn.cursor() as cur:
            _collect(cur.adbc_statement, "statement", seen)
            cur.execute(f'SELECT id FROM "{topic}"')
            table = cur.fetch_arrow_table()
            assert table.column("id").to_pylist() == [1, 2, 3]
            seen.append(f"schema {table.schema} {table.schema.metadata} {[f.metadata for f in table.schema]}")
            _collect(cur.adbc_statement, "statement after execute", seen)
            for sql in ('SELECT id FROM "kafarr_secret_absent_topic"', "SELECT FROM WHERE"):
                with pytest.raises(adbc_kafarr.dbapi.Error) as e:
                    cur.execute(sql)
                    cur.fetch_arrow_table()
                seen.append(f"{sql}: {e.value!r} {e.value}")
    # A wrong broker password, in the URI and in the query string.
    wrong = [
        f"kafka://{user}:{urllib.parse.quote('wrong-' + password, safe='')}@{env['KAFARR_TEST_SASL_BROKERS']}?{query}",
        f"kafka://{env['KAFARR_TEST_SASL_BROKERS']}?{query}&"
        + urllib.parse.urlencode({"username": user, "password": "wrong-" + password}),
    ]
    secrets.append("wrong-" + password)
    for w in wrong:
        with pytest.raises(adbc_kafarr.dbapi.Error) as e:
            adbc_kafarr.dbapi.connect(w).close()
        seen.append(f"wrong password: {e.value!r} {e.value}")
    assert any("Unauthenticated" in s or "SASL_AUTHENTICATION_FAILED" in s for s in seen[-2:]), seen[-2:]
    for s in seen:
        for secret in secrets:
            for form in _forms(secret):
                assert form not in s, f"secret {secret!r} leaked as {form!r} in: {s}"
