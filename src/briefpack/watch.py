"""File events: which source or style files changed, for `build --watch` and `serve`.

The one place that knows about file events. watchfiles (the Rust `notify` crate: inotify on
Linux, FSEvents on macOS, ReadDirectoryChangesW on Windows, polling where none works) reports
a change as it happens instead of a poller rescanning the folders twice a second; a save that
an editor makes in several steps (truncate, write, rename a backup) arrives as one batch.
Changes that arrive while a build runs are kept by the watcher and come in the next batch.

Hidden files, editor backups and swap files, Python caches and the output folder (when it lies
inside a watched folder) are not changes of the pack.
"""

from __future__ import annotations

import queue
import threading
from pathlib import Path
from typing import AsyncIterator, Callable, Iterable

from watchfiles import Change, DefaultFilter, awatch
from watchfiles import watch as _watch

#: Milliseconds without a new event before a batch of changes is reported (editors write a file
#: in several steps), and the longest a batch may keep growing.
STEP_MS = 50
DEBOUNCE_MS = 1_600


class PackFilter(DefaultFilter):
    """What is not a change of the pack: hidden files and folders (an editor's `.#x.md`, `.git/`),
    backups and swap files, and anything under `ignore_paths` (the output folder)."""

    def __init__(self, roots: list[Path], ignore: Iterable[Path] = ()):
        super().__init__(ignore_paths=[Path(p).resolve() for p in ignore])
        self.roots = roots

    def __call__(self, change: Change, path: str) -> bool:
        where = Path(path)
        # hidden below the watched folder, not above it (a pack may live in ~/.work/pack)
        inside = next((where.relative_to(r) for r in self.roots if where.is_relative_to(r)), where)
        if any(part.startswith(".") for part in inside.parts):
            return False
        return super().__call__(change, path)


def watched(folders: Iterable[Path]) -> list[Path]:
    """The folders that exist (watchfiles refuses a missing one), resolved, without repeats."""
    out: list[Path] = []
    for folder in folders:
        path = Path(folder).resolve()
        if path.is_dir() and path not in out:
            out.append(path)
    return out


def watch(
    folders: Iterable[Path],
    on_change: Callable[[list[str]], None],
    *,
    ignore: Iterable[Path] = (),
    stop: threading.Event | None = None,
) -> None:
    """Call `on_change(paths)` with the paths changed under `folders`, batch after batch, until
    `stop` is set or Ctrl-C (KeyboardInterrupt, raised to the caller).

    The watcher runs in a thread of its own and hands batches over a queue; `on_change` (a
    build) runs in the caller's thread. So the watcher keeps reading events while a build runs,
    and a Ctrl-C during a build or a wait leaves at once: the caller never waits on the
    watcher's shutdown (a `build --watch` once hung there after Ctrl-C, ignoring a second one)."""
    folders = watched(folders)
    if not folders:
        raise FileNotFoundError("none of the folders to watch exists")
    batches: queue.SimpleQueue = queue.SimpleQueue()
    ended = threading.Event()  # set to stop the watcher thread; also when it stops by itself
    failure: list[BaseException] = []

    def run() -> None:
        try:
            for batch in _watch(*folders, watch_filter=PackFilter(folders, ignore), step=STEP_MS, debounce=DEBOUNCE_MS,
                                stop_event=ended, rust_timeout=500, raise_interrupt=False):
                changed = _lasting(batch)
                if changed:
                    batches.put(changed)
        except BaseException as exc:  # handed to the caller's thread
            failure.append(exc)
        finally:
            ended.set()

    watcher = threading.Thread(target=run, daemon=True, name="briefpack watch")
    watcher.start()
    try:
        while not (stop is not None and stop.is_set()):
            try:
                changed = batches.get(timeout=0.2)
            except queue.Empty:
                if ended.is_set():
                    if failure:
                        raise failure[0]
                    return
                continue
            on_change(changed)
    finally:
        ended.set()
        watcher.join(1)  # a daemon: should its shutdown hang, the program still ends


async def changes(
    folders: Iterable[Path], *, ignore: Iterable[Path] = (), stop=None
) -> AsyncIterator[list[str]]:
    """The same batches, for an asyncio program (the preview server); ends when `stop` (an
    asyncio or threading event) is set."""
    folders = watched(folders)
    if not folders:
        return
    async for batch in awatch(*folders, watch_filter=PackFilter(folders, ignore), step=STEP_MS, debounce=DEBOUNCE_MS,
                              stop_event=stop, rust_timeout=500):
        changed = _lasting(batch)
        if changed:
            yield changed


def _lasting(batch) -> list[str]:
    """The paths of a batch, without the temporary files an editor or `sed -i` made and removed
    within it (added and deleted in the same batch, and gone): they are no change of the pack."""
    kinds: dict[str, set] = {}
    for change, path in batch:
        kinds.setdefault(path, set()).add(change)
    return sorted(path for path, seen in kinds.items()
                  if not ({Change.added, Change.deleted} <= seen and not Path(path).exists()))
