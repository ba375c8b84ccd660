"""A longer fuzz run than the test suite's: `python tests/fuzz.py [--examples N]`.

Same property as tests/test_properties.py — every generated pack builds valid PDF and DOCX
files or fails with clear problems — with many more examples, all three formats each time.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from pack_strategies import body, front_matter  # noqa: E402
from test_properties import check_pack_builds_or_fails_clearly, write_generated  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=500)
    args = parser.parse_args()

    @settings(max_examples=args.examples, deadline=None, suppress_health_check=list(HealthCheck))
    @given(sections=st.lists(st.tuples(front_matter, body), min_size=1, max_size=4))
    def run(sections):
        with tempfile.TemporaryDirectory() as tmp:
            check_pack_builds_or_fails_clearly(write_generated(Path(tmp) / "p", sections))

    run()
    print(f"fuzz: {args.examples} generated packs, no crash")


if __name__ == "__main__":
    main()
