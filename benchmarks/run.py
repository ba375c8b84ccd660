"""Benchmark briefpack against pandoc (and WeasyPrint alone) on the same generated content.

    python benchmarks/run.py [--sizes 10,60,100,400] [--out DIR] [--repeat N] [--json FILE] [--footnote-heavy]

For each size it writes a generated pack of about that many A4 pages (corpus.py), then builds it,
each build in a fresh process (tasks.py, measure.py), `--repeat` times, interleaved:

- PDF:  briefpack `build_pack` pinned to one CPU, and free to use all; WeasyPrint alone on
        briefpack's own print HTML;
        pandoc Markdown → standalone HTML, then WeasyPrint on that HTML — twice: with pandoc's
        default style, and with briefpack's print stylesheet instead (`--css print.css`,
        `-M document-css=false`, `-M lang=en`), since pandoc's default style sets the same text
        on far fewer, wider pages; every PDF is also compared by time per page;
- DOCX: briefpack `build_pack` into a folder it has built into before (it remembers that the
        style passed its check), and into a new folder (the style checked); pandoc Markdown → DOCX;
- a second `build_pack` into the same folder, which should find everything up to date;
- the writing loop (`serve`, `build --watch`): in one process, one section edited, then the HTML
  preview refreshed and the PDF rebuilt, against a full build in the same (warm) process.

With `--footnote-heavy`, each size is also written with a note on every sentence and built
pinned to one CPU and free: a page of notes should cost at most twice a plain page.

It also times the CLI's start-up on the sample pack (and checks WeasyPrint is not imported),
prints one table per size and format and the project's targets, MET or NOT MET.
Needs the `bench` extra: `pip install pypandoc-binary`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import corpus
from measure import Measurement, run_child

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
TASKS = [sys.executable, str(HERE / "tasks.py")]
PANDOC_FROM = "commonmark_x"  # CommonMark + GFM tables + footnotes: the dialect briefpack reads
PRINT_CSS = "print.css"  # briefpack's print stylesheet, copied beside pandoc's HTML


# ------------------------------------------------------------------------------ the steps


@dataclass
class Step:
    key: str
    label: str
    argv: list[str]


def size_steps(folder: Path, pandoc: str) -> list[Step]:
    """Every measured build of one generated pack, in the order they run (pandoc's HTML is
    written before WeasyPrint reads it; the rebuild finds the PDF and DOCX built before it)."""
    src, md = str(folder / "sources"), str(folder / "pandoc.md")
    out, out_parallel = str(folder / "briefpack"), str(folder / "briefpack-all-cpus")
    title = ["--metadata", "title=Benchmark briefing pack"]
    # pandoc's HTML with briefpack's print stylesheet (copied beside it by prepare) in place of
    # pandoc's own; lang, so that it hyphenates as briefpack's HTML does
    ours = ["-M", "document-css=false", "-M", "lang=en", "--css", PRINT_CSS]
    return [
        Step("briefpack_pdf", "briefpack PDF, pinned to 1 CPU", [*TASKS, "briefpack-build", src, out, "pdf", "1"]),
        Step("briefpack_pdf_all_cpus", f"briefpack PDF, all {os.cpu_count()} CPUs (default)", [*TASKS, "briefpack-build", src, out_parallel, "pdf", "all"]),
        Step("weasyprint_alone", "WeasyPrint alone on briefpack's HTML", [*TASKS, "weasyprint", str(folder / "briefpack.html"), str(folder / "weasyprint-alone.pdf")]),
        Step("pandoc_html", "pandoc → standalone HTML", [pandoc, md, "--from", PANDOC_FROM, "-s", *title, "-o", str(folder / "pandoc.html")]),
        Step("weasyprint_pandoc", "WeasyPrint on pandoc's HTML", [*TASKS, "weasyprint", str(folder / "pandoc.html"), str(folder / "pandoc.pdf")]),
        Step("pandoc_html_ours", "pandoc → standalone HTML, briefpack's print CSS", [pandoc, md, "--from", PANDOC_FROM, "-s", *title, *ours, "-o", str(folder / "pandoc-ours.html")]),
        Step("weasyprint_pandoc_ours", "WeasyPrint on pandoc's HTML, briefpack's print CSS", [*TASKS, "weasyprint", str(folder / "pandoc-ours.html"), str(folder / "pandoc-ours.pdf")]),
        Step("briefpack_docx", "briefpack DOCX", [*TASKS, "briefpack-build", src, out, "docx", "all"]),
        Step("briefpack_docx_new_folder", "briefpack DOCX, first build into a new folder", [*TASKS, "briefpack-build", src, str(folder / "briefpack-new"), "docx", "all", "new"]),
        Step("pandoc_docx", "pandoc → DOCX", [pandoc, md, "--from", PANDOC_FROM, "-o", str(folder / "pandoc.docx")]),
        Step("briefpack_rebuild", "briefpack again, nothing changed", [*TASKS, "briefpack-rebuild", src, out]),
        Step("briefpack_incremental", "writing loop: one section edited", [*TASKS, "briefpack-incremental", src, str(folder / "incremental")]),
    ]


def prepare(folder: Path, pages: int) -> None:
    """The generated pack, the same text as one pandoc document, and briefpack's print HTML."""
    shutil.rmtree(folder, ignore_errors=True)
    corpus.write_pack(folder / "sources", pages)
    (folder / "pandoc.md").write_text(corpus.pandoc_markdown(folder / "sources"), encoding="utf-8")
    shutil.copyfile(REPO / "styles" / PRINT_CSS, folder / PRINT_CSS)
    run_child([*TASKS, "briefpack-html", str(folder / "sources"), str(folder / "briefpack.html")])
    # untimed: the timed DOCX builds then all go into a folder briefpack has built into (as a
    # user's rebuilds do), which remembers that the style passed its check; the first build
    # into a new folder, which checks it, is timed as a step of its own
    run_child([*TASKS, "briefpack-build", str(folder / "sources"), str(folder / "briefpack"), "docx", "all"])


def heavy_steps(folder: Path) -> list[Step]:
    src = str(folder / "sources")
    return [
        Step("heavy_pdf", "footnote-heavy pack, briefpack PDF, pinned to 1 CPU", [*TASKS, "briefpack-build", src, str(folder / "briefpack"), "pdf", "1"]),
        Step("heavy_pdf_all_cpus", f"footnote-heavy pack, briefpack PDF, all {os.cpu_count()} CPUs", [*TASKS, "briefpack-build", src, str(folder / "briefpack-all-cpus"), "pdf", "all"]),
    ]


def bench_heavy(folder: Path, pages: int, repeat: int, say) -> dict[str, Measurement]:
    """The footnote-heavy variant of a size: a note on every sentence."""
    shutil.rmtree(folder, ignore_errors=True)
    corpus.write_pack(folder / "sources", pages, footnote_heavy=True)
    results = {s.key: Measurement() for s in heavy_steps(folder)}
    for round_ in range(repeat):
        for step in heavy_steps(folder):
            say(f"  [{pages} pages, footnote-heavy, run {round_ + 1}/{repeat}] {step.label}")
            results[step.key].runs.append(run_child(step.argv))
    return results


def bench_size(folder: Path, pages: int, pandoc: str, repeat: int, say) -> dict[str, Measurement]:
    prepare(folder, pages)
    steps = size_steps(folder, pandoc)
    results = {s.key: Measurement() for s in steps}
    for round_ in range(repeat):
        for step in steps:
            say(f"  [{pages} pages, run {round_ + 1}/{repeat}] {step.label}")
            results[step.key].runs.append(run_child(step.argv))
    results["pandoc_pdf"] = results["pandoc_html"].then(results["weasyprint_pandoc"])
    results["pandoc_pdf_ours"] = results["pandoc_html_ours"].then(results["weasyprint_pandoc_ours"])
    return results


def compile_bytecode(say) -> None:
    """Byte-compile briefpack's own modules first, as an installed package is: an editable
    install has no .pyc until a process writes them, and with PYTHONDONTWRITEBYTECODE set none
    ever does, so every measured process would compile briefpack's source again (~0.1 s)."""
    import compileall

    import briefpack

    if not compileall.compile_dir(Path(briefpack.__file__).parent, quiet=1):
        say("warning: could not byte-compile briefpack's modules; start-up figures include compiling them")


def cli_command() -> list[str]:
    script = Path(sys.executable).parent / "briefpack"  # not a pyenv shim, which adds its own start-up
    return [str(script)] if script.exists() else [sys.executable, "-m", "briefpack.cli"]


def bench_startup(repeat: int) -> dict[str, dict]:
    """Wall time of quick commands on the sample pack, and whether they import WeasyPrint."""
    sample = str(REPO / "sources")
    commands = {"--help": ["--help"], "topics": ["topics", "--sources", sample], "check": ["check", "--sources", sample]}
    out = {}
    for name, args in commands.items():
        argv = cli_command() + args
        timing = Measurement([run_child(argv) for _ in range(max(repeat, 5))])
        traced = run_child(argv, env={**os.environ, "PYTHONPROFILEIMPORTTIME": "1"})
        imports_weasyprint = bool(re.search(r"\|\s+weasyprint(\.|\s*$)", traced.stderr, re.M))
        out[name] = {"wall_s": timing.wall, "peak_mib": timing.peak_mib, "imports_weasyprint": imports_weasyprint}
    return out


# ------------------------------------------------------------------------------ reporting


def figures(results: dict[str, Measurement]) -> dict:
    """The numbers the tables and targets use, from one size's measurements."""
    pages = results["briefpack_pdf"].fact("pages")
    return {
        "pages": pages,
        "pandoc_pages": results["weasyprint_pandoc"].fact("pages"),
        "pandoc_ours_pages": results["weasyprint_pandoc_ours"].fact("pages"),
        "weasyprint_alone_pages": results["weasyprint_alone"].fact("pages"),
        "steps": {key: m.as_dict() for key, m in results.items()},
    }


def table(rows: list[tuple[str, str, Measurement, int]], baseline: Measurement, baseline_pages: int) -> list[str]:
    """Markdown table: one row per (label, key, measurement, pages). Two ratios: of the wall
    times, and of the times per page (the fair one where a tool prints the text on fewer pages)."""
    lines = [
        "| build | pages | wall s | in-process s | peak MiB | pages/s | briefpack ÷ this, time | briefpack ÷ this, time per page |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, _, m, pages in rows:
        inner = f"{m.inner:.2f}" if m.inner is not None else "–"
        ratio = baseline.wall / m.wall
        per_page = (baseline.wall / baseline_pages) / (m.wall / pages)
        lines.append(f"| {label} | {pages} | {m.wall:.2f} | {inner} | {m.peak_mib:.0f} | {pages / m.wall:.1f} | {ratio:.2f} | {per_page:.2f} |")
    return lines


SHORT = {"briefpack_pdf": "1 CPU", "briefpack_pdf_all_cpus": f"{os.cpu_count()} CPUs",
         "briefpack_docx": "rebuild", "briefpack_docx_new_folder": "new folder"}
LABELS = {s.key: s.label for s in [*size_steps(Path("."), "pandoc"), *heavy_steps(Path("."))]} | {
    "pandoc_pdf": "pandoc + WeasyPrint (sum)", "pandoc_pdf_ours": "pandoc + WeasyPrint, briefpack's print CSS (sum)"}


def size_report(pages_target: int, results: dict[str, Measurement]) -> list[str]:
    f = figures(results)
    pages = f["pages"]

    def rows(keys, own_pages=None):
        return [(LABELS[k], k, results[k], (own_pages or {}).get(k, pages)) for k in keys]

    pdf_pages = {"weasyprint_alone": f["weasyprint_alone_pages"], "pandoc_html": f["pandoc_pages"],
                 "weasyprint_pandoc": f["pandoc_pages"], "pandoc_pdf": f["pandoc_pages"],
                 "pandoc_html_ours": f["pandoc_ours_pages"], "weasyprint_pandoc_ours": f["pandoc_ours_pages"],
                 "pandoc_pdf_ours": f["pandoc_ours_pages"]}
    pdf_keys = ["briefpack_pdf", "briefpack_pdf_all_cpus", "weasyprint_alone", "pandoc_html", "weasyprint_pandoc", "pandoc_pdf",
                "pandoc_html_ours", "weasyprint_pandoc_ours", "pandoc_pdf_ours"]
    rebuild = results["briefpack_rebuild"]
    steps = "; ".join(f"{LABELS[k]}: {' → '.join(results[k].fact('pdf_steps'))}" for k in pdf_keys[:2])
    heavy = []
    if "heavy_pdf" in results:
        heavy_pages = results["heavy_pdf"].fact("pages")
        heavy = [
            "Footnote-heavy (a note on every sentence; cost per page against the plain pack's, in-process time):",
            "",
            "| build | pages | wall s | in-process s | peak MiB | ms/page | ÷ plain ms/page |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for key, plain in (("heavy_pdf", "briefpack_pdf"), ("heavy_pdf_all_cpus", "briefpack_pdf_all_cpus")):
            m, per_page = results[key], results[key].inner / heavy_pages
            plain_per_page = results[plain].inner / pages
            heavy.append(f"| {LABELS[key]} | {heavy_pages} | {m.wall:.2f} | {m.inner:.2f} | {m.peak_mib:.0f} | "
                         f"{per_page * 1000:.0f} | {per_page / plain_per_page:.2f} |")
        heavy.append("")
    loop = results["briefpack_incremental"]
    return [
        f"### About {pages_target} pages: briefpack's PDF has {pages} pages",
        "",
        "PDF (pages: each tool's own PDF; pandoc's default HTML style prints fewer, wider-set pages, "
        "so compare time per page; with briefpack's print CSS, pandoc's HTML still has endnotes, no cover, "
        "contents or running heads):",
        "",
        *table(rows(pdf_keys, pdf_pages), results["briefpack_pdf"], pages),
        "",
        f"What the PDF writer did (last run) — {steps}.",
        "",
        "DOCX (pages: briefpack's PDF of the same content):",
        "",
        *table(rows(["briefpack_docx", "briefpack_docx_new_folder", "pandoc_docx"]), results["briefpack_docx"], pages),
        "",
        f"No-change rebuild (PDF + DOCX): {rebuild.wall:.2f} s wall, {rebuild.inner:.3f} s in build_pack, "
        f"{rebuild.fact('up_to_date')} up to date, {rebuild.fact('written')} written.",
        "",
        f"Writing loop (one process, as `serve` / `build --watch`; one of {loop.fact('sections')} sections edited; medians): "
        f"HTML preview refreshed in {median_fact(loop, 'html_refresh_s'):.3f} s "
        f"(first load and render {median_fact(loop, 'first_html_s'):.2f} s); from the save to the new HTML, "
        f"file event included, {median_fact(loop, 'save_to_html_s'):.3f} s; PDF rebuilt in "
        f"{median_fact(loop, 'pdf_rebuild_s'):.2f} s against {median_fact(loop, 'full_pdf_s'):.2f} s for a full build "
        f"({median_fact(loop, 'pdf_rebuild_s') / median_fact(loop, 'full_pdf_s'):.2f}×; the session's first build, "
        f"which keeps the layouts, {median_fact(loop, 'first_pdf_s'):.2f} s); rebuilt bytes identical to a fresh build: "
        f"{'yes' if all(r.report['rebuild_bytes_identical'] for r in loop.runs) else 'NO'}.",
        "",
        *heavy,
    ]


def median_fact(m: Measurement, key: str) -> float:
    import statistics

    return statistics.median(r.report[key] for r in m.runs)


@dataclass
class Target:
    name: str
    figure: str
    met: bool

    def line(self) -> str:
        return f"| {self.name} | {self.figure} | {'MET' if self.met else 'NOT MET'} |"


def ratio_target(name: str, sizes, results, theirs: str, limit: float, ours=("briefpack_pdf", "briefpack_pdf_all_cpus"),
                 their_pages: str | None = None) -> Target:
    """ours ÷ theirs (wall time) at every size must stay ≤ limit, judged on the first of `ours`
    (like for like: one CPU); the others are shown beside it. With `their_pages` (the fact
    holding the pages of their PDF), time per page is compared instead of time."""
    def ratio(p, key):
        r = results[p]
        if their_pages is None:
            return r[key].wall / r[theirs].wall
        return (r[key].wall / r["briefpack_pdf"].fact("pages")) / (r[theirs].wall / r[their_pages[0]].fact(their_pages[1]))

    figure = "; ".join(
        f"{p}p: " + ", ".join(f"{ratio(p, k):.2f}×" + (f" ({SHORT[k]})" if len(ours) > 1 else "") for k in ours)
        for p in sizes
    )
    return Target(f"{name} ≤ {limit}×", figure, all(ratio(p, ours[0]) <= limit for p in sizes))


def targets(sizes: list[int], results: dict[int, dict[str, Measurement]], startup: dict) -> list[Target]:
    small, large = min(sizes), max(sizes)
    out = [
        ratio_target("PDF ÷ WeasyPrint alone on briefpack's HTML", sizes, results, "weasyprint_alone", 1.1),
        ratio_target("PDF ÷ pandoc + WeasyPrint", sizes, results, "pandoc_pdf", 1.0),
        ratio_target("PDF ÷ pandoc + WeasyPrint, time per page", sizes, results, "pandoc_pdf", 1.0,
                     their_pages=("weasyprint_pandoc", "pages")),
        ratio_target("PDF ÷ pandoc + WeasyPrint with briefpack's print CSS, time per page", sizes, results,
                     "pandoc_pdf_ours", 1.0, their_pages=("weasyprint_pandoc_ours", "pages")),
        ratio_target("DOCX ÷ pandoc DOCX", sizes, results, "pandoc_docx", 1.0, ours=("briefpack_docx", "briefpack_docx_new_folder")),
    ]
    for fmt, key in (("PDF, 1 CPU", "briefpack_pdf"), (f"PDF, {os.cpu_count()} CPUs", "briefpack_pdf_all_cpus"), ("DOCX", "briefpack_docx")):
        per_page = {p: results[p][key].inner / results[p]["briefpack_pdf"].fact("pages") for p in (small, large)}
        growth = per_page[large] / per_page[small]
        out.append(Target(
            f"{fmt}: cost per page at {large}p ≤ 1.3× that at {small}p (in-process build time)",
            f"{per_page[small] * 1000:.0f} → {per_page[large] * 1000:.0f} ms/page: {growth:.2f}×",
            growth <= 1.3,
        ))
    for fmt, key in (("PDF", "briefpack_pdf"), ("DOCX", "briefpack_docx"), ("PDF, all CPUs", "briefpack_pdf_all_cpus")):
        peak = results[large][key].peak_mib
        out.append(Target(f"{fmt} peak memory at {large}p < 1 GB", f"{peak:.0f} MiB", peak < 1000))
    parallel = results[large]["briefpack_pdf_all_cpus"].wall / results[large]["weasyprint_alone"].wall
    out.append(Target(f"PDF at {large}p on {os.cpu_count()} CPUs ≤ 0.65× WeasyPrint alone", f"{parallel:.2f}×", parallel <= 0.65))
    near_100 = min(sizes, key=lambda p: abs(p - 100))
    loop = results[near_100]["briefpack_incremental"]
    refresh = median_fact(loop, "html_refresh_s")
    out.append(Target(f"HTML preview refreshed after a one-section edit at {near_100}p ≤ 0.3 s",
                      f"{refresh:.3f} s (save → new HTML, file event included: {median_fact(loop, 'save_to_html_s'):.3f} s)",
                      refresh <= 0.3))
    ratios = {p: median_fact(results[p]["briefpack_incremental"], "pdf_rebuild_s")
                 / median_fact(results[p]["briefpack_incremental"], "full_pdf_s") for p in sizes}
    identical = all(r.report["rebuild_bytes_identical"] for p in sizes for r in results[p]["briefpack_incremental"].runs)
    out.append(Target(f"PDF rebuilt after a one-section edit at {near_100}p ≤ 0.5× a full build, byte-identical to a fresh build",
                      ", ".join(f"{p}p: {r:.2f}×" for p, r in ratios.items()) + ("" if identical else "; bytes DIFFER"),
                      ratios[near_100] <= 0.5 and identical))
    imports = [name for name, s in startup.items() if s["imports_weasyprint"]]
    out.append(Target(
        "`briefpack --help`, `topics`, `check` do not import WeasyPrint",
        ", ".join(f"{name}: {s['wall_s']:.2f} s" for name, s in startup.items()),
        not imports,
    ))
    if all("heavy_pdf" in results[p] for p in sizes):
        def heavy_ratio(p):
            heavy, plain = results[p]["heavy_pdf"], results[p]["briefpack_pdf"]
            return (heavy.inner / heavy.fact("pages")) / (plain.inner / plain.fact("pages"))

        out.append(Target(
            "PDF, 1 CPU: a footnote-heavy page costs ≤ 2× a plain page (in-process build time)",
            "; ".join(f"{p}p: {heavy_ratio(p):.2f}×" for p in sizes),
            all(heavy_ratio(p) <= 2.0 for p in sizes),
        ))
    rebuilt = {p: results[p]["briefpack_rebuild"] for p in sizes}
    out.append(Target(
        "a no-change rebuild writes nothing",
        ", ".join(f"{p}p: {m.wall:.2f} s" for p, m in rebuilt.items()),
        all(m.fact("written") == 0 and m.fact("up_to_date") == 2 for m in rebuilt.values()),
    ))
    return out


def machine() -> dict:
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout if shutil.which("lscpu") else ""
    model = re.search(r"^Model name:\s*(.+)$", lscpu, re.M)
    mem_kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    import pypandoc

    git = ["git", "-C", str(REPO)]
    commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run([*git, "status", "--porcelain", "--", "src", "styles"], capture_output=True, text=True).stdout.strip()
    if dirty:
        commit += " + uncommitted changes in src/ or styles/"
    return {
        "cpu": model.group(1) if model else platform.processor(),
        "cores": os.cpu_count(),
        "ram_gib": round(mem_kib / 1024 / 1024, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "weasyprint": version("weasyprint"),
        "python-docx": version("python-docx"),
        "pandoc": pypandoc.get_pandoc_version(),
        "briefpack": f"{version('briefpack')} ({commit})",
    }


# ------------------------------------------------------------------------------ main


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,60,100,400", help="approximate page counts, comma-separated")
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "briefpack-bench",
                        help="work folder for generated packs and outputs")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each build (the median time is reported)")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    parser.add_argument("--footnote-heavy", action="store_true",
                        help="also build each size with a note on every sentence (cost of a page of notes)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    import pypandoc

    pandoc = pypandoc.get_pandoc_path()

    def say(message):
        print(message, file=sys.stderr, flush=True)

    info = machine()
    say("machine: " + ", ".join(f"{k} {v}" for k, v in info.items()))
    compile_bytecode(say)
    startup = bench_startup(args.repeat)
    results = {}
    for pages in sizes:
        results[pages] = bench_size(args.out / f"{pages:04d}", pages, pandoc, args.repeat, say)
        if args.footnote_heavy:
            results[pages] |= bench_heavy(args.out / f"{pages:04d}-heavy", pages, args.repeat, say)

    lines = [f"Command: `python benchmarks/{Path(__file__).name} {' '.join(argv if argv is not None else sys.argv[1:])}`", ""]
    lines += ["| machine | |", "| --- | --- |", *(f"| {k} | {v} |" for k, v in info.items()), ""]
    lines += ["Start-up on the sample pack (median wall time):", ""]
    lines += [f"- `briefpack {name}`: {s['wall_s']:.2f} s, {s['peak_mib']:.0f} MiB, imports WeasyPrint: "
              f"{'yes' if s['imports_weasyprint'] else 'no'}" for name, s in startup.items()]
    lines.append("")
    for pages in sizes:
        lines += size_report(pages, results[pages])
    checked = targets(sizes, results, startup)
    lines += ["### Targets", "", "| target | figure | |", "| --- | --- | --- |", *(t.line() for t in checked)]
    print("\n".join(lines))

    if args.json:
        args.json.write_text(json.dumps({
            "machine": info,
            "repeat": args.repeat,
            "startup": startup,
            "sizes": {str(p): figures(results[p]) for p in sizes},
            "targets": [{"name": t.name, "figure": t.figure, "met": t.met} for t in checked],
        }, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
