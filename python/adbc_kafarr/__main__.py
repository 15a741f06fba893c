"""Command line: ``python -m adbc_kafarr {path,install-manifests [DIR]}``.

``path`` prints the driver library's path; ``install-manifests`` writes the
``kafarr.toml`` and ``kafka.toml`` ADBC driver manifests (default:
``<sys.prefix>/etc/adbc/drivers``) so that ``adbc_driver_manager`` resolves
``driver="kafarr"`` and ``kafka://`` URIs without this package.
"""

from __future__ import annotations

import argparse
import sys

from ._library import driver_path, install_manifests


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m adbc_kafarr", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("path", help="print the driver library's path")
    inst = sub.add_parser("install-manifests", help="write kafarr.toml and kafka.toml driver manifests")
    inst.add_argument("directory", nargs="?", help="target directory (default <sys.prefix>/etc/adbc/drivers)")
    args = parser.parse_args(argv)
    try:
        if args.command == "path":
            print(driver_path())
        else:
            for path in install_manifests(args.directory):
                print(path)
    except FileNotFoundError as e:
        print(e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
