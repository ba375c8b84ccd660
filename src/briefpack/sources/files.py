"""The one door through which briefpack reads a file: section texts, pack.yaml, images, annexes,
style folders (and, later, translations and DOCX files given back to briefpack).

Every read names a *root* folder and a path relative to it, and goes through the same rules:

- the path, with every symlink followed, must resolve inside the root (`..`, absolute paths and
  links leading out are refused);
- only a regular file is read: a FIFO, a device (`/dev/zero`), a socket or a folder is refused
  without being read (it is opened non-blocking, without following a last-moment symlink, and
  the *opened* descriptor is checked with `fstat`);
- a size cap applies to what is read (at most cap + 1 bytes), not to what `stat` says;
- text must be UTF-8 with no control character XML cannot hold.

The API:

    read_source_bytes(root, relative, limit=…, what=…, base=None) -> bytes
    read_source_text(root, relative, base=None) -> str            # check_text's rules
    check_text(data) -> str                                       # the text rules, for bytes in memory
    source_folder(root, relative) -> Path                         # a folder inside root (sections/)
    resolve_inside(root, relative, base=None) -> Path             # the check alone
    load_style(folder) -> Style                                   # a style folder, every file by the door

`relative` is a `str` or `Path` relative to `base` (default: `root`; a file found by listing a
folder is passed as `path.relative_to(root)`); absolute paths are refused. Failures are
`ResourceProblem`s (a message a user can act on, and a line when the problem is inside the file).
"""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path

from ..errors import Problem, SourceError
from ..style import DEFAULT_STYLE_DIR, Style

MAX_TEXT_BYTES = 2 * 1024 * 1024  # ~600 printed pages: beyond that a build would take minutes; split the section
MAX_IMAGE_BYTES = 25 * 1024 * 1024
MAX_ANNEX_BYTES = 100 * 1024 * 1024
MAX_STYLE_BYTES = 50 * 1024 * 1024

# Characters XML 1.0 (and so Word) cannot hold; tab and newline are fine.
CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
# Line and paragraph separators and NEL (pasted from word processors): editors do not count
# them as line ends, and WeasyPrint trips on them; they are read as spaces, so line numbers stay
# right and nothing breaks a line where the author saw none.
SEPARATORS = re.compile("[\u0085\u2028\u2029]")

_READ_CHUNK = 1024 * 1024


class ResourceProblem(Exception):
    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


class TooLarge(ResourceProblem):
    """A file holds more bytes than its cap (counted as read)."""


def resolve_inside(root: Path, relative: str | Path, base: Path | None = None) -> Path:
    """`relative` (to `base`, default `root`) resolved with symlinks; refused if outside `root`."""
    root_resolved = Path(root).resolve()
    rel = Path(relative)
    if rel.is_absolute():
        raise ResourceProblem(f"absolute paths are not allowed ('{relative}'): use a path relative to the section file")
    try:
        candidate = ((base or root_resolved) / rel).resolve()
    except (OSError, RuntimeError, ValueError) as exc:  # RuntimeError: a symlink loop (Python < 3.13)
        raise ResourceProblem(f"'{relative}' cannot be resolved ({exc})") from None
    if candidate != root_resolved and root_resolved not in candidate.parents:
        link = _first_link(root_resolved, base or root_resolved, rel)
        if link is not None:
            raise ResourceProblem(f"'{relative}' is a link to a file outside the sources folder ({candidate}): copy the file into the folder instead")
        raise ResourceProblem(f"'{relative}' points outside the sources folder {root}")
    return candidate


def _first_link(root: Path, base: Path, rel: Path) -> Path | None:
    """The first symlink on the way from `base` to `rel` (for a clearer message), if any."""
    current = base
    for part in rel.parts:
        current = current / part
        if current.is_symlink():
            return current
    return None


def source_folder(root: Path, relative: str | Path) -> Path:
    """A folder inside `root` (e.g. `sections`), resolved; refused if it leads outside or is no folder."""
    path = resolve_inside(root, relative)
    if not path.is_dir():
        if path.exists():
            raise ResourceProblem(f"'{relative}' is not a folder")
        raise ResourceProblem(f"no {relative}/ folder")
    return path


def read_source_bytes(
    root: Path, relative: str | Path, *, limit: int, what: str = "file", base: Path | None = None
) -> bytes:
    """The bytes of a regular file inside `root`, at most `limit` of them (else refused)."""
    path = resolve_inside(root, relative, base)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    flags |= getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise ResourceProblem(f"{what} file not found{_similar_name(path)}") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # swapped for a symlink since it was resolved
            raise ResourceProblem(f"'{path.name}' changed into a link while it was being read") from None
        raise ResourceProblem(f"cannot read {what} '{path.name}': {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ResourceProblem(f"'{path.name}' is {_kind(info.st_mode)}, not a file: only regular files are read")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(_READ_CHUNK, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise ResourceProblem(f"cannot read {what} '{path.name}': {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if size > limit:
        raise TooLarge(f"'{path.name}' is larger than {_megabytes(limit)}, the limit for one {what} file")
    return b"".join(chunks)


def read_source_text(root: Path, relative: str | Path, *, base: Path | None = None) -> str:
    """A UTF-8 source file (pack.yaml, a section) under `check_text`'s rules."""
    try:
        data = read_source_bytes(root, relative, limit=MAX_TEXT_BYTES, what="source", base=base)
    except TooLarge:  # a section: say what to do about it
        raise TooLarge(
            f"the file is larger than {_megabytes(MAX_TEXT_BYTES)}, the limit for one source file: split it into several sections"
        ) from None
    return check_text(data)


def check_text(data: bytes) -> str:
    """The rules for source text, for bytes from a file or from memory: size, not binary, UTF-8,
    no control character; line ends made `\\n`. (Line and paragraph separators are kept: the
    loader reads them as spaces when it parses, see `SEPARATORS`; absorb writes them back.)"""
    if len(data) > MAX_TEXT_BYTES:
        raise ResourceProblem(
            f"text is {len(data) / 1048576:.1f} MB; the limit for one source file is {_megabytes(MAX_TEXT_BYTES)}: split it"
        )
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise ResourceProblem("this is a binary file, not Markdown text: remove it from the folder", line)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ResourceProblem(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x}): save the file as UTF-8", line
        ) from None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    bad = CONTROL_CHARS.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        raise ResourceProblem(
            f"contains the control character U+{ord(bad.group()):04X}, which no document can hold: delete it", line
        )
    return text


def list_sections(folder: Path) -> list[Path]:
    """The section files of a pack: `sections/*.md`, sorted by name (hidden files skipped). Each
    is then read through `read_source_text`, which applies the rules to every one of them."""
    return sorted(p for p in folder.glob("*.md") if not p.name.startswith("."))


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _megabytes(limit: int) -> str:
    return f"{limit / 1048576:g} MB"


def read_document(path: Path, limit: int) -> bytes:
    """A document the user names on the command line (a DOCX to absorb): through the same door,
    with the folder it is in as root (a link the user named is followed: they chose it), so it
    too must be a regular file, and its cap applies to what is read."""
    try:
        resolved = Path(path).resolve()
    except (OSError, RuntimeError, ValueError) as exc:
        raise ResourceProblem(f"'{path}' cannot be resolved ({exc})") from None
    return read_source_bytes(resolved.parent, resolved.name, limit=limit, what="document")


def _similar_name(path: Path) -> str:
    """' (did you mean 'rainfall.png', in the same folder?)' when a file of a close name sits there."""
    import difflib

    try:
        names = [p.name for p in path.parent.iterdir() if p.is_file()]
    except OSError:
        return ""
    close = difflib.get_close_matches(path.name, names, n=1, cutoff=0.7)
    return f" (did you mean '{close[0]}', in the same folder?)" if close else ""


# ------------------------------------------------------------------------------ style folders


def load_style(folder: Path | None = None) -> Style:
    """Read a style folder into memory (CSS, templates, reference.docx, fonts), every file through
    the door above with the style folder as root. Raises `SourceError` naming each file it
    refuses (a link leading out of the folder, a FIFO, the folder too large)."""
    given = folder or DEFAULT_STYLE_DIR
    try:
        root = Path(given).resolve()
    except (OSError, RuntimeError) as exc:
        raise SourceError([Problem(Path(given), None, f"style folder cannot be read ({exc})")]) from None
    if not root.is_dir():
        raise SourceError([Problem(Path(given), None, "style folder not found")])
    files: dict[str, bytes] = {}
    problems: list[Problem] = []
    total = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "__")))
        for name in [*dirnames, *sorted(filenames)]:
            if name.startswith(".") or name.endswith(".pyc"):
                continue
            path = Path(dirpath) / name
            relative = path.relative_to(root)
            is_dir = name in dirnames
            try:
                if is_dir:
                    if path.is_symlink():
                        resolve_inside(root, relative)  # a link to a folder inside is not followed, and harmless
                    continue
                data = read_source_bytes(root, relative, limit=MAX_STYLE_BYTES, what="style")
            except ResourceProblem as exc:
                problems.append(Problem(path, None, exc.message.replace("sources folder", "style folder")))
                continue
            total += len(data)
            if total > MAX_STYLE_BYTES:
                raise SourceError([Problem(root, None, f"the style folder holds more than {_megabytes(MAX_STYLE_BYTES)}")])
            files[relative.as_posix()] = data
    if problems:
        raise SourceError(problems)
    return Style(root=root, files=files)


def write_texts(root: Path, texts: dict[str, str]) -> list[Path]:
    """Replace source files inside `root` (paths relative to it) with new texts — all of them
    or none: every new text is written to a temporary file beside its target first, then each
    is renamed into place; if a rename fails, the files already replaced get their old bytes
    back. A file keeps its line endings (CRLF stays CRLF), byte-order mark and permissions.
    Only files that exist are replaced: this never creates a file."""
    import tempfile

    plans = []  # (target, temporary, old bytes)
    try:
        for relative, text in texts.items():
            target = resolve_inside(root, relative)
            if not target.is_file():
                raise ResourceProblem(f"'{relative}' is not a file in {root}")
            old = target.read_bytes()
            data = text.replace("\n", "\r\n") if b"\r\n" in old else text
            raw = data.encode("utf-8")
            if old.startswith(b"\xef\xbb\xbf"):
                raw = b"\xef\xbb\xbf" + raw
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            plans.append((target, Path(tmp), old))
            with os.fdopen(fd, "wb") as fh:
                fh.write(raw)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, target.stat().st_mode & 0o7777)
    except BaseException:
        for _, tmp, _ in plans:
            tmp.unlink(missing_ok=True)
        raise
    done = []
    try:
        for target, tmp, old in plans:
            os.replace(tmp, target)
            done.append((target, old))
    except BaseException:
        for target, old in done:  # put back what was already replaced
            with open(target, "wb") as fh:
                fh.write(old)
        for _, tmp, _ in plans:
            tmp.unlink(missing_ok=True)
        raise
    return [target for target, _, _ in plans]
