#!/usr/bin/env python3
"""Records the Jsonnet reference's answer for each parser test input.

For every `errors/NAME.jsonnet`, runs the C++ reference implementation
(google/jsonnet, through its Python binding: `pip install jsonnet`) the way
the conformance suite runs it, from this directory with a bare file name, and
writes the first line of its error to `errors/NAME.jsonnet.golden`.

`cargo test -p kcfg-lang --test syntax` then checks that kcfg's first line
is the same (or, where kcfg knowingly differs, the line in
`NAME.jsonnet.override`; see README.md).

The static-analysis cases in `lang/tests/static_errors/` are recorded the
same way (`--dir static_errors`, relative to `lang/tests/`) and checked by
`cargo test -p kcfg-lang --test diagnostics`.

Usage: python3 lang/tests/syntax/update_goldens.py [--dir static_errors] [NAME ...]
"""

import os
import sys

import _jsonnet  # the C++ implementation's binding (pip package `jsonnet`)

HERE = os.path.dirname(os.path.abspath(__file__))


def first_line(directory: str, name: str) -> str:
    with open(os.path.join(directory, name), encoding="utf-8", newline="") as f:
        text = f.read()
    try:
        _jsonnet.evaluate_snippet(name, text)
    except RuntimeError as err:
        return str(err).split("\n")[0]
    return "OK"


def main() -> None:
    args = sys.argv[1:]
    directory = os.path.join(HERE, "errors")
    if args[:1] == ["--dir"] and len(args) >= 2:
        directory = os.path.join(os.path.dirname(HERE), args[1])
        args = args[2:]
    names = args or sorted(n for n in os.listdir(directory) if n.endswith(".jsonnet"))
    for name in names:
        if not name.endswith(".jsonnet"):
            name += ".jsonnet"
        try:
            line = first_line(directory, name)
        except UnicodeDecodeError:
            # The reference put a stray byte of a UTF-8 character in its
            # message, which the binding cannot decode; such goldens are
            # written by hand (see README.md).
            print(f"{name}: message is not UTF-8, golden left as it is")
            continue
        with open(os.path.join(directory, name + ".golden"), "w", encoding="utf-8", newline="") as f:
            f.write(line + "\n")
        print(f"{name}: {line}")


if __name__ == "__main__":
    main()
