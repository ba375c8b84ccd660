"""briefpack: compile modular Markdown sections into topic-tailored briefing packs.

Public API (what the CLI, the tests and the benchmark call):

- `load_pack(folder)` → `Pack` (raises `SourceError` listing every problem)
- `check_pack(folder)` → list of `Problem`
- `make_edition(pack, topics)` → `Edition`
- `build_pack(...)` → `BuildResult` (renders and writes files)

Heavy libraries (WeasyPrint, python-docx) are imported only when a writer runs.
"""

__version__ = "0.1.0"
