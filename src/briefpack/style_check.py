"""A style folder checked once, up front, before anything is rendered: every problem as
`file:line: message`, like the sources' (and `briefpack check --style DIR` reports them too).

What is checked: the files every build needs (`print.css`, `templates/pack.html.j2`,
`reference.docx`); every CSS file is UTF-8; every template compiles (in the sandbox) and the
templates and assets it names exist; `reference.docx` is a Word document of sane size. Then a
small *probe* edition — one section holding every kind of block and inline, a note, a figure,
an annex page — is rendered through the real writers (HTML for print and for preview, DOCX):
an unknown variable, a refused attribute or a style the DOCX writer needs and the reference
document lacks shows up here, at its file and line, not as a traceback halfway through a build.

A style that passed is not checked again: each (briefpack version, format, style folder's
content) that passed is remembered by its digest (`check_digest`) for the life of the process
(serve, build --watch), and a build records it in its output folder's manifest, so the next
build into that folder skips the probe render too (0.1–0.3 s, most of a small DOCX build) —
but not the checks of the files themselves, since anyone who can write that folder can
compute a digest. Keyed by content, a changed style file is always checked again; a damaged
record only means a check.
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import io
import zipfile
from pathlib import Path

from . import model as m
from .errors import Problem, SourceError
from .style import Style

#: the files each format needs
REQUIRED = {"pdf": ("print.css", "templates/pack.html.j2"), "html": ("print.css", "templates/pack.html.j2"), "docx": ("reference.docx",)}
ALL_FORMATS = ("pdf", "docx", "html")
#: reference.docx unpacked: python-docx holds every part in memory
MAX_REFERENCE_UNPACKED = 100 * 1024 * 1024

_PROBE_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg=="
)
_PROBE_TEXT = """\
A paragraph with *emphasis*, **strong**, ~~struck~~, `code`, a [link](https://example.org/ "A title"),
a [link to a heading](#a-heading), a note[^n] and the same note again[^n], an image ![i](probe.png)
and a line  
break.

## A heading

### A third level

#### A fourth level

1. One
   - Two
     1. Three
2. Four

> A quote
>
> > nested

```text
code block
```

| Left | Right |
|:-----|------:|
| 1    | 2     |

![A figure](probe.png)

---

[^n]: A note holding a list:

    - an item
"""


def check_style(style: Style, formats: tuple[str, ...] = ALL_FORMATS, *, probe: bool = True) -> list[Problem]:
    """Every problem of `style` for writing `formats` (empty: the style can be used). Without
    `probe`, only the files themselves are checked (present, decodable, within their caps), not
    the render of the probe edition through the writers."""
    needed = dict.fromkeys(name for fmt in formats for name in REQUIRED.get(fmt, ()))
    problems = [Problem(style.root / name, None, _missing(name)) for name in needed if not style.has(name)]
    problems += _css_problems(style)
    if "pdf" in formats or "html" in formats:
        problems += _template_problems(style)
    if "docx" in formats:
        problems += _reference_problems(style)
    if problems or not probe:
        return problems
    return _probe_problems(style, formats)


def load_checked_style(folder: Path | None, formats: tuple[str, ...] = ALL_FORMATS, passed=()) -> Style:
    """The style folder read (`files.load_style`) and checked for `formats`; `SourceError` otherwise.
    A format whose `check_digest` passed earlier in this process is not checked again; one that
    `passed` lists (digests an output folder recorded) skips only the probe render: the folder
    is not ours to trust (anyone can compute a digest), so the files' own checks — caps on the
    reference document among them — always run."""
    from .sources.files import load_style

    style = load_style(folder)
    digests = {fmt: check_digest(style, fmt) for fmt in formats}
    todo = tuple(fmt for fmt in formats if digests[fmt] not in _PASSED)
    if todo:
        probe = tuple(fmt for fmt in todo if digests[fmt] not in passed)
        problems = check_style(style, todo, probe=False)
        if not problems and probe:
            problems = check_style(style, probe)
        if problems:
            raise SourceError(problems)
        if len(_PASSED) > 64:  # a long-running process whose style keeps changing
            _PASSED.clear()
        _PASSED.update(digests[fmt] for fmt in probe)  # what this process checked itself
    return style


#: check digests of the styles that passed in this process
_PASSED: set[str] = set()


def check_digest(style: Style, fmt: str) -> str:
    """What a passed check for `fmt` stands for: this briefpack's version, the format and
    every file of the style folder (names and content)."""
    from . import __version__

    h = hashlib.sha256(f"briefpack {__version__}\0style check\0{fmt}\0".encode())
    for name in style.names():
        data = style.data(name)
        h.update(f"{name}\0{len(data)}\0".encode() + data)
    return h.hexdigest()


def _missing(name: str) -> str:
    what = {
        "print.css": "the PDF's style sheet",
        "templates/pack.html.j2": "the template of the whole document",
        "reference.docx": "the DOCX's styles, page setup, header and footer",
    }[name]
    return f"the style folder has no {name} ({what}): every style folder needs it — start from briefpack's styles/"


def _css_problems(style: Style) -> list[Problem]:
    problems = []
    for name in style.names():
        if name.endswith(".css"):
            data = style.data(name)
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as exc:
                line = data[: exc.start].count(b"\n") + 1
                problems.append(Problem(style.root / name, line, f"not valid UTF-8 (byte 0x{data[exc.start]:02x}): save the style sheet as UTF-8"))
    return problems


def _template_problems(style: Style) -> list[Problem]:
    """Each template compiled; the templates it includes and the assets it names exist."""
    from jinja2 import TemplateSyntaxError, nodes

    from .writers.html.templates import TEMPLATE_DIR, environment, template_file

    env = environment(style)
    problems = []
    for name in style.names(TEMPLATE_DIR):
        if not name.endswith(".j2"):
            continue
        short = name[len(TEMPLATE_DIR):]
        path = Path(template_file(style, short))
        try:
            source = style.text(name)
        except UnicodeDecodeError as exc:
            line = exc.object[: exc.start].count(b"\n") + 1
            problems.append(Problem(path, line, "not valid UTF-8: save the template as UTF-8"))
            continue
        try:
            tree = env.parse(source, short, str(path))
        except TemplateSyntaxError as exc:
            problems.append(Problem(path, exc.lineno, f"template syntax error: {exc.message}"))
            continue
        for node in tree.find_all((nodes.Include, nodes.Extends, nodes.Import, nodes.FromImport)):
            target = node.template
            if isinstance(target, nodes.Const) and isinstance(target.value, str):
                if not style.has(TEMPLATE_DIR + target.value):
                    problems.append(Problem(
                        path, node.lineno,
                        f"no template '{target.value}' in the style's templates/ folder (templates can only include each other)",
                    ))
        for node in tree.find_all(nodes.Call):
            if isinstance(node.node, nodes.Name) and node.node.name == "asset" and node.args:
                target = node.args[0]
                if isinstance(target, nodes.Const) and isinstance(target.value, str) and not style.has(target.value):
                    problems.append(Problem(path, node.lineno, f"asset('{target.value}'): the style folder has no such file"))
    return problems


def _reference_problems(style: Style) -> list[Problem]:
    if not style.has("reference.docx"):
        return []
    path = style.root / "reference.docx"
    data = style.data("reference.docx")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return [Problem(path, None, "is not a Word document (not a zip file): save it from Word as .docx, or regenerate it with styles/make_reference_docx.py")]
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            unpacked = sum(info.file_size for info in package.infolist())
            names = package.namelist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        return [Problem(path, None, f"is a damaged Word document ({exc})")]
    if unpacked > MAX_REFERENCE_UNPACKED:
        return [Problem(path, None, f"unpacks to {unpacked / 1048576:.0f} MB; a reference document may unpack to {MAX_REFERENCE_UNPACKED // 1048576} MB")]
    if "word/document.xml" not in names and not any(n.endswith("document.xml") for n in names):
        return [Problem(path, None, "is a zip file but not a Word document (no word/document.xml)")]
    try:
        import docx

        docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds of errors on damaged packages
        return [Problem(path, None, f"cannot be opened as a Word document ({type(exc).__name__}: {str(exc)[:200]})")]
    return []


def _probe_problems(style: Style, formats: tuple[str, ...]) -> list[Problem]:
    """Render the probe edition through the writers of `formats`; their problems."""
    from .options import RenderOptions

    edition = _probe_edition(style.root)
    options = RenderOptions(timestamp=_dt.datetime(2000, 1, 1, tzinfo=_dt.timezone.utc))
    try:
        if "pdf" in formats or "html" in formats:  # jinja2 and the HTML writer: not for a DOCX alone
            from .writers.html.document import AnnexPlaceholder, render_html
        if "pdf" in formats:
            annex = (AnnexPlaceholder(1, "An annex", "annex-1", ((612.0, 792.0),)),)
            render_html(edition, style, options, for_print=True, annexes=annex)
        if "html" in formats:
            render_html(edition, style, options, for_print=False)
        if "docx" in formats:
            from .writers.docx.writer import render_docx

            render_docx(edition, style, options)
    except SourceError as exc:
        return exc.problems
    return []


def _probe_edition(root: Path) -> m.Edition:
    from .errors import Problems
    from .model.naming import AnchorRegistry
    from .model.selection import make_edition
    from .sources.markdown import BodyContext, parse_body

    images = {"probe.png": m.Resource(path=root / "probe.png", data=_PROBE_PNG, media_type="image/png", width=2, height=2)}
    anchors = AnchorRegistry()
    section_id = anchors.claim("A section", "section")
    ctx = BodyContext(path=root / "probe.md", first_line=1, anchors=anchors, problems=Problems(), load_image=images.__getitem__)
    body = parse_body(_PROBE_TEXT, ctx)
    people = (m.Person("A Person", "An Office"), m.Person("Another Person"))
    section = m.Section(
        id=section_id, title="A section", path=root / "probe.md", topics=("all",), order=1,
        contributors=people[:1], children=body.blocks, footnotes=body.footnotes,
    )
    meta = m.PackMeta(
        title="Style check", slug="style-check", subtitle="A probe", date=_dt.date(2000, 1, 1),
        classification="Unclassified", authors=people, contributors=people[1:], keywords=("probe",),
    )
    topic = m.Topic(id="probe", title="Probe")
    pack = m.Pack(meta=meta, topics=(topic,), sections=(section,), root=root)
    return make_edition(pack, ["probe"])
