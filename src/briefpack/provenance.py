"""What a briefpack DOCX records about the sources it was built from, and reading it back.

The DOCX writer stores, in the document's custom properties (`docProps/custom.xml`), a marker
that briefpack built the file, the pack and edition, and the texts of pack.yaml and of every
section file of the edition — so `briefpack absorb` can compare a reviewed DOCX with exactly what
it was built from, three-way, on any machine, with no local state. Custom properties survive
Word and LibreOffice re-saves (LibreOffice drops unknown zip parts and content-control tags).

The texts travel as one zlib stream (deterministic: the same texts give the same bytes), in
base64, cut into properties of at most 255 characters (Word's limit for a text property), with
a SHA-256 per file to check the reassembly. Only the edition's own sections travel: a topic
pack never carries the text of sections its readers were not meant to get.

Reading is for untrusted input (a DOCX from anyone): sizes are capped before decompressing,
every field is type-checked, paths are limited to `pack.yaml` and `sections/*.md`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import zlib
from dataclasses import dataclass, field

MARKER = "briefpack"  # property name; its value is the format version
FORMAT = "1"
CHUNK = 255  # Word's limit for a custom property's text
CHUNK_PREFIX = "briefpack.sources."
MAX_ENCODED = 48 * 1024 * 1024  # base64 characters over all chunks
MAX_DECODED = 64 * 1024 * 1024  # bytes of JSON after decompression
_PATH = re.compile(r"^(pack\.yaml|sections/[^/\\\x00]+\.md)$")


class ProvenanceError(Exception):
    """The DOCX's record of its sources is missing or damaged (message for the user)."""


@dataclass(frozen=True)
class Provenance:
    pack: str  # the pack's slug
    title: str  # the pack's title
    edition: str  # output file stem, e.g. "itu-pp-2014-cybersecurity"
    topics: tuple[str, ...]  # topic ids; empty for the full pack
    version: str  # briefpack's version
    files: dict[str, str] = field(default_factory=dict)  # "pack.yaml", "sections/x.md" → text
    language: str | None = None  # the edition's language (a translated edition's sections are its files)

    def encoded(self) -> bytes:
        return json.dumps({
            "format": FORMAT, "pack": self.pack, "title": self.title, "edition": self.edition,
            "topics": list(self.topics), "version": self.version, "language": self.language,
            "files": {path: {"sha256": _sha(text), "text": text} for path, text in sorted(self.files.items())},
        }, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def of_edition(edition, version: str) -> Provenance:
    """The record of an edition: pack.yaml and the texts of its own sections."""
    pack = edition.pack
    files = {}
    if "pack.yaml" in pack.texts:
        files["pack.yaml"] = pack.texts["pack.yaml"]
    for section in edition.sections:
        # a translation travels with its original, which the loader reads it against
        for source in (getattr(section, "original", None), section):
            if source is None:
                continue
            relative = source.path.relative_to(pack.root).as_posix()
            if relative in pack.texts:
                files[relative] = pack.texts[relative]
    return Provenance(
        pack=pack.meta.slug, title=pack.meta.title, edition=edition.name,
        topics=tuple(t.id for t in edition.topics), version=version, files=files,
        language=getattr(edition, "language", None) or pack.meta.language,
    )


def to_properties(record: Provenance) -> list[tuple[str, str]]:
    """(name, value) pairs in a fixed order, every value at most `CHUNK` characters."""
    blob = base64.b64encode(zlib.compress(record.encoded(), 9)).decode("ascii")
    chunks = [blob[i:i + CHUNK] for i in range(0, len(blob), CHUNK)]
    props = [
        (MARKER, FORMAT),
        ("briefpack.pack", record.pack[:CHUNK]),
        ("briefpack.edition", record.edition[:CHUNK]),
        ("briefpack.version", record.version[:CHUNK]),
        (CHUNK_PREFIX + "count", str(len(chunks))),
        (CHUNK_PREFIX + "sha256", hashlib.sha256(blob.encode("ascii")).hexdigest()),
    ]
    props += [(f"{CHUNK_PREFIX}{i:05d}", chunk) for i, chunk in enumerate(chunks)]
    return props


def is_briefpack(props: dict[str, str]) -> bool:
    return MARKER in props


def from_properties(props: dict[str, str]) -> Provenance:
    """The record, checked; `ProvenanceError` says what is wrong."""
    if MARKER not in props:
        raise ProvenanceError("this DOCX was not built by briefpack (it has no briefpack document properties)")
    if props[MARKER] != FORMAT:
        raise ProvenanceError(f"this DOCX records its sources in format {props[MARKER]!r}, which this briefpack does not read: update briefpack")
    try:
        count = int(props.get(CHUNK_PREFIX + "count", ""))
    except ValueError:
        raise ProvenanceError("the DOCX's record of its sources is damaged (no chunk count)") from None
    if not 0 < count <= MAX_ENCODED // CHUNK + 1:
        raise ProvenanceError("the DOCX's record of its sources is damaged (impossible chunk count)")
    parts = []
    total = 0
    for i in range(count):
        chunk = props.get(f"{CHUNK_PREFIX}{i:05d}")
        if chunk is None:
            raise ProvenanceError(f"the DOCX's record of its sources is incomplete (part {i + 1} of {count} is missing)")
        total += len(chunk)
        if total > MAX_ENCODED:
            raise ProvenanceError("the DOCX's record of its sources is too large")
        parts.append(chunk)
    blob = "".join(parts)
    if hashlib.sha256(blob.encode("utf-8")).hexdigest() != props.get(CHUNK_PREFIX + "sha256"):
        raise ProvenanceError("the DOCX's record of its sources is damaged (its checksum does not match)")
    try:
        packed = base64.b64decode(blob, validate=True)
        inflater = zlib.decompressobj()
        raw = inflater.decompress(packed, MAX_DECODED + 1)
        if len(raw) > MAX_DECODED or inflater.unconsumed_tail:
            raise ProvenanceError("the DOCX's record of its sources is too large once unpacked")
        data = json.loads(raw.decode("utf-8"))
    except (binascii.Error, zlib.error, UnicodeDecodeError, ValueError) as exc:
        if isinstance(exc, ProvenanceError):
            raise
        raise ProvenanceError(f"the DOCX's record of its sources cannot be read ({type(exc).__name__})") from None
    return _checked(data)


def _checked(data) -> Provenance:
    def text(key: str, value) -> str:
        if not isinstance(value, str):
            raise ProvenanceError(f"the DOCX's record of its sources is damaged ('{key}' is not text)")
        return value

    if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
        raise ProvenanceError("the DOCX's record of its sources is damaged (no files)")
    topics = data.get("topics")
    if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
        raise ProvenanceError("the DOCX's record of its sources is damaged ('topics')")
    files = {}
    for path, entry in data["files"].items():
        if not isinstance(path, str) or not _PATH.match(path) or ".." in path.split("/"):
            raise ProvenanceError(f"the DOCX's record of its sources names a file briefpack never writes: {path!r}")
        if not isinstance(entry, dict):
            raise ProvenanceError(f"the DOCX's record of its sources is damaged ({path})")
        body = text(path, entry.get("text"))
        if _sha(body) != entry.get("sha256"):
            raise ProvenanceError(f"the DOCX's record of its sources is damaged ({path} does not match its checksum)")
        files[path] = body
    if "pack.yaml" not in files:
        raise ProvenanceError("the DOCX's record of its sources has no pack.yaml")
    language = data.get("language")
    return Provenance(
        pack=text("pack", data.get("pack")), title=text("title", data.get("title")),
        edition=text("edition", data.get("edition")), topics=tuple(topics),
        version=text("version", data.get("version")), files=files,
        language=language if isinstance(language, str) else None,
    )


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
