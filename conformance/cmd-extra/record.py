#!/usr/bin/env python3
"""Records the goldens of this directory's command-line cases.

    JSONNET_BIN=/path/to/jsonnet-0.22 python3 record.py [--kcfg PATH] [NAME...]

Runs every case whose `reference` is `jsonnet-0.22` with JSONNET_BIN (the
C++ jsonnet 0.22 command line, see README.md for how to build it) exactly
as cli/tests/conformance.rs runs it, and writes what it printed and the
files it wrote as the case's goldens; `exit`, `stdout` and `stderr` in
cases.json are updated to match. Cases whose `reference` is `kcfg` (flags
the C++ command does not have) are recorded only with `--kcfg PATH`, as
`PATH eval ARGS`; review those by hand. Python 3.11, standard library only.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def substitute(text, out):
    return text.replace("{out}", str(out)).replace("{dir}", str(HERE))


def replace_out(text, out, everywhere):
    lines = []
    for line in text.splitlines(keepends=True):
        if everywhere:
            line = line.replace(str(out), "out")
        elif line.startswith(str(out)):
            line = "out" + line[len(str(out)):]
        lines.append(line)
    return "".join(lines)


def record(case, command, out):
    name = case["name"]
    (out / name).mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "JSONNET_PATH"}
    env.update(case.get("env", {}))
    args = [substitute(arg, out) for arg in case["args"]]
    run = subprocess.run(command + args, cwd=HERE, env=env, stdin=subprocess.DEVNULL, capture_output=True)
    stdout = run.stdout.decode()
    stderr = run.stderr.decode()
    if case.get("stdout_out_prefix"):
        stdout = replace_out(stdout, out, everywhere=False)
    if case.get("stderr_out_paths"):
        stderr = replace_out(stderr, out, everywhere=True)
    case["exit"] = run.returncode
    for stream, text in (("stdout", stdout), ("stderr", stderr)):
        golden = f"{name}.golden.{stream}"
        if text:
            (HERE / golden).write_text(text)
            case[stream] = golden
        else:
            (HERE / golden).unlink(missing_ok=True)
            case[stream] = None
    for file in case.get("files", []):
        path = Path(substitute(file["path"], out))
        (HERE / file["golden"]).write_bytes(path.read_bytes())
    print(f"{name}: exit {run.returncode}")


def main():
    argv = sys.argv[1:]
    kcfg = None
    if argv[:1] == ["--kcfg"]:
        kcfg = argv[1]
        argv = argv[2:]
    jsonnet = os.environ.get("JSONNET_BIN")
    if not jsonnet:
        sys.exit("set JSONNET_BIN to the C++ jsonnet 0.22 command")
    data = json.loads((HERE / "cases.json").read_text())
    with tempfile.TemporaryDirectory() as out:
        out = Path(out)
        for case in data["cases"]:
            if argv and case["name"] not in argv:
                continue
            if case["reference"] == "jsonnet-0.22":
                record(case, [jsonnet], out)
            elif kcfg:
                record(case, [kcfg, "eval"], out)
    # One case per line, as google/jsonnet's test_cmd cases are kept.
    lines = ",\n".join("  " + json.dumps(case, ensure_ascii=False) for case in data["cases"])
    head = {k: v for k, v in data.items() if k != "cases"}
    text = json.dumps(head, indent=1, ensure_ascii=False)[:-2] + ',\n "cases": [\n' + lines + "\n ]\n}\n"
    (HERE / "cases.json").write_text(text)


main()
