#!/usr/bin/env python3
"""Time incremental renders of the edge fleet (issue 18).

Copies examples/edge-fleet into a temporary directory (with --clusters N,
its inventory grown to N clusters: each of the 100 clusters repeated with
a suffix and an address block of its own), renders it once, then times
with hyperfine, in one run so the ratios share the machine's state:

  full            kcfg render --no-incremental   (every target evaluated,
                                                  and recorded)
  base            BASE render (with --base: a kcfg without incremental
                  renders, to measure the cost of recording)
  no change       kcfg render
  app change      kcfg render after an edit of apps/APP/main.kcfg
                  (each run appends a comment: the app's targets change)
  library change  kcfg render after an edit of lib/k8s.libsonnet (every
                  application target)
  cache: ...      no change, app change with kcfg render --cache DIR
  check ...       the same as kcfg render --check --cache DIR

With --before OTHER_KCFG, every run is also measured with that build, on a
copy of its own, in the same hyperfine run (before/after tables).

Prints hyperfine's table (mean, and each command relative to the fastest)
and the ratio of each command to `full`. Standard library only; needs
hyperfine.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, "examples", "edge-fleet")


def grow_inventory(plan, clusters):
    """Rewrites inventory/clusters.yaml with `clusters` clusters."""
    path = os.path.join(plan, "inventory", "clusters.yaml")
    with open(path) as file:
        text = file.read()
    head, body = text.split("\nclusters:\n", 1)
    entries = re.split(r"\n(?=  - name: )", body.strip("\n"))
    entries = [e for e in entries if e.lstrip().startswith("- name: ")]
    grown = []
    for index in range(clusters):
        entry = entries[index % len(entries)]
        copy = index // len(entries)
        if copy:
            entry = re.sub(r"(- name: \S+)", r"\1-r%d" % copy, entry, count=1)
            block = "10.%d.%d.%d/28" % (copy, (index % 4096) // 16, (index % 16) * 16)
            entry = re.sub(r"externalIPs: \S+", "externalIPs: " + block, entry)
        grown.append(entry.rstrip("\n"))
    with open(path, "w") as file:
        file.write(head + "\nclusters:\n" + "\n".join(grown) + "\n")


def prepare(kcfg, work, label, clusters):
    """A copy of the example for one kcfg build, rendered once and checked
    once into its cache."""
    plan = os.path.join(work, label, "ef")
    shutil.rmtree(os.path.join(work, label), ignore_errors=True)
    shutil.copytree(EXAMPLE, plan, ignore=shutil.ignore_patterns("rendered"))
    if clusters:
        grow_inventory(plan, clusters)
    cache = os.path.join(work, label, "cache")
    subprocess.run([kcfg, "render", "-q", plan], check=True)
    subprocess.run([kcfg, "render", "-q", "--check", "--cache", cache, plan], check=True)
    subprocess.run([kcfg, "render", "-q", "--cache", cache, plan], check=True)
    return plan, cache


def rows(kcfg, plan, cache, app):
    """(name, prepare, command) of each measured run of one build."""
    app_file = os.path.join(plan, "apps", app, "main.kcfg")
    lib_file = os.path.join(plan, "lib", "k8s.libsonnet")
    touch = lambda path: "sh -c 'echo // bench >> %s'" % path
    render = [kcfg, "render", "-q"]
    return [
        ("full", "true", render + ["--no-incremental", plan]),
        ("no change", "true", render + [plan]),
        ("app change", touch(app_file), render + [plan]),
        ("library change", touch(lib_file), render + [plan]),
        ("cache: no change", "true", render + ["--cache", cache, plan]),
        ("cache: app change", touch(app_file), render + ["--cache", cache, plan]),
        ("check full", "true", render + ["--check", plan]),
        ("check no change", "true", render + ["--check", "--cache", cache, plan]),
        ("check app change", touch(app_file), render + ["--check", "--cache", cache, plan]),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kcfg", default=os.path.join(ROOT, "target", "release", "kcfg"))
    parser.add_argument("--before", help="another kcfg build, measured beside --kcfg in the same run")
    parser.add_argument("--base", help="a kcfg build without incremental renders")
    parser.add_argument("--clusters", type=int, help="grow the inventory to N clusters")
    parser.add_argument("--app", default="content-cache", help="the application edited")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--work", help="directory to work in (default: a temporary one)")
    args = parser.parse_args()
    work = args.work or tempfile.mkdtemp(prefix="kcfg-incremental-")
    builds = [("after", os.path.abspath(args.kcfg))]
    if args.before:
        builds.insert(0, ("before", os.path.abspath(args.before)))
    runs = []
    for label, kcfg in builds:
        plan, cache = prepare(kcfg, work, label, args.clusters)
        runs += [(label, name, prep, argv) for name, prep, argv in rows(kcfg, plan, cache, args.app)]
        if args.base and label == builds[-1][0]:
            # The same full render by a build that records nothing, on this
            # copy (its output is the same; it ignores the record).
            runs.insert(len(runs) - 8, (label, "base (no recording)", "true",
                                        [os.path.abspath(args.base), "render", "-q", plan]))
    with open(os.path.join(plan, "rendered", ".kcfg-inputs")) as file:
        targets = json.load(file)["targets"]
    app = sum(1 for name in targets if name.endswith("/" + args.app))
    print("%d targets; %s: %d targets (%.1f%%)" % (len(targets), args.app, app, 100 * app / len(targets)))
    command = ["hyperfine", "-N", "--runs", str(args.runs), "--warmup", "1",
               "--export-json", os.path.join(work, "hyperfine.json")]
    for label, name, prepare_run, argv in runs:
        command += ["--prepare", prepare_run, "-n", "%s: %s" % (label, name), " ".join(argv)]
    subprocess.run(command, check=True)
    with open(os.path.join(work, "hyperfine.json")) as file:
        results = {r["command"]: r for r in json.load(file)["results"]}
    labels = [label for label, _ in builds]
    names = []
    for _, name, _, _ in runs:
        if name not in names:
            names.append(name)
    print("\n| run | " + " | ".join("%s: mean s (user+sys s) | %s: share of full" % (l, l) for l in labels) + " |")
    print("|---|" + "---|---|" * len(labels))
    for name in names:
        cells = []
        for label in labels:
            result = results.get("%s: %s" % (label, name))
            full = results["%s: full" % label]["mean"]
            if result is None:
                cells += ["", ""]
                continue
            cells.append("%.3f (%.3f)" % (result["mean"], result["user"] + result["system"]))
            cells.append("%.1f%%" % (100 * result["mean"] / full))
        print("| %s | %s |" % (name, " | ".join(cells)))


if __name__ == "__main__":
    sys.exit(main())
