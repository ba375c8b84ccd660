"""SVG → PNG, for the picture Word shows where it cannot draw SVG (and LibreOffice always).

python-docx embeds raster images only; the DOCX keeps the SVG itself too (Word 2016+ draws it),
with this PNG as the fallback every Word client understands. cairosvg runs with `unsafe=False`:
it resolves no XML entities and fetches nothing but `data:` URLs, so an SVG cannot make us read
a file or touch the network.
"""

from __future__ import annotations


class RasterError(Exception):
    pass


#: The longest side of the fallback picture, in pixels: a 1 × 1,000 SVG must not become a
#: 1,600 × 1,600,000 bitmap.
MAX_SIDE = 4000


def svg_to_png(data: bytes, width_px: int, aspect: float) -> bytes:
    """`data` (an SVG the loader checked, see sources.svg) as a PNG `width_px` wide, both sides
    at most `MAX_SIDE`. cairosvg is given the width alone (and keeps the SVG's proportions
    exactly) only when the SVG's own proportions are unambiguous and fit; otherwise both sides,
    from `aspect` (height/width, as the DOCX frames the picture), so cairosvg never derives a
    huge side from the SVG."""
    try:
        import cairosvg
    except (ImportError, OSError) as exc:  # OSError: libcairo missing from the system
        raise RasterError(f"cannot convert SVG to PNG: {exc}") from None
    from ...sources.svg import natural_aspect

    width = max(1, width_px)
    natural = natural_aspect(data)
    if natural is not None and width * natural <= MAX_SIDE and width <= MAX_SIDE:
        size = {"output_width": width}
    else:
        height = max(1.0, width * (natural or aspect))
        scale = min(1.0, MAX_SIDE / max(width, height))
        size = {"output_width": max(1, round(width * scale)), "output_height": max(1, round(height * scale))}
    try:
        return cairosvg.svg2png(bytestring=data, unsafe=False, **size)
    except Exception as exc:  # cairosvg raises many types for broken SVG
        raise RasterError(f"cannot convert SVG to PNG: {exc}") from None
