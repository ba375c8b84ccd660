"""The preview server's downloads are built in a process of their own, started before the server.

Why not in a thread of the server: a large PDF forks layout workers, and forking a process
that runs an event loop, a file watcher and worker threads copies their locks mid-use and the
server's signal handlers (a worker would then ignore the SIGTERM meant to stop it). The build
process is forked while the command is still single-threaded, keeps its own parse cache from
one download to the next, ignores Ctrl-C (the server stops it), and ends — with its layout
workers — when the server does, even in the middle of a build (outputs are written atomically,
so the previous files stay intact).
"""

from __future__ import annotations

import multiprocessing
import signal
import sys
import threading
from pathlib import Path

from ..build import BuildResult, build_pack
from ..errors import BriefpackError, BuildError, SourceError, UsageError
from ..options import Progress, _quiet


class Builder:
    """`build(choice, progress)` → (path, BuildResult) of `build_pack(**choice)` (topics,
    languages, formats: one file), run in the build process; one at a time. `close()` ends it."""

    def __init__(self, **build_options):
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self._conn, theirs = context.Pipe()
        self._process = context.Process(target=_build_loop, args=(theirs, build_options), daemon=True, name="briefpack builds")
        self._process.start()
        theirs.close()
        self._lock = threading.Lock()

    def build(self, choice: dict, progress: Progress = _quiet) -> tuple[Path, BuildResult]:
        with self._lock:
            try:
                self._conn.send(choice)
                while True:
                    kind, *value = self._conn.recv()
                    if kind == "progress":
                        progress(*value)
                    elif kind == "done":
                        return value[0], value[1]
                    else:
                        raise _error(*value)
            except (EOFError, OSError):
                raise BuildError("the build process stopped (is the server stopping?)") from None

    def close(self) -> None:
        self._conn.close()
        if self._process.is_alive():
            self._process.terminate()  # its SIGTERM handler exits, ending its layout workers too
        self._process.join(5)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()


def _error(kind: str, message: str, problems) -> BriefpackError:
    """An error of the build process, as the exception build_pack raised (exceptions with
    their own constructor arguments do not survive pickling, so they travel as values)."""
    if kind == "SourceError":
        return SourceError(problems)
    if kind == "UsageError":
        return UsageError(message)
    return BuildError(message)


def _build_loop(conn, options: dict) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the whole terminal group: the server decides
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # exit runs atexit: daemonic layout workers are ended
    from ..build import BuildCache

    cache = BuildCache()  # parses and PDF layouts kept from one download to the next
    try:
        while True:
            try:
                choice = conn.recv()
            except EOFError:
                return

            def progress(stage: str, detail: str) -> None:
                conn.send(("progress", stage, detail))

            try:
                result = build_pack(progress=progress, cache=cache, **choice, **options)
            except SourceError as exc:
                conn.send(("error", "SourceError", str(exc), exc.problems))
            except BriefpackError as exc:
                conn.send(("error", type(exc).__name__, str(exc), None))
            except Exception as exc:  # a writer's bug: reported in the page, the server goes on
                conn.send(("error", "BuildError", f"the build failed: {type(exc).__name__}: {exc}", None))
            else:
                conn.send(("done", result.files[0], result))
    except (BrokenPipeError, OSError):
        return
