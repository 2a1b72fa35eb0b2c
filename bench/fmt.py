#!/usr/bin/env python3
"""Time `kcfg fmt` against jsonnetfmt, per file and on whole trees.

Per file, on the largest inputs (each implementation formats one file to
standard output):

  kcfg         kcfg fmt FILE
  jsonnetfmt   JSONNETFMT FILE, for each jsonnetfmt given (C++ 0.22, Debian's
               0.18, go-jsonnet's: any command with jsonnetfmt's command line)

On a tree (a fresh copy for every run, all of its .kcfg, .jsonnet and
.libsonnet files rewritten in place):

  kcfg -i      kcfg fmt -i TREE (files in parallel; RAYON_NUM_THREADS=1 for
               the one-thread row)
  loop         for f in FILES; do JSONNETFMT -i "$f"; done (what a hook or a
               `find -exec` does)
  one process  JSONNETFMT -i FILES... (jsonnetfmt's own multi-file -i)

Before timing, every file's kcfg output is compared with the first
jsonnetfmt's (a 0.22 build is the reference; the table says how many
differ). Wall time is the median of the timed runs, through hyperfine
(`apt-get install hyperfine`); CPU time (user + system, the mean) is printed
beside it, since on a busy machine the wall time of a few-millisecond run
is mostly waiting for a core. With --instructions, each per-file run's
instruction count (valgrind), which other load does not disturb. Prints
markdown tables.

Standard library only. See bench/README.md.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXTENSIONS = (".kcfg", ".jsonnet", ".libsonnet")


def sources(tree):
    """The files `kcfg fmt -i TREE` formats: sources under TREE, skipping
    vendor/ and hidden directories below it and symbolic links."""
    found = []
    for parent, dirs, files in os.walk(tree):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "vendor"
                         and not os.path.islink(os.path.join(parent, d)))
        for name in sorted(files):
            path = os.path.join(parent, name)
            if name.endswith(EXTENSIONS) and not os.path.islink(path):
                found.append(path)
    return found


def largest(tree, count):
    """The `count` largest source files under `tree` (vendor/ included)."""
    found = []
    for parent, _, files in os.walk(tree):
        found += [os.path.join(parent, f) for f in files if f.endswith(EXTENSIONS)]
    return sorted(found, key=os.path.getsize, reverse=True)[:count]


def hyperfine(commands, runs, prepare=None, env=None):
    """(median wall seconds, mean user + system seconds) of each (name,
    shell command) in `commands`."""
    with tempfile.NamedTemporaryFile(suffix=".json") as report:
        argv = ["hyperfine", "--runs", str(runs), "--warmup", "1", "--output=null",
                "--export-json", report.name]
        if prepare:
            argv += ["--prepare", prepare]
        for name, command in commands:
            argv += ["--command-name", name, command]
        subprocess.run(argv, check=True, capture_output=True, env=env)
        results = json.load(open(report.name))["results"]
    return [(statistics.median(r["times"]), r["user"] + r["system"]) for r in results]


def instructions(argv):
    """Instructions one run executes (valgrind's callgrind), the whole
    process from exec to exit: unlike time, not disturbed by other load.
    None where valgrind cannot run the program (Go's runtime)."""
    result = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"] + argv,
                            capture_output=True, text=True)
    for line in result.stderr.splitlines():
        if "refs:" in line:
            return int(line.split("refs:")[1].replace(",", ""))
    return None


def quote(argv):
    return " ".join(subprocess.list2cmdline([a]) for a in argv)


def formatted(argv, path):
    result = subprocess.run(argv + [path], capture_output=True)
    return result.stdout if result.returncode == 0 else None


def seconds_text(seconds):
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kcfg", default=os.path.join(ROOT, "target", "release", "kcfg"))
    parser.add_argument("--jsonnetfmt", action="append", default=[], metavar="NAME=COMMAND",
                        help="a jsonnetfmt to compare with, e.g. 'C++ 0.22=/opt/jsonnetfmt'; "
                             "repeatable; the first is the reference for the output check "
                             "(default: 'Debian 0.18=/usr/bin/jsonnetfmt' if installed)")
    parser.add_argument("--cases", default=os.path.join(ROOT, "..", "shared", "bench", "cases"),
                        help="the shared benchmark cases (default ../shared/bench/cases)")
    parser.add_argument("--runs", type=int, default=10, help="timed runs per cell (default 10)")
    parser.add_argument("--tree-runs", type=int, default=5, help="timed runs per tree (default 5)")
    parser.add_argument("--instructions", action="store_true",
                        help="also count each per-file run's instructions with valgrind")
    parser.add_argument("--work", default=None,
                        help="where tree copies go (default: the system's temporary directory; "
                             "/dev/shm leaves the disk out of the measurement)")
    args = parser.parse_args()
    if not shutil.which("hyperfine"):
        sys.exit("hyperfine is not installed (apt-get install hyperfine)")
    others = []
    for spec in args.jsonnetfmt or (["Debian 0.18=/usr/bin/jsonnetfmt"]
                                    if os.path.exists("/usr/bin/jsonnetfmt") else []):
        name, _, command = spec.partition("=")
        others.append((name, os.path.abspath(command)))
    kcfg = os.path.abspath(args.kcfg)
    cases = os.path.abspath(args.cases)
    kube = os.path.join(cases, "kube-prometheus", "vendor")
    edge = os.path.join(ROOT, "examples", "edge-fleet")
    files = [
        ("kube-prometheus, largest file", largest(kube, 1)[0]),
        ("bench05_big_object", os.path.join(cases, "google-jsonnet", "bench05_big_object.jsonnet")),
        ("large_string_template",
         os.path.join(cases, "google-jsonnet", "large_string_template.jsonnet")),
        ("edge-fleet, largest file", largest(edge, 1)[0]),
    ]
    trees = [("kube-prometheus vendor/", kube), ("examples/edge-fleet", edge)]

    # The outputs must agree before their speed means anything.
    if others:
        reference_name, reference = others[0]
        checked = sorted(set(sum((sources(tree) for _, tree in trees), [])
                             + [path for _, path in files]))
        differ = [path for path in checked
                  if formatted([reference], path) != formatted([kcfg, "fmt"], path)]
        print(f"kcfg fmt and {reference_name}: {len(checked) - len(differ)} of "
              f"{len(checked)} files formatted identically", file=sys.stderr)
        for path in differ:
            print(f"  differs: {os.path.relpath(path, ROOT)}", file=sys.stderr)

    names = ["kcfg"] + [name for name, _ in others]
    print("Per file: wall time (median), then CPU time; in brackets, how many times kcfg's.")
    print()
    print("| file | size | " + " | ".join(names) + " |")
    print("|---|---:|" + "---:|" * len(names))
    for label, path in files:
        print(f"{label} ...", file=sys.stderr, flush=True)
        commands = [("kcfg", quote([kcfg, "fmt", path]))]
        commands += [(name, quote([command, path])) for name, command in others]
        times = hyperfine(commands, args.runs)
        (wall, cpu) = times[0]
        cells = [f"{seconds_text(wall)} · {seconds_text(cpu)} CPU"]
        cells += [f"{seconds_text(w)} ({w / wall:.1f}×) · {seconds_text(c)} CPU ({c / cpu:.1f}×)"
                  for w, c in times[1:]]
        print(f"| {label} | {os.path.getsize(path) / 1024:.0f} KiB | " + " | ".join(cells) + " |")
        if args.instructions:
            counts = [instructions([kcfg, "fmt", path])]
            counts += [instructions([command, path]) for _, command in others]
            cells = [f"{counts[0] / 1e6:.1f} M"]
            cells += [f"{n / 1e6:.1f} M ({n / counts[0]:.1f}×)" if n else "?" for n in counts[1:]]
            print(f"| {label}, instructions | | " + " | ".join(cells) + " |")

    print()
    print("| tree | files | implementation | wall time | vs kcfg -i | CPU time |")
    print("|---|---:|---|---:|---:|---:|")
    work = tempfile.mkdtemp(prefix="kcfg-fmt-bench-", dir=args.work)
    try:
        for label, tree in trees:
            print(f"{label} ...", file=sys.stderr, flush=True)
            copy = os.path.join(work, "tree")
            prepare = f"rm -rf {quote([copy])} && cp -r {quote([tree, copy])} && chmod -R u+w {quote([copy])}"
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(tree, copy, symlinks=True)
            listed = [os.path.relpath(p, copy) for p in sources(copy)]
            count = len(listed)
            # Relative paths keep the command lines short; they run in `work`.
            relative = [os.path.join("tree", p) for p in listed]
            rows = [("kcfg -i", quote([kcfg, "fmt", "-i", "tree"])),
                     ("kcfg -i, 1 thread", "RAYON_NUM_THREADS=1 " + quote([kcfg, "fmt", "-i", "tree"]))]
            for name, command in others:
                rows.append((f"{name}, loop", "for f in " + quote(relative) + "; do "
                             + quote([command]) + ' -i "$f"; done'))
                rows.append((f"{name}, one process", quote([command, "-i"] + relative)))
            os.chdir(work)
            times = hyperfine(rows, args.tree_runs, prepare=prepare)
            os.chdir(ROOT)
            for (name, _), (wall, cpu) in zip(rows, times):
                print(f"| {label} | {count} | {name} | {seconds_text(wall)} | "
                      f"{wall / times[0][0]:.1f}× | {seconds_text(cpu)} |")
    finally:
        os.chdir(ROOT)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
