"""Output safety: atomic writes, edited files never overwritten silently, lock, up-to-date skips."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from briefpack.build import build_pack
from briefpack.errors import BuildError
from briefpack.output import OutputFolder
from conftest import SAMPLE


def build(out, **kw):
    kw.setdefault("formats", ("docx",))
    kw.setdefault("topics", ["cybersecurity"])
    return build_pack(SAMPLE, out, **kw)


def test_edited_docx_is_not_overwritten_and_force_keeps_a_backup(tmp_path):
    first = build(tmp_path)
    (docx,) = first.written
    docx.write_bytes(docx.read_bytes() + b"edited by hand")
    edited = docx.read_bytes()
    with pytest.raises(BuildError) as info:
        build(tmp_path, force=False)
    assert str(docx) in str(info.value) and "--force" in str(info.value)
    assert docx.read_bytes() == edited  # untouched
    # a source change does not make it overwritable either
    forced = build(tmp_path, force=True)
    (backup,) = forced.backups
    assert backup.read_bytes() == edited and backup.parent == docx.parent
    assert docx.read_bytes() != edited


def test_unchanged_rebuild_is_skipped_as_up_to_date(tmp_path):
    first = build(tmp_path)
    again = build(tmp_path)
    assert again.written == [] and again.up_to_date == first.written
    forced = build(tmp_path, force=True)
    assert forced.written == first.written


def test_changed_style_or_options_rebuild(tmp_path):
    build(tmp_path, formats=("html",))
    other = build(tmp_path, formats=("html",), pdf_variant="pdf/ua-1")
    assert other.written  # options are part of the fingerprint


def test_atomic_write_leaves_the_previous_file_when_interrupted(tmp_path, monkeypatch):
    folder = OutputFolder(tmp_path)
    folder.write("a.docx", b"old", "fp1")
    real_replace = os.replace

    def boom(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        folder.write("a.docx", b"new", "fp2")
    monkeypatch.setattr(os, "replace", real_replace)
    assert (tmp_path / "a.docx").read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_killed_build_leaves_previous_outputs_intact(tmp_path):
    first = build(tmp_path, formats=("docx",))
    before = {p: p.read_bytes() for p in first.written}
    code = (
        "import os, signal, briefpack.output as o\n"
        "real = o.OutputFolder._write_temporary\n"
        "def killer(self, name, data):\n"
        "    if name.endswith('.docx'): os.kill(os.getpid(), signal.SIGKILL)\n"
        "    return real(self, name, data)\n"
        "o.OutputFolder._write_temporary = killer\n"
        "from briefpack.build import build_pack\n"
        f"build_pack({str(SAMPLE)!r}, {str(tmp_path)!r}, topics=['cybersecurity'], formats=('docx',), force=True)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True)
    assert proc.returncode == -9, proc.stderr  # killed, not failed for another reason
    for path, data in before.items():
        assert path.read_bytes() == data


def test_second_build_into_a_busy_folder_says_so(tmp_path):
    folder = OutputFolder(tmp_path)
    with folder.locked():
        with pytest.raises(BuildError) as info:
            build(tmp_path)
    assert "another briefpack build is writing" in str(info.value)
    build(tmp_path)  # free again afterwards


def test_builds_are_byte_identical_with_source_date_epoch(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1412121600")  # 2014-10-01
    a = build(tmp_path / "a", formats=("pdf", "docx"))
    b = build(tmp_path / "b", formats=("pdf", "docx"), jobs=1)
    assert [p.name for p in a.written] == [p.name for p in b.written]
    for pa, pb in zip(a.written, b.written):
        assert pa.read_bytes() == pb.read_bytes(), pa.name
    from docx import Document

    props = Document(a.written[1]).core_properties
    assert props.author and "python-docx" not in (props.author or "") + (props.last_modified_by or "")
    assert props.created.year == 2014


def test_output_folder_inside_the_sources_is_still_up_to_date(trade_pack):
    out = trade_pack / "out"
    first = build_pack(trade_pack, out, topics=["fish"], formats=("docx",))
    (trade_pack / "notes-to-self.txt").write_text("not part of the pack")
    again = build_pack(trade_pack, out, topics=["fish"], formats=("docx",))
    assert again.written == [] and again.up_to_date == first.written
    (trade_pack / "sections" / "b-fish.md").write_text((trade_pack / "sections" / "b-fish.md").read_text() + "\nMore.\n")
    assert build_pack(trade_pack, out, topics=["fish"], formats=("docx",)).written == first.written
