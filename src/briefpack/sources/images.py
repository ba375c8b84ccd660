"""Images a pack embeds: PNG, JPEG or SVG, decoded here as the writers will decode them.

`check_image_bytes` is what `briefpack check` and a build both run on every image: a PNG or
JPEG is decoded in full (a truncated or damaged file is refused, not printed as a grey box) and
refused above `MAX_PIXELS`; an SVG is parsed and bounded by `svg.check_svg`. `ImageCache` reads
each file once however many times the pack shows it, and keeps the pack's SVG drawing work
within `svg.MAX_PACK_COST`.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

from ..model import Resource
from .files import MAX_IMAGE_BYTES, ResourceProblem, read_source_bytes, resolve_inside
from .svg import MAX_PACK_COST, check_svg

IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml"}

#: A decoded image holds 3–4 bytes per pixel, and WeasyPrint and the DOCX writer may each hold a
#: copy: 50 megapixels (e.g. 8,000 × 6,000, far sharper than print needs) keeps a build under 1 GB.
MAX_PIXELS = 50_000_000


def read_image(root: Path, relative: str, base: Path) -> Resource:
    """An image file inside `root` (its path relative to the section's folder `base`)."""
    if Path(relative).suffix.lower() not in IMAGE_TYPES:
        raise ResourceProblem(f"'{Path(relative).name}': images must be PNG, JPEG or SVG")
    data = read_source_bytes(root, relative, limit=MAX_IMAGE_BYTES, what="image", base=base)
    return check_image_bytes(resolve_inside(root, relative, base), data)


def check_image_bytes(path: Path, data: bytes) -> Resource:
    """`data` decoded as the image its name `path` claims (PNG, JPEG or SVG), or refused."""
    media_type = IMAGE_TYPES.get(path.suffix.lower())
    if media_type is None:
        raise ResourceProblem(f"'{path.name}': images must be PNG, JPEG or SVG")
    if media_type == "image/svg+xml":
        svg = check_svg(data, path.name)
        return Resource(path=path, data=data, media_type=media_type, width=svg.width, height=svg.height, cost=svg.cost)
    width, height = check_raster(data, path.name, media_type)
    return Resource(path=path, data=data, media_type=media_type, width=width, height=height)


def check_raster(data: bytes, name: str, media_type: str | None = None) -> tuple[int, int]:
    """Decode a PNG or JPEG in full; its size in pixels. `media_type` given: it must be that."""
    from PIL import Image as PILImage, ImageFile, UnidentifiedImageError  # WeasyPrint's own dependency

    # WeasyPrint, once imported, makes Pillow accept truncated images for the whole process:
    # the check must not. Pillow's own bomb limit (89 megapixels) gives way to ours, which is
    # lower and checked as soon as the header is read.
    lenient, pillow_limit = ImageFile.LOAD_TRUNCATED_IMAGES, PILImage.MAX_IMAGE_PIXELS
    ImageFile.LOAD_TRUNCATED_IMAGES, PILImage.MAX_IMAGE_PIXELS = False, None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            with PILImage.open(io.BytesIO(data)) as img:
                actual = PILImage.MIME.get(img.format or "", "")
                width, height = img.size
                if actual not in ("image/png", "image/jpeg") or (media_type and actual != media_type):
                    claimed = f"claims to be {media_type} but is" if media_type else "is"
                    raise ResourceProblem(f"'{name}' {claimed} {actual or 'something else'}: images must be PNG, JPEG or SVG")
                _check_pixels(width, height, name)
                img.verify()  # chunk checksums
            with PILImage.open(io.BytesIO(data)) as img:
                img.load()  # every pixel: a truncated or corrupt stream fails here
    except ResourceProblem:
        raise
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning):
        raise ResourceProblem(_too_many_pixels(name)) from None
    except UnidentifiedImageError:
        raise ResourceProblem(f"'{name}' is not a readable PNG or JPEG image: re-export it from an image editor") from None
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError) as exc:
        raise ResourceProblem(f"'{name}' is a damaged image ({exc}): re-export it from an image editor") from None
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES, PILImage.MAX_IMAGE_PIXELS = lenient, pillow_limit
    return width, height


def _check_pixels(width: int, height: int, name: str) -> None:
    if width <= 0 or height <= 0:
        raise ResourceProblem(f"'{name}' has no pixels ({width} × {height})")
    if width * height > MAX_PIXELS:
        raise ResourceProblem(_too_many_pixels(name, width, height))


def _too_many_pixels(name: str, width: int | None = None, height: int | None = None) -> str:
    size = f" ({width:,} × {height:,} pixels)" if width else ""
    return (
        f"'{name}' is too large an image{size}: the limit is {MAX_PIXELS // 1_000_000} megapixels — "
        "scale it down (print needs about 2,500 pixels across a page)"
    )


class ImageCache:
    """The images of one pack: each file read and checked once, however many times it is shown
    (one `Resource` object shared), and the SVG drawing work of the whole pack bounded."""

    def __init__(self, root: Path):
        self.root = root
        self.by_path: dict[Path, Resource | ResourceProblem] = {}
        self.by_url: dict[str, Resource | ResourceProblem] = {}
        self.svg_cost = 0
        self.digested: set[tuple[int, int]] = set()  # (id of a digest, id of a resource) fed into it

    def local(self, relative: str, base: Path) -> Resource:
        path = resolve_inside(self.root, relative, base)
        if path not in self.by_path:
            try:
                self.by_path[path] = read_image(self.root, relative, base)
            except ResourceProblem as exc:
                self.by_path[path] = exc
        return self._shown(self.by_path[path])

    def remote(self, url: str) -> Resource:
        from .remote import fetch_image

        if url not in self.by_url:
            try:
                self.by_url[url] = fetch_image(url)
            except ResourceProblem as exc:
                self.by_url[url] = exc
        return self._shown(self.by_url[url])

    def _shown(self, found: Resource | ResourceProblem) -> Resource:
        if isinstance(found, ResourceProblem):
            raise ResourceProblem(found.message, found.line)
        # WeasyPrint draws an SVG again wherever it is shown: its work adds up per showing
        self.svg_cost += found.cost
        if self.svg_cost > MAX_PACK_COST:
            raise ResourceProblem(
                f"the pack's SVG images draw more than {MAX_PACK_COST:,} shapes and path points in all "
                "(counting each time an image is shown): simplify them, or export some as PNG"
            )
        return found
