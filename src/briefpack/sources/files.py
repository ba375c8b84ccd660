"""Every file briefpack reads goes through here: section texts, images, annexes, style folders.

The rules live in one place: a file must resolve (symlinks followed) inside its root folder, be
of a sane size, be UTF-8 text where text is expected, and really be the kind of file its name
claims. Failures are `ResourceProblem`s with a message a user can act on.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

from ..model import Resource
from ..style import DEFAULT_STYLE_DIR, Style

MAX_TEXT_BYTES = 2 * 1024 * 1024  # ~600 printed pages: beyond that a build would take minutes; split the section
MAX_IMAGE_BYTES = 25 * 1024 * 1024
MAX_ANNEX_BYTES = 100 * 1024 * 1024
MAX_STYLE_BYTES = 50 * 1024 * 1024

# Characters XML 1.0 (and so Word) cannot hold; tab and newline are fine.
CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")

IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml"}


class ResourceProblem(Exception):
    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


def resolve_inside(root: Path, relative: str | Path, base: Path | None = None) -> Path:
    """`relative` (to `base`, default `root`) resolved with symlinks; refused if outside `root`."""
    rel = Path(relative)
    if rel.is_absolute():
        raise ResourceProblem(f"absolute paths are not allowed ('{relative}'): use a path relative to the section file")
    candidate = ((base or root) / rel).resolve()
    root_resolved = root.resolve()
    if candidate != root_resolved and root_resolved not in candidate.parents:
        raise ResourceProblem(f"'{relative}' points outside the sources folder {root}")
    return candidate


def read_text(path: Path) -> str:
    """A UTF-8 source file (pack.yaml, a section). Refuses binary and oversized files."""
    try:
        size = path.stat().st_size
        if size > MAX_TEXT_BYTES:
            raise ResourceProblem(
                f"file is {size / 1048576:.1f} MB; the limit for one source file is "
                f"{MAX_TEXT_BYTES // 1048576} MB — split it into several sections"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise ResourceProblem(f"cannot read the file: {exc.strerror or exc}") from None
    return check_text(data)


def check_text(data: bytes) -> str:
    """The rules of `read_text` for text that arrives in memory (the sources a DOCX carries):
    size, no binary, UTF-8, no control characters; line ends made `\\n`."""
    if len(data) > MAX_TEXT_BYTES:
        raise ResourceProblem(
            f"text is {len(data) / 1048576:.1f} MB; the limit for one source file is {MAX_TEXT_BYTES // 1048576} MB"
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


def read_image(path: Path) -> Resource:
    """An image to embed: PNG, JPEG or SVG, checked to be what its name says."""
    if path.suffix.lower() not in IMAGE_TYPES:
        raise ResourceProblem(f"'{path.name}': images must be PNG, JPEG or SVG")
    return read_image_bytes(path, _read_bytes(path, MAX_IMAGE_BYTES, "image"))


def read_image_bytes(path: Path, data: bytes) -> Resource:
    """Check that `data` is the image its name `path` claims (PNG, JPEG or SVG)."""
    media_type = IMAGE_TYPES.get(path.suffix.lower())
    if media_type is None:
        raise ResourceProblem(f"'{path.name}': images must be PNG, JPEG or SVG")
    width = height = None
    if media_type == "image/svg+xml":
        head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        if not head.startswith(b"<") or b"<svg" not in data[:65536].lower():
            raise ResourceProblem(f"'{path.name}' is not an SVG image")
        width, height = svg_size(data)
    else:
        from PIL import Image as PILImage, UnidentifiedImageError  # WeasyPrint's own dependency

        try:
            with PILImage.open(io.BytesIO(data)) as img:
                actual = PILImage.MIME.get(img.format or "", "")
                img.verify()
                width, height = img.size
        except UnidentifiedImageError:
            raise ResourceProblem(f"'{path.name}' is not a readable PNG or JPEG image: re-export it from an image editor") from None
        except (OSError, SyntaxError, ValueError) as exc:
            raise ResourceProblem(f"'{path.name}' is a damaged image ({exc}): re-export it from an image editor") from None
        if actual != media_type:
            raise ResourceProblem(f"'{path.name}' claims to be {media_type} but is {actual or 'something else'}")
    return Resource(path=path, data=data, media_type=media_type, width=width, height=height)


def svg_size(data: bytes) -> tuple[int | None, int | None]:
    """Intrinsic size of an SVG from its root element: the viewBox, else width/height in px."""
    root = re.search(rb"<svg\b[^>]*>", data[:65536], re.S)
    if root:
        tag = root.group(0).decode("utf-8", "replace")
        box = re.search(r'viewBox\s*=\s*["\']\s*[-\d.]+[\s,]+[-\d.]+[\s,]+([\d.]+)[\s,]+([\d.]+)', tag)
        if box and float(box.group(1)) > 0 and float(box.group(2)) > 0:
            return round(float(box.group(1))), round(float(box.group(2)))
        w = re.search(r'\swidth\s*=\s*["\']([\d.]+)(px)?["\']', tag)
        h = re.search(r'\sheight\s*=\s*["\']([\d.]+)(px)?["\']', tag)
        if w and h and float(w.group(1)) > 0 and float(h.group(1)) > 0:
            return round(float(w.group(1))), round(float(h.group(1)))
    return None, None


def read_document(path: Path, limit: int) -> bytes:
    """A document the user names on the command line (a DOCX to absorb), with a size cap."""
    return _read_bytes(path, limit, "document")


def read_annex(path: Path) -> Resource:
    data = _read_bytes(path, MAX_ANNEX_BYTES, "annex")
    if not data.startswith(b"%PDF-"):
        raise ResourceProblem(f"'{path.name}' is not a PDF file")
    return Resource(path=path, data=data, media_type="application/pdf")


def _read_bytes(path: Path, limit: int, what: str) -> bytes:
    try:
        if not path.is_file():
            if path.exists():
                raise ResourceProblem(f"'{path.name}' is not a file")
            raise ResourceProblem(f"{what} file not found{_similar_name(path)}")
        size = path.stat().st_size
        if size > limit:
            raise ResourceProblem(f"{what} '{path.name}' is {size / 1048576:.1f} MB; the limit is {limit // 1048576} MB")
        return path.read_bytes()
    except OSError as exc:
        raise ResourceProblem(f"cannot read {what} '{path.name}': {exc.strerror or exc}") from None


def _similar_name(path: Path) -> str:
    """' (did you mean 'rainfall.png', in the same folder?)' when a file of a close name sits there."""
    import difflib

    try:
        names = [p.name for p in path.parent.iterdir() if p.is_file()]
    except OSError:
        return ""
    close = difflib.get_close_matches(path.name, names, n=1, cutoff=0.7)
    return f" (did you mean '{close[0]}', in the same folder?)" if close else ""


def list_sections(folder: Path) -> list[Path]:
    """The section files of a pack: `sections/*.md`, sorted by name (hidden files skipped)."""
    return sorted(p for p in folder.glob("*.md") if not p.name.startswith("."))


def load_style(folder: Path | None = None) -> Style:
    """Read a style folder into memory (CSS, templates, reference.docx, fonts)."""
    root = (folder or DEFAULT_STYLE_DIR).resolve()
    if not root.is_dir():
        raise ResourceProblem(f"style folder not found: {folder}")
    files: dict[str, bytes] = {}
    total = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "__")))
        for name in sorted(filenames):
            if name.startswith(".") or name.endswith((".pyc",)):
                continue
            path = Path(dirpath) / name
            if root not in path.resolve().parents:
                continue  # a symlink leading out of the style folder is ignored
            data = path.read_bytes()
            total += len(data)
            if total > MAX_STYLE_BYTES:
                raise ResourceProblem(f"style folder {root} holds more than {MAX_STYLE_BYTES // 1048576} MB")
            files[path.relative_to(root).as_posix()] = data
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
