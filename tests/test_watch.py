"""--watch: a change to a source file triggers a rebuild."""

from __future__ import annotations

import threading
import time

from briefpack.watch import changed_files, snapshot, watch


def test_changed_files_sees_edits_additions_and_removals(tmp_path):
    (tmp_path / "a.md").write_text("one")
    (tmp_path / "b.md").write_text("two")
    before = snapshot([tmp_path])
    (tmp_path / "a.md").write_text("one, longer")
    (tmp_path / "b.md").unlink()
    (tmp_path / "c.md").write_text("three")
    after = snapshot([tmp_path])
    assert [p.rsplit("/", 1)[1] for p in changed_files(before, after)] == ["a.md", "b.md", "c.md"]


def test_watch_calls_rebuild_on_change_and_stops(tmp_path):
    (tmp_path / "a.md").write_text("one")
    calls: list[list[str]] = []
    stop = threading.Event()
    thread = threading.Thread(target=watch, args=([tmp_path], calls.append), kwargs={"interval": 0.05, "should_stop": stop.is_set})
    thread.start()
    time.sleep(0.2)
    (tmp_path / "a.md").write_text("changed text")
    deadline = time.time() + 5
    while not calls and time.time() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(5)
    assert calls and calls[0][0].endswith("a.md")
    assert not thread.is_alive()
