"""`briefpack build --watch`: rebuild when a source or style file changes.

Polls file sizes and modification times twice a second (no extra dependency; a pack folder is
small). Changes that arrive while a build runs are picked up by the next round.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Callable

Snapshot = dict[str, tuple[int, int]]


def snapshot(folders: list[Path]) -> Snapshot:
    state: Snapshot = {}
    for folder in folders:
        for root, dirs, files in os.walk(folder):
            dirs[:] = [d for d in dirs if not d.startswith((".", "__"))]
            for name in files:
                if name.startswith("."):
                    continue
                path = os.path.join(root, name)
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                state[path] = (st.st_mtime_ns, st.st_size)
    return state


def changed_files(before: Snapshot, after: Snapshot) -> list[str]:
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))


def watch(
    folders: list[Path],
    rebuild: Callable[[list[str]], None],
    *,
    interval: float = 0.5,
    should_stop: Callable[[], bool] = lambda: False,
) -> None:
    """Call `rebuild(changed)` whenever files under `folders` change, until `should_stop()`."""
    state = snapshot(folders)
    while not should_stop():
        time.sleep(interval)
        new = snapshot(folders)
        changed = changed_files(state, new)
        if changed:
            time.sleep(interval / 2)  # let an editor finish writing (save = truncate + write)
            state = snapshot(folders)
            rebuild(changed)
