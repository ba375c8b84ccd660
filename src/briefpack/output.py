"""The output folder: atomic writes, a manifest of what briefpack wrote, and a lock.

- Every file goes to a temporary file in the same folder and is renamed into place, so an
  interrupted build leaves the previous file intact.
- The manifest (`.briefpack-manifest.json`) records the hash of each file written and the
  fingerprint of the inputs it came from. A file whose hash no longer matches was edited by hand
  (someone worked on the DOCX): it is never overwritten silently. A file whose fingerprint
  matches the current inputs is up to date and need not be rebuilt.
- A lock file stops two builds from writing into the same folder at once.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import BuildError

MANIFEST = ".briefpack-manifest.json"
LOCK = ".briefpack.lock"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str | None:
    try:
        h = hashlib.sha256()
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()
    except OSError:
        return None


@dataclass(frozen=True)
class EditedFile:
    path: Path
    reason: str


class OutputFolder:
    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.manifest_path = self.folder / MANIFEST
        self._manifest: dict | None = None

    # ------------------------------------------------------------------ lock

    @contextlib.contextmanager
    def locked(self):
        """Hold the folder's lock, or fail at once with a clear 'busy' message."""
        import fcntl

        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BuildError(f"cannot create the output folder {self.folder}: {exc.strerror or exc}") from None
        fd = os.open(self.folder / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise BuildError(
                    f"another briefpack build is writing to {self.folder}: wait for it to finish, or use another --out"
                ) from None
            yield self
        finally:
            os.close(fd)

    # ------------------------------------------------------------------ manifest

    @property
    def manifest(self) -> dict:
        if self._manifest is None:
            try:
                self._manifest = json.loads(self.manifest_path.read_text("utf-8"))
                if not isinstance(self._manifest.get("files"), dict):
                    raise ValueError
            except (OSError, ValueError):
                self._manifest = {"files": {}}
        return self._manifest

    def _entry(self, name: str) -> dict:
        entry = self.manifest["files"].get(name)
        return entry if isinstance(entry, dict) else {}

    def edited(self, name: str) -> EditedFile | None:
        """Why the file on disk must not be replaced silently, or None if it may be."""
        path = self.folder / name
        if not path.exists():
            return None
        recorded = self._entry(name).get("sha256")
        if recorded is None:
            return EditedFile(path, "it was not written by briefpack (or its record is lost)")
        current = file_sha256(path)
        if current != recorded and current != self._entry(name).get("absorbed"):
            return EditedFile(path, "it was changed after briefpack wrote it")
        return None

    def mark_absorbed(self, name: str, sha: str) -> bool:
        """Record that the edits in `name` — the file whose hash is `sha` — went back into the
        sources (`briefpack absorb --write`): the next build may replace it without --force.
        False when this folder has no record of the file."""
        entry = self._entry(name)
        if not entry:
            return False
        entry["absorbed"] = sha
        self._atomic_write(self.manifest_path, json.dumps(self.manifest, indent=2, sort_keys=True).encode("utf-8"))
        return True

    def up_to_date(self, name: str, fingerprint: str) -> bool:
        entry = self._entry(name)
        path = self.folder / name
        return entry.get("fingerprint") == fingerprint and path.exists() and file_sha256(path) == entry.get("sha256")

    def backup(self, name: str, when: _dt.datetime) -> Path:
        """Keep a copy of an edited file beside it before it is overwritten (--force)."""
        path = self.folder / name
        stamp = when.strftime("%Y%m%d-%H%M%S")
        target = path.with_name(f"{path.stem}.edited-{stamp}{path.suffix}")
        n = 1
        while target.exists():
            n += 1
            target = path.with_name(f"{path.stem}.edited-{stamp}-{n}{path.suffix}")
        self._atomic_write(target, path.read_bytes())
        return target

    # ------------------------------------------------------------------ writing

    def write(self, name: str, data: bytes, fingerprint: str) -> Path:
        path = self.folder / name
        self._atomic_write(path, data)
        self.manifest["files"][name] = {"sha256": sha256(data), "fingerprint": fingerprint}
        self._atomic_write(self.manifest_path, json.dumps(self.manifest, indent=2, sort_keys=True).encode("utf-8"))
        return path

    @staticmethod
    def _atomic_write(path: Path, data: bytes) -> None:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
