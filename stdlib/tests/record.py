#!/usr/bin/env python3
"""Records goldens for tests/cases/**/*.jsonnet with C++ jsonnet 0.22.

Needs the reference's Python binding: pip install jsonnet==0.22.0.
Usage: python3 stdlib/tests/record.py [CASE.jsonnet ...]   (default: all cases)

A golden is the program's output as `jsonnet` prints it, or the first line
of its error message. Cases named in a `// kcfg-divergence:` comment are
skipped: their golden holds kcfg's deliberate output.
"""
import pathlib
import sys

import _jsonnet

ROOT = pathlib.Path(__file__).resolve().parent / "cases"


def record(case: pathlib.Path) -> None:
    text = case.read_text()
    if "kcfg-divergence:" in text:
        return
    try:
        out = _jsonnet.evaluate_snippet(case.name, text)
        if not out.endswith("\n"):
            out += "\n"
    except RuntimeError as err:
        out = str(err).splitlines()[0] + "\n"
    case.with_suffix(".golden").write_text(out)


def main() -> None:
    cases = [pathlib.Path(p) for p in sys.argv[1:]] or sorted(ROOT.rglob("*.jsonnet"))
    for case in cases:
        record(case)


if __name__ == "__main__":
    main()
