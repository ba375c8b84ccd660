"""The output folder: all-or-nothing writes, a manifest of what briefpack wrote, a lock, recovery.

- A build writes all its files or none of them (`OutputFolder.commit`): every file goes first
  to a temporary file beside it (`.NAME.XXXXXXXX.tmp`, synced to disk), then the new manifest;
  only when all are complete does a journal (`.briefpack-journal.json`) record the renames to
  come, the files are renamed into place, the manifest after them, and the journal is removed.
  A failure before the journal (a full disk, a refused edit) removes the temporary files and
  changes nothing. A build killed after it is finished by the next one (`locked()`): the
  renames the journal lists are completed and the manifest brought up to date. Temporary files
  of builds killed earlier are removed.
- The manifest (`.briefpack-manifest.json`) records the hash of each file written and the
  fingerprint of the inputs it came from (and the hash of an edited DOCX whose edits `absorb`
  took back into the sources). A file whose hash no longer matches was edited by hand
  (someone worked on the DOCX): it is never overwritten silently — checked before rendering
  and again right before the files are replaced, since a user may save while a build renders.
  A file whose fingerprint matches the current inputs is up to date and need not be rebuilt.
  It also keeps the digests of the style checks that passed for the builds written here
  (`style_check.check_digest`), so the next build need not check an unchanged style again.
- A lock file stops two builds from writing into the same folder at once.
- The folder's own files are handled as hostile input: the lock is opened without following
  symbolic links, the manifest and journal are read only if they are regular files of bounded
  size and shape, and a link, folder or device where an output goes is never read or replaced.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import hashlib
import json
import os
import re
import stat
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .errors import BuildError, display_path

MANIFEST = ".briefpack-manifest.json"
LOCK = ".briefpack.lock"
JOURNAL = ".briefpack-journal.json"
#: A manifest or journal larger than this is not ours (a pack of a thousand files needs ~300 KB).
MAX_RECORD_BYTES = 8 * 1024 * 1024
#: How deep our records nest; deeper JSON is not ours (and would exhaust the parser's stack).
MAX_RECORD_DEPTH = 8
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
#: Style checks remembered per folder (one per format and style a user builds into it).
MAX_STYLE_CHECKS = 16
#: Our temporary files: `.` + the file's name + `.` + mkstemp's 8 random characters + `.tmp`.
_TEMPORARY = re.compile(r"^\.(?P<name>[^/\\\0]+)\.[A-Za-z0-9_]{8}\.tmp$")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class EditedFile:
    path: Path
    reason: str
    forcible: bool = True  # False: not a regular file; --force does not replace it either


@dataclass
class Commit:
    written: list[Path] = field(default_factory=list)
    backups: list[Path] = field(default_factory=list)


def _plain_error(action: str, path: Path, exc: OSError) -> BuildError:
    """An OSError as a sentence a user can act on."""
    where = display_path(path)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return BuildError(f"disk full while {action} {where}: free some space in {display_path(path.parent)} and build again")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return BuildError(f"permission denied while {action} {where}: choose another --out, or make it writable")
    if exc.errno == errno.EROFS:
        return BuildError(f"{display_path(path.parent)} is on a read-only file system: choose another --out")
    return BuildError(f"cannot finish {action} {where}: {exc.strerror or exc}")


class OutputFolder:
    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.manifest_path = self.folder / MANIFEST
        self.journal_path = self.folder / JOURNAL
        self._manifest: dict | None = None
        self._damaged = False  # the manifest on disk was not usable: rewrite it even if nothing else changes
        self._style_checks: list[str] = []  # passed style checks to record with the next commit
        self.notes: list[str] = []  # what the folder had to say: a damaged record, a finished build

    # ------------------------------------------------------------------ lock

    @contextlib.contextmanager
    def locked(self):
        """Hold the folder's lock, or fail at once with a clear 'busy' message. Under the lock,
        a build that was killed while replacing files is finished, and temporary files of
        killed builds are removed."""
        import fcntl

        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BuildError(f"cannot create the output folder {display_path(self.folder)}: {exc.strerror or exc}") from None
        if not self.folder.is_dir():
            raise BuildError(f"--out {display_path(self.folder)} is not a folder")
        lock_path = self.folder / LOCK
        try:
            # O_NOFOLLOW: a lock file that is a symbolic link must not create or open a file elsewhere
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise BuildError(
                    f"{display_path(lock_path)} is a symbolic link: briefpack does not follow it; remove it and build again"
                ) from None
            if exc.errno == errno.EISDIR:
                raise BuildError(f"{display_path(lock_path)} is a folder: remove it and build again") from None
            raise _plain_error("opening the lock", lock_path, exc) from None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise BuildError(f"{display_path(lock_path)} is not a regular file: remove it and build again")
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise BuildError(
                    f"another briefpack build is writing to {display_path(self.folder)}: wait for it to finish, or use another --out"
                ) from None
            since = time.time()
            self._check_record_file(self.manifest_path)
            self._check_record_file(self.journal_path)
            self._finish_interrupted_build()
            self._remove_stale_temporaries(since)
            yield self
        finally:
            os.close(fd)

    def _check_record_file(self, path: Path) -> None:
        """A manifest or journal that is a link, a folder or a device is not ours: stop."""
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            return
        except OSError as exc:
            raise _plain_error("reading", path, exc) from None
        if not stat.S_ISREG(mode):
            kind = "a symbolic link" if stat.S_ISLNK(mode) else "a folder" if stat.S_ISDIR(mode) else "not a regular file"
            raise BuildError(f"{display_path(path)} is {kind}, not briefpack's record: remove it and build again")

    # ------------------------------------------------------------------ reading our records

    def _read_record(self, path: Path) -> tuple[dict | None, str | None]:
        """(the JSON object in `path`, None), or (None, why it is not usable); (None, None) when
        there is no such file. Reads regular files only, at most MAX_RECORD_BYTES."""
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except FileNotFoundError:
            return None, None
        except OSError as exc:
            return None, exc.strerror or str(exc)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None, "not a regular file"
            with os.fdopen(os.dup(fd), "rb") as fh:
                data = fh.read(MAX_RECORD_BYTES + 1)
        finally:
            os.close(fd)
        if len(data) > MAX_RECORD_BYTES:
            return None, f"larger than {MAX_RECORD_BYTES // 1048576} MB"
        if _nesting(data) > MAX_RECORD_DEPTH:
            return None, "nested too deep"
        try:
            value = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            return None, "not valid JSON"
        if not isinstance(value, dict):
            return None, f"not a JSON object (it holds {type(value).__name__ if value is not None else 'null'})"
        return value, None

    @property
    def manifest(self) -> dict:
        if self._manifest is None:
            value, problem = self._read_record(self.manifest_path)
            files = value.get("files") if value is not None else None
            if value is not None and not isinstance(files, dict):
                problem = "its 'files' is not a mapping"
            if problem:
                self._damaged = True
                self.notes.append(
                    f"{display_path(self.manifest_path)} was damaged ({problem}): briefpack cannot tell whether files it "
                    "wrote were edited since, so it treats them as edited; the record is rewritten"
                )
            entries = {}
            for name, entry in (files or {}).items() if isinstance(files, dict) else ():
                if isinstance(name, str) and isinstance(entry, dict) and isinstance(entry.get("sha256"), str):
                    entries[name] = {"sha256": entry["sha256"], "fingerprint": str(entry.get("fingerprint", ""))}
                    if isinstance(entry.get("absorbed"), str):
                        entries[name]["absorbed"] = entry["absorbed"]
            self._manifest = {"files": entries, "style_checks": [] if problem else _style_checks(value)}
        return self._manifest

    def recorded_style_checks(self) -> frozenset[str]:
        """The style checks the manifest records as passed; nothing if it is missing, damaged
        or not a regular file (then the style is simply checked). Read without the lock and
        without keeping anything: only a hint, which lets a build skip the probe render (the
        style's files are checked all the same: see style_check.load_checked_style)."""
        value, _ = self._read_record(self.manifest_path)
        return frozenset(_style_checks(value))

    def record_style_checks(self, digests) -> None:
        """Remember passed style checks in the manifest the next commit writes (a build that
        writes nothing records nothing)."""
        self._style_checks = [d for d in digests if _HEX64.match(d)]

    def _entry(self, name: str) -> dict:
        return self.manifest["files"].get(name) or {}

    # ------------------------------------------------------------------ the files on disk

    def _on_disk(self, name: str) -> tuple[str, str | None]:
        """('missing', None), ('file', sha256) or ('other', what it is) for the output `name`.
        Never follows a link, never reads what is not a regular file."""
        path = self.folder / name
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            return "missing", None
        if stat.S_ISLNK(mode):
            return "other", "a symbolic link"
        if stat.S_ISDIR(mode):
            return "other", "a folder"
        if not stat.S_ISREG(mode):
            return "other", "not a regular file"
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except FileNotFoundError:
            return "missing", None
        except OSError as exc:
            raise _plain_error("reading", path, exc) from None
        h = hashlib.sha256()
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):  # swapped since lstat
                return "other", "not a regular file"
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        return "file", h.hexdigest()

    def edited(self, name: str) -> EditedFile | None:
        """Why the file on disk must not be replaced silently, or None if it may be."""
        return self._edited(name, self._on_disk(name))

    def _edited(self, name: str, state: tuple[str, str | None]) -> EditedFile | None:
        path = self.folder / name
        kind, value = state
        if kind == "missing":
            return None
        if kind == "other":
            return EditedFile(path, f"it is {value}: briefpack only replaces files it wrote; move it away", forcible=False)
        recorded = self._entry(name).get("sha256")
        if recorded is None:
            return EditedFile(path, "it was not written by briefpack (or its record is lost)")
        if value != recorded and value != self._entry(name).get("absorbed"):
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
        try:
            self._replace_manifest()
        except OSError as exc:
            raise _plain_error("writing", self.manifest_path, exc) from None
        return True

    def up_to_date(self, name: str, fingerprint: str) -> bool:
        entry = self._entry(name)
        if entry.get("fingerprint") != fingerprint:
            return False
        kind, value = self._on_disk(name)
        return kind == "file" and value == entry.get("sha256")

    def backup(self, name: str, when: _dt.datetime) -> Path:
        """Keep a copy of an edited file beside it before it is overwritten (--force)."""
        path = self.folder / name
        stamp = when.strftime("%Y%m%d-%H%M%S")
        target = path.with_name(f"{path.stem}.edited-{stamp}{path.suffix}")
        n = 1
        while os.path.lexists(target):
            n += 1
            target = path.with_name(f"{path.stem}.edited-{stamp}-{n}{path.suffix}")
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as fh:
            data = fh.read()
        temporary = self._write_temporary(target.name, data)
        try:
            os.replace(temporary, target)
        except OSError as exc:
            _remove(temporary)
            raise _plain_error("keeping a copy of", path, exc) from None
        return target

    # ------------------------------------------------------------------ writing

    def write(self, name: str, data: bytes, fingerprint: str) -> Path:
        """One file and its record (see commit)."""
        return self.commit([(name, data, fingerprint)]).written[0]

    def commit(self, outputs: list[tuple[str, bytes, str]], *, force: bool = False, when: _dt.datetime | None = None) -> Commit:
        """Write every (name, data, fingerprint) of `outputs` and the manifest, all or none.

        Right before replacing anything, each file on disk is checked against the manifest
        again: one edited since (while the build was rendering, say) stops the build, every
        file left as it was — or, with `force`, is copied to a backup first."""
        done = Commit()
        if not outputs and not self._damaged:
            return done  # everything up to date: nothing to write, not even the manifest
        temporaries: dict[str, Path] = {}
        current = self.folder
        try:
            for name, data, _ in outputs:
                current = self.folder / name
                temporaries[name] = self._write_temporary(name, data)
            entries = dict(self.manifest["files"])
            for name, data, fingerprint in outputs:
                entries[name] = {"sha256": sha256(data), "fingerprint": fingerprint}
            current = self.manifest_path
            checks = self._merged_style_checks()
            manifest_temporary = self._write_temporary(MANIFEST, _record_bytes({"files": entries, "style_checks": checks}))
            temporaries[MANIFEST] = manifest_temporary

            # the last check, with nothing left to render between it and the renames
            previous: dict[str, str | None] = {}
            refused: list[EditedFile] = []
            for name, _, _ in outputs:
                state = self._on_disk(name)
                previous[name] = state[1] if state[0] == "file" else None
                edited = self._edited(name, state)
                if edited is None:
                    continue
                if force and edited.forcible:
                    current = self.folder / name
                    done.backups.append(self.backup(name, when or _dt.datetime.now()))
                else:
                    refused.append(edited)
            if refused:
                for backup in done.backups:
                    _remove(backup)
                names = "\n".join(f"  {display_path(e.path)}: {e.reason}" for e in refused)
                raise BuildError(
                    f"not overwriting {len(refused)} file(s) changed while briefpack was building:\n{names}\n"
                    "Nothing was written. Move them away, or build with --force (a backup copy is kept beside each)."
                )
            journal = {
                "version": 1,
                "manifest": manifest_temporary.name,
                "files": [
                    {"name": name, "temporary": temporaries[name].name, "sha256": sha256(data),
                     "fingerprint": fingerprint, "previous": previous[name]}
                    for name, data, fingerprint in outputs
                ],
            }
            current = self.journal_path
            self._write_journal(journal)
        except OSError as exc:
            for path in [*temporaries.values(), *done.backups]:
                _remove(path)
            raise _plain_error("writing", current, exc) from None
        except BaseException:
            for path in [*temporaries.values(), *done.backups]:
                _remove(path)
            raise

        # From here on the journal lets the next build finish what a kill interrupts.
        try:
            for name, _, _ in outputs:
                os.replace(temporaries[name], self.folder / name)
                done.written.append(self.folder / name)
            os.replace(manifest_temporary, self.manifest_path)
            _sync_folder(self.folder)
            os.unlink(self.journal_path)
            _sync_folder(self.folder)
        except OSError as exc:
            raise _plain_error("replacing files in", self.folder, exc) from None
        self._manifest = {"files": entries, "style_checks": checks}
        self._damaged = False
        return done

    def _merged_style_checks(self) -> list[str]:
        """This build's passed checks first, then those recorded before, at most MAX_STYLE_CHECKS."""
        merged = dict.fromkeys([*self._style_checks, *self.manifest.get("style_checks", ())])
        return list(merged)[:MAX_STYLE_CHECKS]

    def _write_temporary(self, name: str, data: bytes) -> Path:
        """`data` in a new temporary file beside `name`, synced to disk."""
        fd, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=self.folder)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(temporary, 0o644)
        except BaseException:
            _remove(Path(temporary))
            raise
        return Path(temporary)

    def _write_journal(self, journal: dict) -> None:
        temporary = self._write_temporary(JOURNAL, _record_bytes(journal))
        try:
            os.replace(temporary, self.journal_path)
        except BaseException:
            _remove(temporary)
            raise
        _sync_folder(self.folder)

    # ------------------------------------------------------------------ recovery

    def _finish_interrupted_build(self) -> None:
        """A journal left by a killed build: complete the renames it lists (a file someone
        changed since is left alone) and record what is now in place."""
        journal, problem = self._read_record(self.journal_path)
        if journal is None and problem is None:
            return
        files = journal.get("files") if journal else None
        entries = _journal_entries(files) if isinstance(files, list) else None
        if entries is None:
            self.notes.append(f"ignored {display_path(self.journal_path)}: {problem or 'not a journal briefpack wrote'}")
            _remove(self.journal_path)
            return
        finished, left = [], []
        record = self.manifest["files"]
        for entry in entries:
            name, temporary = entry["name"], self.folder / entry["temporary"]
            kind, value = self._on_disk(name)
            temporary_there = os.path.lexists(temporary) and stat.S_ISREG(os.lstat(temporary).st_mode)
            if kind == "file" and value == entry["sha256"]:
                record[name] = {"sha256": entry["sha256"], "fingerprint": entry["fingerprint"]}
                finished.append(name)
            elif temporary_there and (kind == "missing" or (kind == "file" and value == entry["previous"])):
                try:
                    os.replace(temporary, self.folder / name)
                except OSError as exc:
                    raise _plain_error("finishing an interrupted build in", self.folder, exc) from None
                record[name] = {"sha256": entry["sha256"], "fingerprint": entry["fingerprint"]}
                finished.append(name)
            else:
                left.append(name)
            _remove(temporary)
        try:
            self._replace_manifest()
        except OSError as exc:
            raise _plain_error("finishing an interrupted build in", self.folder, exc) from None
        manifest_temporary = journal.get("manifest")
        if isinstance(manifest_temporary, str) and _plain_name(manifest_temporary) and _TEMPORARY.match(manifest_temporary):
            _remove(self.folder / manifest_temporary)
        _remove(self.journal_path)
        _sync_folder(self.folder)
        if finished:
            self.notes.append(f"finished writing {', '.join(finished)}, left by an interrupted build")
        if left:
            self.notes.append(f"an interrupted build did not replace {', '.join(left)}: changed since")

    def _replace_manifest(self) -> None:
        temporary = self._write_temporary(MANIFEST, _record_bytes(self.manifest))
        try:
            os.replace(temporary, self.manifest_path)
        except BaseException:
            _remove(temporary)
            raise

    def _remove_stale_temporaries(self, since: float) -> None:
        """Temporary files of ours that a killed build left (we hold the lock: nobody else is
        writing; only files older than the lock are taken)."""
        removed = 0
        try:
            names = os.listdir(self.folder)
        except OSError:
            return
        for name in names:
            if not _TEMPORARY.match(name):
                continue
            path = self.folder / name
            try:
                info = os.lstat(path)
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode) and info.st_mtime <= since:
                _remove(path)
                removed += 1
        if removed:
            self.notes.append(f"removed {removed} temporary file(s) left by an interrupted build")


def _style_checks(value: dict | None) -> list[str]:
    """The manifest's passed style checks: digests only, at most MAX_STYLE_CHECKS; anything
    else in their place is ignored."""
    checks = value.get("style_checks") if isinstance(value, dict) else None
    if not isinstance(checks, list):
        return []
    return [c for c in checks[:MAX_STYLE_CHECKS] if isinstance(c, str) and _HEX64.match(c)]


def _journal_entries(files: list) -> list[dict] | None:
    """The journal's entries, if every one is well formed and names files of this folder only."""
    entries = []
    for entry in files:
        if not isinstance(entry, dict):
            return None
        name, temporary = entry.get("name"), entry.get("temporary")
        new, previous, fingerprint = entry.get("sha256"), entry.get("previous"), entry.get("fingerprint")
        if not (isinstance(name, str) and _plain_name(name) and not name.startswith(".")):
            return None
        match = _TEMPORARY.match(temporary) if isinstance(temporary, str) and _plain_name(temporary) else None
        if match is None or match.group("name") != name:
            return None
        if not (isinstance(new, str) and _HEX64.match(new)) or not (previous is None or (isinstance(previous, str) and _HEX64.match(previous))):
            return None
        entries.append({"name": name, "temporary": temporary, "sha256": new, "previous": previous, "fingerprint": str(fingerprint or "")})
    return entries


def _plain_name(name: str) -> bool:
    """A file name of this folder: no separators, not '.' or '..', no NUL."""
    return bool(name) and "/" not in name and "\\" not in name and "\0" not in name and name not in (".", "..") and len(name) < 256


def _nesting(data: bytes) -> int:
    """How deep the brackets of JSON `data` nest, ignoring strings (a cheap bound before parsing)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_RECORD_DEPTH:
                    return deepest
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def _record_bytes(value: dict) -> bytes:
    return json.dumps(value, indent=2, sort_keys=True).encode("utf-8")


def _remove(path: Path | None) -> None:
    if path is None:
        return
    with contextlib.suppress(OSError):
        os.unlink(path)


def _sync_folder(folder: Path) -> None:
    """Make renames in `folder` durable (where the system allows a folder to be synced)."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
