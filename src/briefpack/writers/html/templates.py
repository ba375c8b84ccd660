"""The style folder's jinja2 templates, rendered in jinja2's sandbox, with their errors reported
at the template's own file and line.

House styles travel between organisations, so a template is untrusted code: it runs in
`ImmutableSandboxedEnvironment` (no `__globals__`, `__class__` or other internals: the
`cycler.__init__.__globals__.os.popen(…)` trick is a SecurityError; no mutation of what it is
given), autoescaped, and further bounded here: no power or repetition that would build a huge
value (`'x' * 10**9`, `9**9**9`), `range` capped by the sandbox, and a deadline on the calls a
template makes. Templates can only include other files of the style's `templates/` folder,
from memory: `{% include '/etc/passwd' %}` names nothing.

Any error while compiling or rendering — a syntax error, an unknown variable, a refused
attribute, an include that names nothing, a division by zero — becomes a `SourceError` whose
problem names the template file and line.
"""

from __future__ import annotations

import time
import traceback
from pathlib import Path

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ...errors import Problem, SourceError
from ...style import Style

TEMPLATE_DIR = "templates/"
#: A value a template builds by repetition (`*`) may hold this many items or characters.
MAX_REPEAT = 1_000_000
#: Seconds a template may take to render (it is checked at each call the template makes).
DEADLINE_SECONDS = 30


class _Sandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset(["*", "**"])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.deadline = time.monotonic() + DEADLINE_SECONDS

    def call_binop(self, context, operator, left, right):
        if operator == "**" and isinstance(right, (int, float)) and isinstance(left, (int, float)):
            if abs(right) > 64 and abs(left) > 1:
                raise jinja2.exceptions.SecurityError(f"{left} ** {right} is too large a number for a template")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(times, int) and len(seq) * times > MAX_REPEAT:
                    raise jinja2.exceptions.SecurityError(f"repeating a value {times:,} times is too large for a template")
        return super().call_binop(context, operator, left, right)

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (jinja2's own signature)
        if time.monotonic() > __self.deadline:
            raise jinja2.exceptions.SecurityError(f"the template ran for more than {DEADLINE_SECONDS} seconds")
        return super().call(__context, __obj, *args, **kwargs)


#: Environments by the templates they compile (a few): compiling costs ~50 ms, and the PDF
#: writer and the preview server render the same templates again and again, from Style
#: objects read anew. Each use gets a new deadline.
_COMPILED: dict[tuple, jinja2.Environment] = {}


def environment(style: Style) -> jinja2.Environment:
    """A sandboxed, autoescaped environment over the style's templates (from memory)."""
    key = (str(style.root), *((name, style.data(name)) for name in style.names(TEMPLATE_DIR)))
    env = _COMPILED.get(key)
    if env is None:
        if len(_COMPILED) >= 4:
            _COMPILED.clear()
        env = _COMPILED[key] = _new_environment(style)
    env.deadline = time.monotonic() + DEADLINE_SECONDS
    return env


def _new_environment(style: Style) -> jinja2.Environment:

    def load(name: str):
        path = TEMPLATE_DIR + name
        if not style.has(path):
            return None
        try:
            source = style.text(path)
        except UnicodeDecodeError as exc:
            raise jinja2.TemplateSyntaxError(
                f"not valid UTF-8 (byte 0x{exc.object[exc.start]:02x}): save the template as UTF-8",
                exc.object[: exc.start].count(b"\n") + 1, name, template_file(style, name),
            ) from None
        return source, template_file(style, name), lambda: True

    env = _Sandbox(
        loader=jinja2.FunctionLoader(load),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    from .document import long_date, running_head

    env.filters["long_date"] = long_date
    env.filters["running_head"] = running_head  # {{ title | running_head }}: a running head's copy
    return env


def template_file(style: Style, name: str) -> str:
    return f"{style.root}/{TEMPLATE_DIR}{name}"


def render_template(style: Style, name: str, context: dict) -> str:
    """`name` rendered with `context`, or `SourceError` at the template's file and line."""
    env = environment(style)
    try:
        return env.get_template(name).render(context)
    except Exception as exc:
        problem = template_problem(style, exc, name)
        if problem is None:
            raise  # not the template's doing: a bug of ours, with its traceback
        raise SourceError([problem]) from None


def template_problem(style: Style, exc: BaseException, name: str) -> Problem | None:
    """The template file and line `exc` was raised at, with a message; None if no template
    frame is involved (and the error is not about a template)."""
    prefix = f"{style.root}/{TEMPLATE_DIR}"
    if isinstance(exc, jinja2.TemplateSyntaxError):
        path = Path(exc.filename) if exc.filename else Path(template_file(style, exc.name or name))
        return Problem(path, exc.lineno, f"template syntax error: {exc.message}")
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(prefix)]
    if isinstance(exc, jinja2.TemplateNotFound):
        missing = exc.name if isinstance(exc.name, str) else ", ".join(map(str, exc.templates))
        message = f"no template '{missing}' in the style's templates/ folder (templates can only include each other)"
    elif isinstance(exc, jinja2.exceptions.SecurityError):
        message = f"refused by the template sandbox: {exc}"
    elif isinstance(exc, jinja2.UndefinedError):
        message = f"{exc.message}: the template uses a name briefpack does not provide"
    elif isinstance(exc, RecursionError):
        message = "the template calls itself without end"
    elif not frames:
        return None
    else:
        message = f"{type(exc).__name__}: {exc}"
    if frames:
        return Problem(Path(frames[-1].filename), frames[-1].lineno, message)
    return Problem(Path(template_file(style, name)), None, message)
