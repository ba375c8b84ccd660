"""`briefpack serve`: the pack as a live web page while you write.

- `state` — what the page shows, without any web code: the pack loaded (and reloaded on each
  change, reusing the parse of unchanged sections), its problems, each view's HTML, and
  downloads built through `build_pack`;
- `app` — the web application (starlette): the page, the pack document, server-sent events
  that tell the page to update, downloads, its own assets; nothing else is served;
- `server` — binding the port, running uvicorn, stopping cleanly on Ctrl-C;
- `assets/` — the page's template, script and style (the pack's own look stays in `styles/`).
"""
