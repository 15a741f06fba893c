"""The package itself: the bundled library and its exports, driver
manifests, option enums, the missing-library error, the CLI."""

from __future__ import annotations

import ctypes
import os
import pathlib
import re
import subprocess
import sys

import adbc_driver_manager
import adbc_driver_manager.dbapi
import pytest

import adbc_driver_kafka
import adbc_driver_kafka.dbapi
import adbc_kafarr
import adbc_kafarr.dbapi
from adbc_kafarr import DatabaseOptions, StatementOptions

from kafarr_stack import REPO, Stack


def test_library_exports_the_init_functions_and_nothing_but_adbc() -> None:
    lib = ctypes.CDLL(adbc_kafarr.driver_path())
    for name in (
        "AdbcDriverKafarrInit",
        "AdbcDriverKafkaInit",
        "AdbcDriverInit",
        "AdbcDatabaseNew",
        "AdbcStatementExecuteQuery",
    ):
        assert hasattr(lib, name), name
    # The generated layer's implementation functions and the Go runtime
    # exist in the library but the version script keeps them local.
    for name in ("KafarrDatabaseNew", "KafarrDriverInit", "crosscall2", "_cgo_panic", "main"):
        assert not hasattr(lib, name), name


def test_library_loads_through_each_entrypoint(stack: Stack) -> None:
    for entrypoint in ("AdbcDriverKafarrInit", "AdbcDriverKafkaInit", "AdbcDriverInit"):
        db = adbc_driver_manager.AdbcDatabase(driver=adbc_kafarr.driver_path(), entrypoint=entrypoint, uri=stack.uri)
        with adbc_driver_manager.dbapi.Connection(db, adbc_driver_manager.AdbcConnection(db), autocommit=True) as conn:
            info = conn.adbc_get_info()
        assert info["vendor_name"] == "Kafka", entrypoint
        assert info["driver_name"] == "ADBC Kafka Driver (kafarr) - Go", entrypoint
        assert info["driver_version"] == adbc_kafarr.__version__, entrypoint


def test_manifests_resolve_driver_names_and_kafka_uris(
    stack: Stack, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written = adbc_kafarr.install_manifests(tmp_path)
    assert sorted(p.name for p in written) == ["kafarr.toml", "kafka.toml"]
    text = (tmp_path / "kafka.toml").read_text()
    assert 'entrypoint = "AdbcDriverKafkaInit"' in text
    assert f'= "{adbc_kafarr.driver_path()}"' in text
    monkeypatch.setenv("ADBC_DRIVER_PATH", str(tmp_path))
    # By name, with the URI as an option; by a kafka:// URI alone (the
    # driver manager takes the scheme as the driver name); and driver:uri.
    for kwargs in ({"driver": "kafarr", "uri": stack.uri}, {"driver": stack.uri}, {"driver": "kafarr:" + stack.uri}):
        with adbc_driver_manager.dbapi.connect(**kwargs, autocommit=True) as conn:
            assert conn.adbc_get_info()["vendor_name"] == "Kafka", kwargs
            assert conn.adbc_database.get_option("kafarr.bootstrap_servers") == stack.brokers, kwargs


def test_manifests_installed_in_the_venv_resolve(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    # make py-venv runs `python -m adbc_kafarr install-manifests`; in a venv
    # adbc_driver_manager searches <sys.prefix>/etc/adbc/drivers.
    assert sys.prefix != sys.base_prefix, "the suite runs in a virtual environment"
    manifests = pathlib.Path(sys.prefix, "etc", "adbc", "drivers")
    assert (manifests / "kafarr.toml").is_file(), (
        f"no manifests in {manifests}: run python -m adbc_kafarr install-manifests"
    )
    monkeypatch.delenv("ADBC_DRIVER_PATH", raising=False)
    with adbc_driver_manager.dbapi.connect(driver="kafarr", uri=stack.uri, autocommit=True) as conn:
        assert conn.adbc_get_info()["driver_name"] == "ADBC Kafka Driver (kafarr) - Go"
    with adbc_driver_manager.dbapi.connect(driver=stack.uri, autocommit=True) as conn:
        assert conn.adbc_database.get_option("kafarr.schema_registry.url") == stack.registry


def test_manifests_written_by_the_c_build_resolve(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    out = pathlib.Path(os.environ.get("KAFARR_CSHARED_DIR", REPO / ".build" / "cshared"))
    assert (out / "kafarr.toml").is_file(), f"run pkg/cshared/build.sh first (no manifests in {out})"
    monkeypatch.setenv("ADBC_DRIVER_PATH", str(out))
    for driver in ("kafarr", stack.uri):
        with adbc_driver_manager.dbapi.connect(driver=driver, uri=stack.uri, autocommit=True) as conn:
            assert conn.adbc_get_info()["driver_name"] == "ADBC Kafka Driver (kafarr) - Go"


def test_missing_library_is_a_clear_error(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "nowhere" / "libadbc_driver_kafarr.so"
    monkeypatch.setenv(adbc_kafarr.LIBRARY_ENV, str(missing))
    with pytest.raises(FileNotFoundError) as exc:
        adbc_kafarr.dbapi.connect("kafka://127.0.0.1:9092")
    msg = str(exc.value)
    assert str(missing) in msg
    assert "ADBC_KAFARR_LIBRARY" in msg and "pkg/cshared/build.sh" in msg
    # The driver manager given a missing path names it too.
    with pytest.raises(adbc_driver_manager.ProgrammingError) as exc2:
        adbc_driver_manager.dbapi.connect(driver=str(missing))
    assert exc2.value.status_code == adbc_driver_manager.AdbcStatusCode.NOT_FOUND
    assert str(missing) in str(exc2.value)


def _go_option_keys() -> set[str]:
    src = (REPO / "options" / "keys.go").read_text()
    return set(re.findall(r'^\s*\w+\s*=\s*"([a-z_.]+)"', src, flags=re.M))


def test_option_enums_cover_exactly_the_driver_options() -> None:
    go_keys = _go_option_keys()
    assert len(go_keys) >= 45, go_keys
    enum_keys = [m.value for m in DatabaseOptions] + [m.value for m in StatementOptions]
    assert len(enum_keys) == len(set(enum_keys))
    assert set(enum_keys) == go_keys


def test_statement_option_defaults_read_back_through_the_enums(conn: adbc_kafarr.dbapi.Connection) -> None:
    expected = {
        StatementOptions.READ_TIMEOUT_MS: "30000",
        StatementOptions.READ_BATCH_ROWS: "65536",
        StatementOptions.READ_ISOLATION: "read_committed",
        StatementOptions.READ_METADATA_COLUMNS: "_partition,_offset,_timestamp",
        StatementOptions.READ_FOLLOW: "false",
        StatementOptions.READ_START: "earliest",
        StatementOptions.READ_SCHEMA: "latest",
        StatementOptions.READ_ON_ERROR: "fail",
        StatementOptions.READ_UNION_MODE: "struct",
        StatementOptions.VALUE_FORMAT: "auto",
        StatementOptions.JSON_INFER_ROWS: "1000",
        StatementOptions.VALUE_SUBJECT_STRATEGY: "topic",
        StatementOptions.KEY_FORMAT: "auto",
        StatementOptions.INGEST_VALUE_SCHEMA_VERSION: "latest",
        StatementOptions.INGEST_AUTO_REGISTER: "true",
        StatementOptions.INGEST_COERCE: "exact",
        StatementOptions.INGEST_TRANSACTIONAL: "false",
        StatementOptions.INGEST_COMPRESSION: "none",
        StatementOptions.ALLOW_DELETE_TOPICS: "false",
        StatementOptions.CATALOG_INCLUDE_INTERNAL: "false",
    }
    with conn.cursor() as cur:
        got = {k: cur.adbc_statement.get_option(k.value) for k in expected}
        assert got == expected
        # Narrower levels win: set on the statement, read back there.
        cur.adbc_statement.set_options(**{StatementOptions.READ_TIMEOUT_MS.value: "1234"})
        assert cur.adbc_statement.get_option(StatementOptions.READ_TIMEOUT_MS.value) == "1234"


def test_connect_converts_option_values(stack: Stack) -> None:
    db = adbc_kafarr.connect(
        stack.uri,
        {DatabaseOptions.CLIENT_ID: "pytest-client", StatementOptions.READ_FOLLOW: True},
        **{"kafarr.read.batch_rows": 1000, "kafarr.schema_registry.timeout_ms": 5000},
    )
    try:
        assert isinstance(db, adbc_driver_manager.AdbcDatabase)
        assert db.get_option("kafarr.client_id") == "pytest-client"
        assert db.get_option("kafarr.read.follow") == "true"
        assert db.get_option("kafarr.read.batch_rows") == "1000"
        assert db.get_option("kafarr.schema_registry.timeout_ms") == "5000"
    finally:
        db.close()


def test_kafka_module_is_the_same_api() -> None:
    assert adbc_driver_kafka.connect is adbc_kafarr.connect
    assert adbc_driver_kafka.dbapi.connect is adbc_kafarr.dbapi.connect
    assert adbc_driver_kafka.__version__ == adbc_kafarr.__version__
    assert adbc_driver_kafka.dbapi.ProgrammingError is adbc_driver_manager.ProgrammingError
    assert adbc_kafarr.dbapi.paramstyle == "qmark" and adbc_kafarr.dbapi.apilevel == "2.0"


def test_cli_prints_path_and_installs_manifests(tmp_path: pathlib.Path) -> None:
    out = subprocess.run([sys.executable, "-m", "adbc_kafarr", "path"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == adbc_kafarr.driver_path()
    out = subprocess.run(
        [sys.executable, "-m", "adbc_kafarr", "install-manifests", str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split() == [str(tmp_path / "kafarr.toml"), str(tmp_path / "kafka.toml")]
