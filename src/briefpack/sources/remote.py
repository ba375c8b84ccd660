"""The only network access briefpack ever makes: fetching a remote image, and only when the user
asked for it with --allow-remote."""

from __future__ import annotations

import urllib.request
from pathlib import Path
from urllib.parse import urlparse

from ..model import Resource
from .files import MAX_IMAGE_BYTES, ResourceProblem
from .images import IMAGE_TYPES, check_image_bytes

TIMEOUT_SECONDS = 20


def fetch_image(url: str) -> Resource:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https"):
        raise ResourceProblem("only http(s) images can be fetched")
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (scheme checked)
            data = response.read(MAX_IMAGE_BYTES + 1)
            content_type = response.headers.get_content_type()
    except OSError as exc:
        raise ResourceProblem(f"could not fetch it: {exc}") from None
    if len(data) > MAX_IMAGE_BYTES:
        raise ResourceProblem(f"the image is larger than {MAX_IMAGE_BYTES // 1048576} MB")
    suffix = Path(parsed.path).suffix.lower()
    if suffix not in IMAGE_TYPES:
        suffix = {v: k for k, v in IMAGE_TYPES.items()}.get(content_type, "")
    return check_image_bytes(Path(parsed.path or "/image").with_suffix(suffix or ".png"), data)
