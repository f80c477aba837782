"""Peak resident memory of a process tree, read from /proc (no psutil needed).

A stalled or flooding target must not make the suite's workers balloon; the tests report the
figure (they do not assert it tightly: memory depends on the machine).
"""

from __future__ import annotations

import os
from pathlib import Path

PROC = Path("/proc")


def _parent(pid: int) -> int | None:
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name is in parentheses and may hold spaces: the fields after it are fixed.
    return int(stat.rsplit(")", 1)[1].split()[1])


def process_tree(root: int) -> list[int]:
    """`root` and every live descendant of it."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir(PROC):
        if entry.isdigit():
            parent = _parent(int(entry))
            if parent is not None:
                children.setdefault(parent, []).append(int(entry))
    tree, frontier = [root], [root]
    for _ in range(10_000):  # bounded walk; a process tree is far smaller
        if not frontier:
            break
        frontier = [c for p in frontier for c in children.get(p, [])]
        tree += frontier
    return tree


def high_water_kib(pid: int) -> int | None:
    """VmHWM of `pid` (its peak resident set so far) in KiB, None when it is gone."""
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


class PeakSampler:
    """Keeps the highest VmHWM seen per process of a tree across repeated samples."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.peaks: dict[int, int] = {}

    def sample(self) -> None:
        for pid in process_tree(self.root):
            kib = high_water_kib(pid)
            if kib is not None:
                self.peaks[pid] = max(kib, self.peaks.get(pid, 0))

    @property
    def largest_mib(self) -> float:
        """The peak of the largest single process (a worker, usually)."""
        return max(self.peaks.values(), default=0) / 1024

    @property
    def total_mib(self) -> float:
        """The sum of every process's peak: an upper bound on the tree's peak."""
        return sum(self.peaks.values()) / 1024
