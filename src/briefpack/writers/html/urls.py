"""What WeasyPrint may load while printing a pack: in-memory things only.

Images of the pack (already read and checked by the loader) and files of the style folder get
URLs under one made-up origin; WeasyPrint asks for them through `MemoryFetcher`, which answers
from memory and refuses everything else — no file system, and no network unless the user
allowed remote resources. The origin uses the reserved `.invalid` domain (RFC 2606) over https
so that relative URLs in a stylesheet (`url(fonts/x.woff2)`) resolve with the standard rules,
while never being able to reach a real host.
"""

from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import unquote

from ...model import Resource
from ...style import Style

ORIGIN = "https://briefpack.invalid/"
STYLE_BASE = ORIGIN + "style/"  # base URL of the document: relative URLs name style files
RESOURCE_BASE = ORIGIN + "resource/"

_MEDIA_TYPES = {
    "css": "text/css",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "svg": "image/svg+xml",
    "gif": "image/gif",
    "woff": "font/woff",
    "woff2": "font/woff2",
    "ttf": "font/ttf",
    "otf": "font/otf",
    "pdf": "application/pdf",
}


def media_type(name: str) -> str:
    return _MEDIA_TYPES.get(name.rsplit(".", 1)[-1].lower(), "application/octet-stream")


def resource_name(resource: Resource) -> str:
    """A resource's name in the print document's URLs: its media type and bytes, hashed."""
    return hashlib.sha256(resource.media_type.encode() + b"\0" + resource.data).hexdigest()[:40]


class ResourceTable:
    """The pack's resources as they are used: `url(resource)` → a URL named by the resource's
    bytes. WeasyPrint identifies an image by its URL when it writes a PDF, and the PDF writer
    writes pages laid out by several documents (footnote rounds, layouts kept between builds)
    as one PDF: a URL numbered per document would give two images the same name there."""

    def __init__(self):
        self._by_key: dict[tuple, str] = {}
        self._by_name: dict[str, Resource] = {}

    def url(self, resource: Resource) -> str:
        key = (str(resource.path), len(resource.data), resource.media_type)
        name = self._by_key.get(key)
        if name is None:
            name = self._by_key[key] = resource_name(resource)
            self._by_name[name] = resource
        return f"{RESOURCE_BASE}{name}"

    @property
    def resources(self) -> list[Resource]:
        return list(self._by_name.values())

    def get(self, name: str) -> Resource:
        return self._by_name[name]


def data_uri(data: bytes, media: str) -> str:
    return f"data:{media};base64,{base64.b64encode(data).decode('ascii')}"


_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")


def inline_css_urls(css: str, style: Style, folder: str = "") -> str:
    """CSS for a standalone HTML file: `url(...)` naming a style file becomes a data: URI."""

    def replace(match: re.Match) -> str:
        target = match.group(2).strip()
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^#|^/", target):
            return match.group(0)
        name = (folder + target).split("?")[0].split("#")[0]
        if not style.has(name):
            return match.group(0)
        return f'url("{data_uri(style.data(name), media_type(name))}")'

    return _CSS_URL.sub(replace, css)


def make_fetcher(style: Style, resources: ResourceTable, *, allow_remote: bool):
    """A WeasyPrint URL fetcher over `style` and `resources` (imported lazily with WeasyPrint)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class MemoryFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith(STYLE_BASE):
                name = unquote(url[len(STYLE_BASE):].split("?")[0].split("#")[0])
                if not style.has(name):
                    raise ValueError(f"the style folder has no file {name!r}")
                return URLFetcherResponse(url, style.data(name), {"Content-Type": media_type(name)})
            if url.startswith(RESOURCE_BASE):
                try:
                    resource = resources.get(url[len(RESOURCE_BASE):])
                except KeyError:
                    raise ValueError(f"no such pack resource: {url}") from None
                return URLFetcherResponse(url, resource.data, {"Content-Type": resource.media_type})
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if allow_remote and url.startswith(("http://", "https://")) and not url.startswith(ORIGIN):
                return super().fetch(url, headers)
            raise ValueError(f"refused to load {url[:200]}: only the pack's own files are used")

    return MemoryFetcher(allowed_protocols=("https", "http", "data") if allow_remote else ("https", "data"))
