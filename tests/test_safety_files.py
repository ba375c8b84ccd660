"""Safety (README) — sources stay in their folder: every file is read through the one door in
`sources/files.py`. A section, pack.yaml, the sections/ folder, an image, an annex or a style
file that leads outside is refused at file:line, and nothing of the outside file is printed;
only regular files are read, and size caps apply to what is read."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from briefpack.build import build_pack, check_pack
from briefpack.errors import SourceError
from briefpack.sources.files import ResourceProblem, read_source_bytes, read_source_text
from briefpack.sources.loader import read_pack
from briefpack.style import DEFAULT_STYLE_DIR
from conftest import PNG_BYTES, write_pack
from hostile import plain_pdf

SECRET = "SECRET-OUTSIDE-THE-FOLDER"
SECTION = "---\ntitle: S\ntopics: all\n---\nBody text.\n"
CLI = [sys.executable, "-m", "briefpack.cli"]


def _outside(tmp_path: Path) -> Path:
    """A folder beside the pack holding files an attacker would like printed."""
    out = tmp_path / "outside"
    out.mkdir()
    (out / "secret.md").write_text(f"---\ntitle: {SECRET}\ntopics: all\n---\n{SECRET} body.\n")
    (out / "pack.yaml").write_text(f"title: {SECRET}\n")
    (out / "secret.png").write_bytes(PNG_BYTES)
    (out / "secret.pdf").write_bytes(plain_pdf([SECRET]))
    (out / "secret.css").write_text(f"/* {SECRET} */ body {{ }}")
    (out / "sections").mkdir()
    (out / "sections" / "a.md").write_text(f"---\ntitle: {SECRET}\ntopics: all\n---\n{SECRET}\n")
    return out


def _link(path: Path, target: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() or path.is_symlink():
        shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
    path.symlink_to(target)


LINKED = {
    # what is a symlink to the outside → (file the problem names, line, words of the message)
    "a section": ("sections/b.md", None, "link to a file outside the sources folder"),
    "pack.yaml": ("pack.yaml", None, "link to a file outside the sources folder"),
    "the sections folder": ("sections", None, "link to a file outside the sources folder"),
    "an image": ("sections/s.md", 7, "link to a file outside the sources folder"),
    "an annex": ("pack.yaml", 3, "link to a file outside the sources folder"),
}


@pytest.mark.parametrize("what", sorted(LINKED))
def test_a_symlink_leading_outside_is_refused_and_nothing_of_it_is_printed(tmp_path, what):
    outside = _outside(tmp_path)
    pack_yaml = "title: Linked\nannexes:\n  - {title: A, file: annexes/a.pdf}\n"
    root = write_pack(
        tmp_path / "p", pack_yaml, {"s.md": SECTION + "\n![A picture](img/pic.png)\n"},
        {"sections/img/pic.png": PNG_BYTES, "annexes/a.pdf": plain_pdf(["Annex"])},
    )
    target = {
        "a section": (root / "sections" / "b.md", outside / "secret.md"),
        "pack.yaml": (root / "pack.yaml", outside / "pack.yaml"),
        "the sections folder": (root / "sections", outside / "sections"),
        "an image": (root / "sections" / "img" / "pic.png", outside / "secret.png"),
        "an annex": (root / "annexes" / "a.pdf", outside / "secret.pdf"),
    }[what]
    _link(*target)

    problems = read_pack(root).problems
    name, line, words = LINKED[what]
    found = [p for p in problems if p.is_error and words in p.message]
    assert found, [str(p) for p in problems]
    assert found[0].path.resolve() == (root / name).resolve() or found[0].path == root / name
    assert found[0].line == line
    assert all(SECRET not in str(p) for p in problems)

    with pytest.raises(SourceError):
        build_pack(root, tmp_path / "out", formats=("pdf", "docx", "html"))
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_style_file_linking_outside_is_refused(tmp_path):
    outside = _outside(tmp_path)
    style = tmp_path / "style"
    shutil.copytree(DEFAULT_STYLE_DIR, style)
    _link(style / "screen.css", outside / "secret.css")
    root = write_pack(tmp_path / "p", "title: T\n", {"s.md": SECTION})
    with pytest.raises(SourceError) as info:
        build_pack(root, tmp_path / "out", formats=("html",), style_dir=style)
    (problem,) = info.value.problems
    assert problem.path == style / "screen.css" and "outside the style folder" in problem.message
    assert SECRET not in str(problem)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    assert any(p.path == style / "screen.css" for p in check_pack(root, style))


def test_symlinks_that_stay_inside_the_folder_still_work(tmp_path):
    root = write_pack(tmp_path / "p", "title: T\n", {}, {"drafts/real.md": SECTION.encode(), "shared/pic.png": PNG_BYTES})
    (root / "sections" / "alias.md").symlink_to(root / "drafts" / "real.md")
    (root / "sections" / "pic.png").symlink_to(Path("..") / "shared" / "pic.png")
    (root / "sections" / "alias.md").write_text(SECTION + "\n![A picture](pic.png)\n")  # written through the link
    result = read_pack(root)
    assert result.errors == [] and [s.title for s in result.pack.sections] == ["S"]


def test_only_regular_files_are_read_and_a_fifo_never_hangs(tmp_path):
    """A FIFO named b.md hung the loader forever; a section linked to /dev/zero read gigabytes
    (its size reads as 0). `check` runs in a subprocess with a timeout and 1 GB of address
    space as a guard: it must finish and name both files."""
    root = write_pack(tmp_path / "p", "title: T\n", {"a.md": SECTION})
    os.mkfifo(root / "sections" / "b.md")
    (root / "sections" / "z.md").symlink_to("/dev/zero")
    proc = _guarded(CLI + ["check", "--sources", str(root)], tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "b.md: 'b.md' is a named pipe (FIFO), not a file" in proc.stdout
    assert "z.md: 'sections/z.md' is a link to a file outside the sources folder (/dev/zero)" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_the_size_cap_applies_to_what_is_read_not_to_what_stat_says(tmp_path):
    # /proc files report a size of 0 and hold more: the cap must still stop the read
    assert os.stat("/proc/self/status").st_size == 0
    with pytest.raises(ResourceProblem) as info:
        read_source_bytes(Path("/proc/self"), "status", limit=16, what="test")
    assert "larger than" in info.value.message
    big = tmp_path / "big.md"
    big.write_bytes(b"x" * (2 * 1024 * 1024 + 1))
    with pytest.raises(ResourceProblem) as info:
        read_source_text(tmp_path, "big.md")
    assert "limit for one source file" in info.value.message


@pytest.mark.parametrize("relative", ["../p/pack.yaml", "/etc/passwd", "sections/../../x", "a\x00b"])
def test_paths_out_of_the_root_are_refused_before_anything_is_opened(tmp_path, relative):
    root = write_pack(tmp_path / "p", "title: T\n", {"a.md": SECTION})
    inner = root / "sections"
    with pytest.raises(ResourceProblem):
        read_source_bytes(inner, relative, limit=100)


def _guarded(args: list[str], cwd: Path, env: dict | None = None, timeout: int = 60) -> subprocess.CompletedProcess:
    """Run the CLI with a time limit and 1 GB of address space: a guard against hanging or
    eating memory, not a timed assertion."""
    import resource

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    return subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, timeout=timeout, preexec_fn=limit,
        env={**os.environ, **(env or {})},
    )
