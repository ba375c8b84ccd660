"""A longer fuzz run than the test suite's: `python tests/fuzz.py [--examples N]`.

Same property as tests/test_properties.py — every generated pack builds valid PDF and DOCX
files or fails with clear problems — with many more examples, all three formats each time.
The packs hold hostile Markdown (control characters and character references, nesting far
past the limits, pathological runs of brackets, stars and note calls) and a generated SVG
whose elements refer to each other, to themselves, to files and to the network. Each example
runs under a 60 s alarm: a hang is a failure, not a stuck fuzzer.
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from pack_strategies import body, front_matter, svg_document  # noqa: E402
from test_properties import check_pack_builds_or_fails_clearly, write_generated  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=500)
    args = parser.parse_args()

    @settings(max_examples=args.examples, deadline=None, suppress_health_check=list(HealthCheck))
    @given(sections=st.lists(st.tuples(front_matter, body), min_size=1, max_size=4), svg=st.none() | svg_document)
    def run(sections, svg):
        signal.alarm(60)
        try:
            with tempfile.TemporaryDirectory() as tmp:
                check_pack_builds_or_fails_clearly(write_generated(Path(tmp) / "p", sections, svg=svg))
        finally:
            signal.alarm(0)

    def hung(signum, frame):
        raise TimeoutError("one generated pack took more than 60 s: a hang")

    signal.signal(signal.SIGALRM, hung)

    run()
    print(f"fuzz: {args.examples} generated packs, no crash")


if __name__ == "__main__":
    main()
