"""CPU seconds of processes, from /proc (Linux; stdlib only, so that every
bench venv can import it): a process tree's, and the broker's."""

from __future__ import annotations

import os

_TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, user+system CPU seconds) of pid, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            data = f.read()
    except OSError:
        return None
    # The command name may hold spaces: fields start after its ')'.
    fields = data[data.rindex(")") + 2 :].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICK


def tree_cpu(root: int) -> float:
    """CPU seconds of root and every live descendant of it."""
    stats = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            s = _stat(int(name))
            if s:
                stats[int(name)] = s
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        if pid in stats:
            total += stats[pid][1]
            todo.extend(p for p, (ppid, _) in stats.items() if ppid == pid)
    return total


def process_cpu(pid: int) -> float:
    s = _stat(pid)
    return s[1] if s else 0.0


def find_broker() -> int | None:
    """The pid of the (one) local Kafka broker, found by its main class."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if b"kafka.Kafka" in cmd and b"server.properties" in cmd:
            found.append(int(name))
    return found[0] if len(found) == 1 else None
