"""CPU spent over a stretch of a benchmark, from /proc: the whole machine's, and by kind of
process (the web server, PostgreSQL, Redis, this process's buyers), so that a level can say what
an order costs end to end and who spends it. Linux only; elsewhere (no /proc) None."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def machine_busy() -> float | None:
    """CPU seconds the whole machine has spent busy (every process, the kernel's work for them
    included), from /proc/stat; None where there is none."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq = map(int, fields)
    return (user + nice + system + irq + softirq) / TICKS


def _kind(pid: int, command: str, name: str) -> str:
    if pid == os.getpid():
        return "buyers"
    if "gunicorn" in command:
        return "gunicorn"
    if name.startswith(("postgres", "postmaster")):
        return "postgres"
    if name.startswith("redis"):
        return "redis"
    return "other"


def process_busy() -> dict[int, tuple[str, float]] | None:
    """Each live process's kind and the CPU seconds it has used (user + system)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    seen: dict[int, tuple[str, float]] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # gone meanwhile
            continue
        name, fields = stat.split("(", 1)[1].rsplit(")", 1)
        ticks = fields.split()
        seen[int(entry.name)] = (
            _kind(int(entry.name), command, name),
            (int(ticks[11]) + int(ticks[12])) / TICKS,
        )
    return seen


@dataclass
class Busy:
    """CPU seconds over a stretch: the machine's and by kind of process (a process that ended
    during the stretch is missed: the levels' processes all live through them)."""

    machine: float | None
    by_kind: dict[str, float]


class BusyMeter:
    """`start()` before a stretch, `stop()` after it."""

    def start(self) -> None:
        self._machine, self._processes = machine_busy(), process_busy()

    def stop(self) -> Busy:
        machine, processes = machine_busy(), process_busy()
        by_kind: Counter[str] = Counter()
        if processes is not None and self._processes is not None:
            for pid, (kind, seconds) in processes.items():
                before = self._processes.get(pid, (kind, 0.0))[1]
                by_kind[kind] += seconds - before
        total = None if machine is None or self._machine is None else machine - self._machine
        return Busy(total, dict(by_kind))
