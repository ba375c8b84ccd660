"""Regenerate the pictures under docs/ from the sample pack (needs LibreOffice and pdftoppm).

    .venv/bin/python scripts/make_docs_images.py

- docs/pdf-cover.png, docs/pdf-contents.png, docs/pdf-footnotes.png: pages of the PDF pack;
- docs/docx-page.png: the same body page of the DOCX pack as LibreOffice prints it;
- docs/pdf-vs-docx.png: the two side by side;
- docs/ar-pdf-vs-docx.png: the same for the Arabic pack (right to left), PDF and DOCX side by side.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
sys.path.insert(0, str(REPO / "src"))

from briefpack.build import build_pack  # noqa: E402


def page_png(pdf: Path, page: int, out: Path, dpi: int = 80) -> Path:
    """Page `page` (1-based) of `pdf` as a PNG."""
    stem = out.with_suffix("")
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-singlefile", "-f", str(page), "-l", str(page), str(pdf), str(stem)], check=True)
    return stem.with_suffix(".png")


def page_with(pdf: Path, needle: str) -> int:
    for i, page in enumerate(PdfReader(pdf).pages, start=1):
        text = subprocess.run(["pdftotext", "-f", str(i), "-l", str(i), str(pdf), "-"], capture_output=True, text=True).stdout
        if needle in text or needle in (page.extract_text() or ""):
            return i
    raise SystemExit(f"{pdf.name}: no page holds {needle!r}")


def docx_to_pdf(docx: Path, outdir: Path) -> Path:
    profile = Path(tempfile.mkdtemp(prefix="lo-profile-"))
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf", "--outdir", str(outdir), str(docx)],
        check=True, capture_output=True, timeout=180,
    )
    return outdir / (docx.stem + ".pdf")


def side_by_side(left: Path, right: Path, out: Path, labels: tuple[str, str]) -> None:
    a, b = Image.open(left).convert("RGB"), Image.open(right).convert("RGB")
    height = max(a.height, b.height)
    a = a.resize((round(a.width * height / a.height), height))
    b = b.resize((round(b.width * height / b.height), height))
    gap, band = 24, 34
    sheet = Image.new("RGB", (a.width + b.width + 3 * gap, height + band + gap), (236, 239, 243))
    sheet.paste(a, (gap, band))
    sheet.paste(b, (2 * gap + a.width, band))
    draw = ImageDraw.Draw(sheet)
    try:
        font = ImageFont.truetype("DejaVuSans.ttf", 16)
    except OSError:
        font = ImageFont.load_default()
    draw.text((gap, 8), labels[0], fill=(30, 40, 60), font=font)
    draw.text((2 * gap + a.width, 8), labels[1], fill=(30, 40, 60), font=font)
    sheet.save(out, optimize=True)


def main() -> None:
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1412121600")
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        result = build_pack(REPO / "sources", tmpdir, topics=["cybersecurity"], formats=("pdf", "docx"))
        pdf = next(p for p in result.written if p.suffix == ".pdf")
        docx = next(p for p in result.written if p.suffix == ".docx")
        lo_pdf = docx_to_pdf(docx, tmpdir / "lo")
        DOCS.mkdir(exist_ok=True)
        page_png(pdf, 1, DOCS / "pdf-cover.png")
        page_png(pdf, 2, DOCS / "pdf-contents.png")
        needle = "Two questions sit at the heart"  # body text of the Cybersecurity section
        page_png(pdf, page_with(pdf, needle), DOCS / "pdf-footnotes.png")
        page_png(lo_pdf, page_with(lo_pdf, needle), DOCS / "docx-page.png")
        side_by_side(DOCS / "pdf-footnotes.png", DOCS / "docx-page.png", DOCS / "pdf-vs-docx.png",
                     ("PDF (WeasyPrint)", "DOCX as LibreOffice prints it"))

        arabic = build_pack(REPO / "sources", tmpdir / "ar", topics=["cybersecurity"], languages=["ar"], formats=("pdf", "docx"))
        ar_pdf = next(p for p in arabic.written if p.suffix == ".pdf")
        ar_docx = next(p for p in arabic.written if p.suffix == ".docx")
        ar_lo = docx_to_pdf(ar_docx, tmpdir / "lo-ar")
        needle = "X.1205"  # the Cybersecurity section's first page: quotation, heading, footnote
        pdf_page = page_png(ar_pdf, page_with(ar_pdf, needle), tmpdir / "ar-pdf.png")
        docx_page = page_png(ar_lo, page_with(ar_lo, needle), tmpdir / "ar-docx.png")
        side_by_side(pdf_page, docx_page, DOCS / "ar-pdf-vs-docx.png",
                     ("Arabic pack: PDF (WeasyPrint)", "Arabic pack: DOCX as LibreOffice prints it"))
    for name in ("pdf-cover.png", "pdf-contents.png", "pdf-footnotes.png", "docx-page.png", "pdf-vs-docx.png", "ar-pdf-vs-docx.png"):
        print(DOCS / name)


if __name__ == "__main__":
    main()
