"""Timing and peak memory of one child process, and of several runs of it.

Every measured build runs in a process of its own, started here and reaped with `os.wait4`, which
returns that one child's resource usage: its peak resident memory (`ru_maxrss`, which on Linux
also covers the descendants it waited for, such as a process pool's workers) is read when it
exits, so no run's figure leaks into another's. Wall time runs from just before the start to
just after the exit, so interpreter start-up and imports count for every tool alike.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field


class ChildFailed(RuntimeError):
    pass


@dataclass
class Run:
    wall: float  # seconds
    peak_mib: float
    report: dict = field(default_factory=dict)  # the JSON line a benchmark task printed
    stderr: str = ""
    load: float = 0.0  # 1-minute load average when it started: other work on the machine skews times

    def then(self, other: Run) -> Run:
        """Two steps one after the other (pandoc, then WeasyPrint): times add, peaks do not."""
        return Run(self.wall + other.wall, max(self.peak_mib, other.peak_mib), {**self.report, **other.report},
                   load=max(self.load, other.load))


def run_child(argv: list[str], *, env: dict[str, str] | None = None) -> Run:
    load = os.getloadavg()[0]
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err, env=env)
        out = child.stdout.read()
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.stdout.close()
        child.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    if child.returncode != 0:
        raise ChildFailed(f"{' '.join(argv)} exited with {child.returncode}:\n{stderr[-3000:]}")
    return Run(wall, usage.ru_maxrss / 1024, _last_json_line(out), stderr, load)


def _last_json_line(out: bytes) -> dict:
    lines = out.decode("utf-8", "replace").strip().splitlines()
    if lines and lines[-1].startswith("{"):
        return json.loads(lines[-1])
    return {}


@dataclass
class Measurement:
    """Repeated runs of one step: the median time, the highest peak."""

    runs: list[Run] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def peak_mib(self) -> float:
        return max(r.peak_mib for r in self.runs)

    @property
    def inner(self) -> float | None:
        """Median time spent inside the build call, as the task reported it (None if it did not)."""
        values = [r.report["inner"] for r in self.runs if "inner" in r.report]
        return statistics.median(values) if values else None

    def fact(self, key: str):
        return self.runs[-1].report.get(key)

    def then(self, other: Measurement) -> Measurement:
        return Measurement([a.then(b) for a, b in zip(self.runs, other.runs)])

    def as_dict(self) -> dict:
        return {
            "wall_s": self.wall,
            "peak_mib": self.peak_mib,
            "inner_s": self.inner,
            "runs": [{"wall_s": r.wall, "peak_mib": r.peak_mib, "load": r.load, **r.report} for r in self.runs],
        }
