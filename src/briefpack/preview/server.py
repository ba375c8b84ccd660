"""Running the preview: bind the port (a busy one is a clear error, not a traceback), serve with
uvicorn, stop cleanly on Ctrl-C (the event streams are closed, the file watcher ends).

The socket is bound here rather than by uvicorn so that a busy port is reported in one line
before anything starts, and so that `--port 0` can pick a free port and print it.
"""

from __future__ import annotations

import errno
import socket
import threading
import webbrowser
from typing import Callable

from ..errors import BuildError
from .app import create_app
from .state import Preview

LOCAL_NAMES = ["127.0.0.1", "localhost", "::1", "[::1]"]


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port, or `BuildError` saying why not."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise BuildError(f"cannot serve on host '{host}': {exc.strerror}") from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a port in TIME_WAIT is free; one in use is not
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise BuildError(
                f"port {port} on {host} is already in use (another briefpack serve?): stop it, or choose another with --port"
            ) from None
        if exc.errno == errno.EACCES:
            raise BuildError(f"not allowed to serve on port {port}: choose a port above 1023 with --port") from None
        raise BuildError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket, host: str) -> str:
    port = sock.getsockname()[1]
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else ("[::1]" if host == "::" else host)
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def run(preview: Preview, sock: socket.socket, url: str, *, host: str, open_browser: bool, say: Callable[[str], None]) -> None:
    """Serve until Ctrl-C. `sock` from `bind`."""
    import uvicorn

    if host in ("0.0.0.0", "::", ""):
        allowed = ["*"]  # served to the network on purpose: any name may reach it
    else:
        allowed = sorted(set(LOCAL_NAMES + [host]))
    app = create_app(
        preview,
        allowed_hosts=allowed,
        on_ready=(lambda: webbrowser.open(url) or say(f"no web browser found to open: open {url} yourself")) if open_browser else None,
        say=say,
    )
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="on",
        timeout_graceful_shutdown=3,  # a download still building when Ctrl-C comes is abandoned after 3 s
    )
    class Server(uvicorn.Server):
        def handle_exit(self, sig, frame) -> None:
            super().handle_exit(sig, frame)
            # a download still building ends now (its request answers at once) rather than
            # holding the stop until uvicorn's grace period runs out
            threading.Thread(target=preview.stop_builder, daemon=True).start()

    server = Server(config)
    preview.start_builder()  # forked now, while this process has one thread
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn stops on the signal, then raises it again for the caller
        pass
    finally:
        preview.stop_builder()
        sock.close()
