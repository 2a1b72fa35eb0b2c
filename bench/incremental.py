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
  check ...       the same as kcfg render --check --cache DIR

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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kcfg", default=os.path.join(ROOT, "target", "release", "kcfg"))
    parser.add_argument("--base", help="a kcfg build without incremental renders")
    parser.add_argument("--clusters", type=int, help="grow the inventory to N clusters")
    parser.add_argument("--app", default="content-cache", help="the application edited")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--work", help="directory to work in (default: a temporary one)")
    args = parser.parse_args()
    kcfg = os.path.abspath(args.kcfg)
    work = args.work or tempfile.mkdtemp(prefix="kcfg-incremental-")
    plan = os.path.join(work, "ef")
    shutil.rmtree(plan, ignore_errors=True)
    shutil.copytree(EXAMPLE, plan, ignore=shutil.ignore_patterns("rendered"))
    if args.clusters:
        grow_inventory(plan, args.clusters)
    cache = os.path.join(work, "cache")
    shutil.rmtree(cache, ignore_errors=True)
    subprocess.run([kcfg, "render", "-q", plan], check=True)
    subprocess.run([kcfg, "render", "-q", "--check", "--cache", cache, plan], check=True)
    with open(os.path.join(plan, "rendered", ".kcfg-inputs")) as file:
        targets = json.load(file)["targets"]
    app = sum(1 for name in targets if name.endswith("/" + args.app))
    print("%d targets; %s: %d targets (%.1f%%)" % (len(targets), args.app, app, 100 * app / len(targets)))

    app_file = os.path.join(plan, "apps", args.app, "main.kcfg")
    lib_file = os.path.join(plan, "lib", "k8s.libsonnet")
    touch = lambda path: "sh -c 'echo // bench >> %s'" % path
    runs = [
        ("full", "true", [kcfg, "render", "-q", "--no-incremental", plan]),
        ("no change", "true", [kcfg, "render", "-q", plan]),
        ("app change", touch(app_file), [kcfg, "render", "-q", plan]),
        ("library change", touch(lib_file), [kcfg, "render", "-q", plan]),
        ("check full", "true", [kcfg, "render", "-q", "--check", plan]),
        ("check no change", "true", [kcfg, "render", "-q", "--check", "--cache", cache, plan]),
        ("check app change", touch(app_file), [kcfg, "render", "-q", "--check", "--cache", cache, plan]),
    ]
    if args.base:
        runs.insert(1, ("base", "true", [os.path.abspath(args.base), "render", "-q", plan]))
    command = ["hyperfine", "-N", "--runs", str(args.runs), "--warmup", "1",
               "--export-json", os.path.join(work, "hyperfine.json")]
    for name, prepare, argv in runs:
        command += ["--prepare", prepare, "-n", name, " ".join(argv)]
    subprocess.run(command, check=True)
    with open(os.path.join(work, "hyperfine.json")) as file:
        results = {r["command"]: r for r in json.load(file)["results"]}
    full = results["full"]["mean"]
    print("\n| run | mean (s) | share of full |\n|---|---|---|")
    for name, _, _ in runs:
        mean = results[name]["mean"]
        print("| %s | %.3f | %.1f%% |" % (name, mean, 100 * mean / full))


if __name__ == "__main__":
    sys.exit(main())
