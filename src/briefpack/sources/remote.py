"""The only network access briefpack ever makes: fetching a remote image, and only when the user
asked for it with --allow-remote.

A download has one deadline for the whole of it (`DEADLINE_SECONDS`), not a timeout per read:
a server that trickles a byte every few seconds is cut off at the deadline. Redirects are
followed only to http(s) addresses, and at most `MAX_IMAGE_BYTES` are read.
"""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

from ..model import Resource
from .files import MAX_IMAGE_BYTES, ResourceProblem
from .images import IMAGE_TYPES, check_image_bytes

#: Seconds one image may take to download, connection included.
DEADLINE_SECONDS = 20
_CHUNK = 64 * 1024


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urlparse(newurl).scheme not in ("http", "https"):
            raise urllib.error.URLError(f"redirected to a non-http address ({newurl[:100]})")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch_image(url: str) -> Resource:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https"):
        raise ResourceProblem("only http(s) images can be fetched")
    deadline = time.monotonic() + DEADLINE_SECONDS
    opener = urllib.request.build_opener(_HttpOnlyRedirects)
    try:
        with opener.open(url, timeout=DEADLINE_SECONDS) as response:  # noqa: S310 (scheme checked)
            content_type = response.headers.get_content_type()
            data = _read_until(response, deadline)
    except TimeoutError:
        raise ResourceProblem(f"the download took longer than {DEADLINE_SECONDS} seconds: save the image in the sources folder") from None
    except OSError as exc:
        if isinstance(getattr(exc, "reason", None), (TimeoutError, socket.timeout)):
            raise ResourceProblem(f"the download took longer than {DEADLINE_SECONDS} seconds: save the image in the sources folder") from None
        raise ResourceProblem(f"could not fetch it: {exc}") from None
    if len(data) > MAX_IMAGE_BYTES:
        raise ResourceProblem(f"the image is larger than {MAX_IMAGE_BYTES // 1048576} MB")
    suffix = Path(parsed.path).suffix.lower()
    if suffix not in IMAGE_TYPES:
        suffix = {v: k for k, v in IMAGE_TYPES.items()}.get(content_type, "")
    return check_image_bytes(Path(parsed.path or "/image").with_suffix(suffix or ".png"), data)


def _read_until(response, deadline: float) -> bytes:
    """The body, at most MAX_IMAGE_BYTES + 1 bytes of it, read before `deadline`: each read may
    wait only for the time left."""
    sock = _socket_of(response)
    chunks: list[bytes] = []
    size = 0
    while size <= MAX_IMAGE_BYTES:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        if sock is not None:
            sock.settimeout(left)
        chunk = response.read1(min(_CHUNK, MAX_IMAGE_BYTES + 1 - size)) if hasattr(response, "read1") else response.read(_CHUNK)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _socket_of(response):
    """The socket under an http.client response, to shorten its timeout as the deadline nears
    (None if the layers differ: the deadline is then checked between reads only)."""
    raw = getattr(getattr(response, "fp", None), "raw", None)
    return getattr(raw, "_sock", None)
