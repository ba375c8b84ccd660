"""SVG → PNG, for the picture Word shows where it cannot draw SVG (and LibreOffice always).

python-docx embeds raster images only; the DOCX keeps the SVG itself too (Word 2016+ draws it),
with this PNG as the fallback every Word client understands. cairosvg runs with `unsafe=False`:
it resolves no XML entities and fetches nothing but `data:` URLs, so an SVG cannot make us read
a file or touch the network.
"""

from __future__ import annotations


class RasterError(Exception):
    pass


def svg_to_png(data: bytes, width_px: int) -> bytes:
    try:
        import cairosvg
    except (ImportError, OSError) as exc:  # OSError: libcairo missing from the system
        raise RasterError(f"cannot convert SVG to PNG: {exc}") from None
    try:
        return cairosvg.svg2png(bytestring=data, output_width=max(1, width_px), unsafe=False)
    except Exception as exc:  # cairosvg raises many types for broken SVG
        raise RasterError(f"cannot convert SVG to PNG: {exc}") from None
