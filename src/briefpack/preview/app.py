"""The preview web application (starlette): a fixed set of routes, nothing served by path.

    GET /                 the page: a bar (topic, language, downloads), the contents, the pack in a frame
    GET /pack             the pack as one HTML document (the frame's content)
    GET /pack.json        the same with its contents and the problems of the sources, for updates
    GET /events           server-sent events: `version` after each reload, `progress` of builds
    GET /download/{pdf|docx}  built through `build_pack`, then sent as an attachment
    GET /assets/{preview.js|preview.css}  the page's own script and style, from memory

Every view is named by its query (`?topic=cybersecurity&lang=fr`). Images of the pack are data: URIs
inside the document, so no URL ever names a file: a path in a URL (`/../`, encoded or not, a
symlink) can only miss the routes above and get a 404. Host headers other than the address the
server is bound to are refused (no DNS rebinding), and every response forbids scripts other
than the page's own.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from importlib import resources
from pathlib import Path
from typing import Callable

import anyio
import jinja2
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from ..errors import BriefpackError, SourceError, UsageError
from ..watch import changes
from .state import DOWNLOADS, Preview, Shown, View

ASSETS = {"preview.js": "text/javascript; charset=utf-8", "preview.css": "text/css; charset=utf-8"}

#: The pack document holds inline <style> and data: images and fonts; scripts only from here.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "font-src 'self' data:; connect-src 'self'; frame-src 'self'; frame-ancestors 'self'; "
        "base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _asset(name: str) -> bytes:
    return resources.files(__package__).joinpath("assets", name).read_bytes()


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every response (a plain ASGI wrapper: it leaves the event
    stream alone, unlike an HTTP middleware that buffers bodies)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items() if k.lower().encode() not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


class Events:
    """The page's event stream: each connected page has a queue; `publish` fills them all.
    Callable from any thread (builds and reloads run in worker threads)."""

    def __init__(self) -> None:
        self.queues: set[asyncio.Queue] = set()
        self.loop: asyncio.AbstractEventLoop | None = None

    def publish(self, event: str, data: dict) -> None:
        if self.loop is None:
            return
        self.loop.call_soon_threadsafe(self._put, event, data)

    def _put(self, event: str, data: dict) -> None:
        for queue in list(self.queues):
            queue.put_nowait((event, data))


async def in_daemon_thread(func, *args):
    """`func(*args)` in a daemon thread: a build still waited for when Ctrl-C stops the server
    does not keep the program alive (anyio's worker threads would be waited for at exit)."""
    loop = asyncio.get_running_loop()
    future = loop.create_future()

    def settle(result, exc) -> None:
        if not future.done():
            future.set_exception(exc) if exc is not None else future.set_result(result)

    def run() -> None:
        try:
            result, exc = func(*args), None
        except BaseException as error:  # handed to the awaiting request
            result, exc = None, error
        with contextlib.suppress(RuntimeError):  # the loop closed: the server has stopped
            loop.call_soon_threadsafe(settle, result, exc)

    threading.Thread(target=run, daemon=True, name="briefpack download").start()
    return await future


def create_app(preview: Preview, *, allowed_hosts: list[str], on_ready: Callable[[], None] | None = None,
               say: Callable[[str], None] = lambda message: None) -> Starlette:
    """The application over `preview`. `on_ready` runs once it serves (to open a browser);
    `say` reports reloads on the console."""
    events = Events()
    pages = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    page_template = pages.from_string(_asset("page.html.j2").decode("utf-8"))

    async def reload_on_changes(stop: anyio.Event) -> None:
        async for changed in changes(preview.watched, ignore=[preview.out], stop=stop):
            try:
                version = await anyio.to_thread.run_sync(preview.reload)
            except Exception as exc:  # a bug must not stop the page following the files
                say(f"briefpack: could not reload the pack: {type(exc).__name__}: {exc}")
                continue
            errors = sum(1 for p in preview.problems if p.is_error)
            names = ", ".join(Path(c).name for c in changed[:3]) + (" …" if len(changed) > 3 else "")
            say(f"changed: {names} — " + (f"{errors} error(s) in the sources" if errors else "page updated"))
            events.publish("version", {"version": version})

    @contextlib.asynccontextmanager
    async def lifespan(app):
        events.loop = asyncio.get_running_loop()
        stop = anyio.Event()
        watcher = asyncio.create_task(reload_on_changes(stop))
        if on_ready:  # the socket already listens: connections wait in its backlog until served
            threading.Thread(target=on_ready, daemon=True, name="briefpack open").start()
        try:
            yield
        finally:
            stop.set()
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await watcher

    def view_of(request: Request) -> View:
        return View.from_query(request.query_params)

    async def page(request: Request) -> Response:
        asked = view_of(request)
        view, wrong = preview.canonical(asked)
        if wrong is None and view != asked:  # an alias, `zh-cn`, `lang=en`: the URL the bar would make
            return RedirectResponse("/" + (f"?{view.query()}" if view.query() else ""), status_code=307)
        if wrong is not None:  # the address asks for what the pack does not have: not the sources' fault
            shown, status = Shown(preview.version, (), ()), 404
        else:
            shown, status = await anyio.to_thread.run_sync(preview.show, view), 200
        html = page_template.render(
            view=view,
            shown=shown,
            wrong=wrong,
            topics=preview.topics(view),
            full_pack=preview.full_pack_label(view),
            languages=preview.languages(),
            pack_title=preview.pack.meta.title if preview.pack else "briefpack",
            downloads=DOWNLOADS,
            query=view.query(),
        )
        return HTMLResponse(html, status_code=status)

    async def pack(request: Request) -> Response:
        shown = await anyio.to_thread.run_sync(preview.show, view_of(request))
        if shown.document is None:
            return HTMLResponse("<!DOCTYPE html><html><head><meta charset='utf-8'><title>Errors</title></head>"
                                "<body class='preview'></body></html>")
        return HTMLResponse(shown.document)

    async def pack_json(request: Request) -> Response:
        shown = await anyio.to_thread.run_sync(preview.show, view_of(request))
        return JSONResponse({
            "version": shown.version, "errors": list(shown.errors), "warnings": list(shown.warnings),
            "document": shown.document, "contents": list(shown.contents), "title": shown.title,
        })

    async def event_stream(request: Request) -> Response:
        queue: asyncio.Queue = asyncio.Queue()
        events.queues.add(queue)

        stopping = anyio.Event()  # set by sse-starlette when the server stops (Ctrl-C)

        async def stream():
            try:
                yield ServerSentEvent(data=json.dumps({"version": preview.version}), event="version")
                while not stopping.is_set():
                    try:
                        event, data = await asyncio.wait_for(queue.get(), 0.25)
                    except asyncio.TimeoutError:
                        continue
                    yield ServerSentEvent(data=json.dumps(data), event=event)
            finally:
                events.queues.discard(queue)

        # ending the stream itself on shutdown completes the response (no "returned without
        # completing" error at Ctrl-C); the page's EventSource reconnects to the next server
        return EventSourceResponse(stream(), ping=10, shutdown_event=stopping, shutdown_grace_period=1)

    async def download(request: Request) -> Response:
        fmt = request.path_params["fmt"]
        if fmt not in DOWNLOADS:
            return PlainTextResponse("not found", status_code=404)
        view = view_of(request)
        label = fmt.upper()

        def progress(stage: str, detail: str) -> None:
            if stage not in ("wrote", "skip"):
                events.publish("progress", {"format": fmt, "text": f"{label}: {stage}: {detail}"})

        events.publish("progress", {"format": fmt, "text": f"building the {label}…"})
        what = ("topic " + view.topic if view.topic else "the full pack") + (f" in {view.lang}" if view.lang else "")
        say(f"download: building the {label} of {what}")
        try:
            path, result = await in_daemon_thread(preview.download, view, fmt, progress)
        except SourceError as exc:
            message = "\n".join(str(p) for p in exc.problems if p.is_error)
            return _refused(f"briefpack: {exc}; nothing was written.\n{message}", 422)
        except UsageError as exc:
            return _refused(f"briefpack: usage error: {exc}", 400)
        except BriefpackError as exc:  # an edited file, a busy output folder: the CLI's words
            return _refused(f"briefpack: error: {exc}", 409)
        for warning in result.warnings:
            say(f"warning: {warning}")
        state = "up to date" if path in result.up_to_date else "built"
        pages = result.pages.get(path)
        say(f"download: {path} ({state}{f', {pages} pages' if pages else ''})")
        events.publish("progress", {"format": fmt, "text": f"{path.name} {state}", "done": True})
        headers = {"X-Briefpack-State": state}
        if pages:
            headers["X-Briefpack-Pages"] = str(pages)
        return FileResponse(path, filename=path.name, headers=headers,
                            media_type={"pdf": "application/pdf", "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}[fmt])

    def _refused(message: str, status: int) -> Response:
        events.publish("progress", {"text": message.splitlines()[0], "done": True, "failed": True})
        return PlainTextResponse(message, status_code=status)

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in ASSETS:
            return PlainTextResponse("not found", status_code=404)
        return Response(_asset(name), media_type=ASSETS[name])

    async def not_found(request: Request, exc) -> Response:
        return PlainTextResponse("not found", status_code=404)

    app = Starlette(
        routes=[
            Route("/", page),
            Route("/pack", pack),
            Route("/pack.json", pack_json),
            Route("/events", event_stream),
            Route("/download/{fmt}", download),
            Route("/assets/{name}", asset),
        ],
        middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts), Middleware(SecurityHeaders)],
        exception_handlers={404: not_found, 405: not_found},
        lifespan=lifespan,
    )
    return app
