"""Build hooks for adbc-kafarr: put the kafarr driver library in the wheel.

The library comes from, in order:

1. ``$KAFARR_PREBUILT_LIBRARY``: a path to an already built
   ``libadbc_driver_kafarr.so`` (what ``make py-venv`` passes after
   ``make cshared``, so Go builds it once);
2. the repository this directory sits in: ``../pkg/cshared/build.sh`` is run
   (needs Go and a C compiler) into a scratch directory.

Anything else (an sdist without the repository and no prebuilt library) is
an error that says so, rather than a wheel without its driver. The wheel is
tagged ``py3-none-<platform>``: pure Python plus one native library.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

from setuptools import setup
from setuptools.command.bdist_wheel import bdist_wheel
from setuptools.command.build_py import build_py

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent
BUILD_SCRIPT = REPO / "pkg" / "cshared" / "build.sh"
LIBRARY = "libadbc_driver_kafarr.dylib" if sys.platform == "darwin" else "libadbc_driver_kafarr.so"
PREBUILT_ENV = "KAFARR_PREBUILT_LIBRARY"


def _library_into(dest: pathlib.Path) -> None:
    prebuilt = os.environ.get(PREBUILT_ENV)
    if prebuilt:
        src = pathlib.Path(prebuilt)
        if not src.is_file():
            raise SystemExit(f"adbc-kafarr: ${PREBUILT_ENV}={prebuilt!r} is not a file")
        print(f"adbc-kafarr: using prebuilt {src}", file=sys.stderr)
        shutil.copyfile(src, dest)
        return
    if not BUILD_SCRIPT.is_file():
        raise SystemExit(
            f"adbc-kafarr: no driver library to package: set ${PREBUILT_ENV} to a built "
            f"{LIBRARY}, or build from the kafarr repository (which has pkg/cshared/build.sh)"
        )
    with tempfile.TemporaryDirectory(prefix="adbc-kafarr-") as out:
        print(f"adbc-kafarr: building the driver with {BUILD_SCRIPT}", file=sys.stderr)
        subprocess.run(["bash", str(BUILD_SCRIPT), "-o", out], check=True)
        shutil.copyfile(pathlib.Path(out, LIBRARY), dest)


class BuildPyWithLibrary(build_py):
    """build_py that also places the driver library in the package."""

    def run(self) -> None:
        super().run()
        dest = pathlib.Path(self.build_lib, "adbc_kafarr", LIBRARY)
        dest.parent.mkdir(parents=True, exist_ok=True)
        _library_into(dest)
        dest.chmod(0o755)


class PlatformWheel(bdist_wheel):
    """A wheel tagged for this platform (it carries a native library) but
    for any Python 3 (no extension modules)."""

    def finalize_options(self) -> None:
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self) -> tuple[str, str, str]:
        _, _, plat = super().get_tag()
        return "py3", "none", plat


# Keep setuptools' scratch directories out of the source tree.
_SCRATCH = REPO / ".build" / "python-build" if (REPO / "go.mod").is_file() else None
setup(
    cmdclass={"build_py": BuildPyWithLibrary, "bdist_wheel": PlatformWheel},
    options={"build": {"build_base": str(_SCRATCH)}} if _SCRATCH else {},
)
