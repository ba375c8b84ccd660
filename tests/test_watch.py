"""--watch and serve: file events (watchfiles) report what changed, and nothing else."""

from __future__ import annotations

import threading
import time

from briefpack.watch import watch


def _watching(folder, ignore=()):
    """A watcher in a thread; returns (batches seen, stop event, thread)."""
    batches: list[list[str]] = []
    stop = threading.Event()
    thread = threading.Thread(target=watch, args=([folder], batches.append), kwargs={"ignore": ignore, "stop": stop})
    thread.start()
    time.sleep(0.3)  # the watcher is registered
    return batches, stop, thread


def _wait_for(batches, deadline=10.0):
    end = time.monotonic() + deadline
    while not batches and time.monotonic() < end:
        time.sleep(0.02)


def test_a_save_is_one_batch_and_the_watcher_stops(tmp_path):
    (tmp_path / "sections").mkdir()
    (tmp_path / "sections" / "a.md").write_text("one")
    batches, stop, thread = _watching(tmp_path)
    try:
        (tmp_path / "sections" / "a.md").write_text("changed text")
        _wait_for(batches)
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()
    assert batches and [p.rsplit("/", 1)[1] for p in batches[0]] == ["a.md"]


def test_hidden_files_and_the_output_folder_are_not_changes(tmp_path):
    (tmp_path / "output").mkdir()
    batches, stop, thread = _watching(tmp_path, ignore=[tmp_path / "output"])
    try:
        (tmp_path / "output" / "pack.pdf").write_bytes(b"%PDF-")
        (tmp_path / ".a.md.swp").write_text("editor swap file")
        (tmp_path / "b.md~").write_text("backup")
        time.sleep(0.5)
        (tmp_path / "real.md").write_text("a real change")
        _wait_for(batches)
    finally:
        stop.set()
        thread.join(5)
    seen = {p.rsplit("/", 1)[1] for batch in batches for p in batch}
    assert seen == {"real.md"}


def test_sed_in_place_is_a_change_of_its_file_only(tmp_path):
    """`sed -i` writes a temporary file beside the section and renames it over it: the change
    is the section's, not the temporary file's (it was reported as 'changed: a.md, sedKV7XbY')."""
    import subprocess

    (tmp_path / "sections").mkdir()
    section = tmp_path / "sections" / "a.md"
    section.write_text("one two\n")
    batches, stop, thread = _watching(tmp_path)
    try:
        subprocess.run(["sed", "-i", "s/two/three/", str(section)], check=True)
        _wait_for(batches)
        time.sleep(0.3)  # anything else would have arrived by now
    finally:
        stop.set()
        thread.join(5)
    assert section.read_text() == "one three\n"
    seen = {p.rsplit("/", 1)[1] for batch in batches for p in batch}
    assert seen == {"a.md"}, batches


def test_build_watch_rebuilds_on_save_and_stops_on_ctrl_c(tmp_path, trade_pack):
    import signal
    import subprocess
    import sys

    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "briefpack.cli", "build", "--watch", "--format", "html", "--sources", str(trade_pack), "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # as from a terminal: a test run started in the background (`cmd &` in a script)
        # ignores SIGINT, and a child inherits that, so Ctrl-C would never reach it
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    html = out / "wto-mc-full.html"
    try:
        deadline = time.monotonic() + 30
        while not html.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # watching by now
        section = trade_pack / "sections" / "c-ecom.md"
        section.write_text(section.read_text().replace("The moratorium", "The WATCHED-EDIT moratorium"))
        deadline = time.monotonic() + 30
        while "WATCHED-EDIT" not in html.read_text(encoding="utf-8") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "WATCHED-EDIT" in html.read_text(encoding="utf-8")
    finally:
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert "changed: " in stderr and "c-ecom.md" in stderr
    assert stderr.rstrip().endswith("stopped watching") and "Traceback" not in stderr
