"""Where the kafarr driver library is, and ADBC driver manifests for it."""

from __future__ import annotations

import os
import pathlib
import platform
import sys

from ._version import __version__

__all__ = [
    "ENTRYPOINT",
    "LIBRARY_ENV",
    "driver_path",
    "install_manifests",
    "manifest_text",
]

#: Environment variable that overrides the library the package loads (a path
#: to ``libadbc_driver_kafarr.so``), e.g. to try a freshly built one.
LIBRARY_ENV = "ADBC_KAFARR_LIBRARY"

#: The library's own init function. It also exports ``AdbcDriverInit`` and
#: ``AdbcDriverKafkaInit`` (what a driver manager looks up for a driver
#: named ``kafka``).
ENTRYPOINT = "AdbcDriverKafarrInit"

if sys.platform == "darwin":
    _LIBRARY_FILE = "libadbc_driver_kafarr.dylib"
elif sys.platform == "win32":
    _LIBRARY_FILE = "adbc_driver_kafarr.dll"
else:
    _LIBRARY_FILE = "libadbc_driver_kafarr.so"

# The driver manager's platform names (adbc's current_arch.h).
_OS_NAMES = {"darwin": "macos", "win32": "windows"}
_ARCH_NAMES = {
    "x86_64": "amd64",
    "amd64": "amd64",
    "aarch64": "arm64",
    "arm64": "arm64",
    "i386": "x86",
    "i686": "x86",
    "ppc64le": "powerpc64le",
    "s390x": "s390x",
    "riscv64": "riscv64",
}


def driver_path() -> str:
    """Return the path of the driver library this package loads: the one
    bundled in the package, or ``$ADBC_KAFARR_LIBRARY`` when set.

    Raises:
        FileNotFoundError: no library at that path; the message says where
            it looked and how to fix it.
    """
    override = os.environ.get(LIBRARY_ENV)
    path = pathlib.Path(override) if override else pathlib.Path(__file__).with_name(_LIBRARY_FILE)
    if not path.is_file():
        source = f"${LIBRARY_ENV}" if override else "the adbc_kafarr package"
        raise FileNotFoundError(
            f"adbc_kafarr: the kafarr driver library {_LIBRARY_FILE} is missing: "
            f"{source} points at {str(path)!r}, which is not a file. "
            f"Build it with pkg/cshared/build.sh and reinstall the package "
            f"(pip install ./python), or set {LIBRARY_ENV} to the library's path."
        )
    return str(path.resolve())


def _platform_key() -> str:
    os_name = _OS_NAMES.get(sys.platform, sys.platform.rstrip("0123456789"))
    machine = platform.machine().lower()
    return f"{os_name}_{_ARCH_NAMES.get(machine, machine)}"


def _toml_string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def manifest_text(driver: str, entrypoint: str, library: str) -> str:
    """Return an ADBC driver manifest (manifest_version 1, TOML) that makes
    a driver manager load ``library`` through ``entrypoint`` when asked for
    ``driver``."""
    return (
        f"# ADBC driver manifest for kafarr (driver {driver!r}), written by adbc_kafarr.\n"
        "manifest_version = 1\n"
        'name = "ADBC Kafka Driver (kafarr)"\n'
        f"version = {_toml_string(__version__)}\n"
        'publisher = "kafarr"\n'
        "\n[ADBC]\n"
        'version = "1.1.0"\n'
        "\n[Driver]\n"
        f"entrypoint = {_toml_string(entrypoint)}\n"
        "\n[Driver.shared]\n"
        f"{_platform_key()} = {_toml_string(library)}\n"
    )


def install_manifests(directory: str | os.PathLike[str] | None = None) -> list[pathlib.Path]:
    """Write ``kafarr.toml`` and ``kafka.toml`` driver manifests that point
    at :func:`driver_path`, so that plain ``adbc_driver_manager`` resolves
    ``driver="kafarr"`` and ``kafka://`` URIs.

    Args:
        directory: where to write them. Default ``<sys.prefix>/etc/adbc/drivers``,
            which ``adbc_driver_manager`` searches when running in a virtual
            environment; other choices are a directory listed in
            ``$ADBC_DRIVER_PATH``, ``~/.config/adbc/drivers`` or
            ``/etc/adbc/drivers``.

    Returns:
        The paths written.
    """
    target = pathlib.Path(directory) if directory is not None else pathlib.Path(sys.prefix, "etc", "adbc", "drivers")
    target.mkdir(parents=True, exist_ok=True)
    library = driver_path()
    written = []
    for driver, entrypoint in (("kafarr", ENTRYPOINT), ("kafka", "AdbcDriverKafkaInit")):
        path = target / f"{driver}.toml"
        path.write_text(manifest_text(driver, entrypoint, library), encoding="utf-8")
        written.append(path)
    return written
