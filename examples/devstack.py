"""A Kafka broker and schema registry for the examples.

``with devstack.start() as stack:`` yields a :class:`Stack`. When
``KAFARR_BROKERS`` and ``KAFARR_REGISTRY`` are set it uses that cluster;
otherwise it runs the repository's default stack,
``go run ./cmd/kafarr-devstack`` (an in-process Kafka and schema registry on
free loopback ports, everything in memory), waits for its ready line and
stops it on exit.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import pathlib
import re
import signal
import subprocess
import sys
import threading
import urllib.parse
from typing import Iterator

REPO = pathlib.Path(__file__).resolve().parent.parent
READY = re.compile(r"^kafarr-devstack: kafka=(\S+) registry=(\S+)$")


@dataclasses.dataclass(frozen=True)
class Stack:
    brokers: str
    registry: str

    @property
    def uri(self) -> str:
        """kafka:// URI with the registry in its query string."""
        return f"kafka://{self.brokers}?schema_registry.url={urllib.parse.quote(self.registry, safe='')}"


@contextlib.contextmanager
def start(timeout: float = 300.0) -> Iterator[Stack]:
    """Yield a running stack; see the module doc. ``timeout`` bounds the
    wait for the ready line (the first ``go run`` compiles)."""
    brokers, registry = os.environ.get("KAFARR_BROKERS"), os.environ.get("KAFARR_REGISTRY")
    if brokers and registry:
        yield Stack(brokers, registry)
        return
    proc = subprocess.Popen(
        ["go", "run", "./cmd/kafarr-devstack", "-kafka", "127.0.0.1:0", "-registry", "127.0.0.1:0"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: stop go run and its child together
    )
    try:
        stack = _wait_ready(proc, timeout)
        print(f"devstack: kafka={stack.brokers} registry={stack.registry}", file=sys.stderr)
        yield stack
    finally:
        _stop(proc)


def _wait_ready(proc: subprocess.Popen, timeout: float) -> Stack:
    found: list[Stack] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            m = READY.match(line.strip())
            if m:
                found.append(Stack(m.group(1), m.group(2)))
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout)
    if not found:
        raise RuntimeError(f"kafarr-devstack did not become ready within {timeout:.0f}s (exit status {proc.poll()})")
    return found[0]


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
