#!/usr/bin/env python3
"""Time incremental renders of the edge fleet (issue 18).

Copies examples/edge-fleet into a temporary directory (with --clusters N,
its inventory grown to N clusters: each of the 100 clusters repeated with
a suffix and an address block of its own), renders it once, then times:

  full            kcfg render --no-incremental   (every target evaluated,
                                                  and recorded)
  base            BASE render (with --base: a kcfg without incremental
                  renders, to measure the cost of recording)
  no change       kcfg render, with its default cache (KCFG_CACHE_DIR in
                  the work directory)
  app change      kcfg render after an edit of apps/APP/main.kcfg
                  (each run appends a comment: the app's targets change;
                  --app a,b edits several applications together)
  library change  kcfg render after an edit of lib/k8s.libsonnet (every
                  application target)
  no cache: ...   no change, app change without a cache (KCFG_CACHE_DIR=off:
                  the record in rendered/ alone, every file read)
  --cache DIR: ...
                  no change, app change with kcfg render --cache DIR
  check full      kcfg render --check without a cache (every target
                  evaluated)
  check ...       no change, app change with kcfg render --check (default
                  cache)

Every kcfg process gets KCFG_CACHE_DIR: `off` (no cache; a build older
than the default cache ignores it and has none) or a directory in the work
directory, so no run reads or writes the user's own cache.

With --before OTHER_KCFG, every run is also made with that build, on a
copy of its own (before/after tables from one run).

Each round runs every command once, in turn (a busy spell of a shared
machine falls on all of them alike), after one round of warm-up; the table
gives each command's median wall time and CPU time (user + system) over
--runs rounds, and their ratio to the same build's `full`. Standard
library only.
"""

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

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


def environment(cache_dir):
    """The environment of a kcfg process: KCFG_CACHE_DIR set (`off`, or a
    directory in the work directory), never the user's own cache."""
    env = dict(os.environ)
    env["KCFG_CACHE_DIR"] = cache_dir
    return env


NO_CACHE = environment("off")


def prepare(kcfg, work, label, clusters):
    """A copy of the example for one kcfg build, rendered once and checked
    once into its caches; the --cache directory and the default cache's."""
    plan = os.path.join(work, label, "ef")
    shutil.rmtree(os.path.join(work, label), ignore_errors=True)
    shutil.copytree(EXAMPLE, plan, ignore=shutil.ignore_patterns("rendered"))
    if clusters:
        grow_inventory(plan, clusters)
    cache = os.path.join(work, label, "cache")
    default = environment(os.path.join(work, label, "default-cache"))
    subprocess.run([kcfg, "render", "-q", plan], check=True, env=NO_CACHE)
    # Directory stamps are recorded once every file is SETTLE (3 s) old.
    time.sleep(3.5)
    subprocess.run([kcfg, "render", "-q", "--check", "--cache", cache, plan], check=True, env=NO_CACHE)
    subprocess.run([kcfg, "render", "-q", "--cache", cache, plan], check=True, env=NO_CACHE)
    subprocess.run([kcfg, "render", "-q", "--check", plan], check=True, env=default)
    subprocess.run([kcfg, "render", "-q", plan], check=True, env=default)
    return plan, cache, default


def rows(kcfg, plan, cache, default, apps):
    """(name, prepare, command, environment) of each measured run of one
    build. `kcfg render` and `kcfg render --check` use the default cache
    (in the work directory); "no cache" is KCFG_CACHE_DIR=off."""
    app_files = [os.path.join(plan, "apps", app, "main.kcfg") for app in apps]
    lib_file = os.path.join(plan, "lib", "k8s.libsonnet")
    touch = lambda paths: "sh -c '%s'" % "; ".join("echo // bench >> %s" % p for p in paths)
    render = [kcfg, "render", "-q"]
    # Before a no-change run, a render brings the output and the caches
    # up to date with the edits of the runs before it.
    sync = " ".join(render + [plan])
    return [
        ("full", "true", render + ["--no-incremental", plan], NO_CACHE),
        ("no change", sync, render + [plan], default),
        ("app change", touch(app_files), render + [plan], default),
        ("library change", touch([lib_file]), render + [plan], default),
        ("no cache: no change", sync, render + [plan], NO_CACHE),
        ("no cache: app change", touch(app_files), render + [plan], NO_CACHE),
        ("--cache DIR: no change", " ".join(render + ["--cache", cache, plan]),
         render + ["--cache", cache, plan], NO_CACHE),
        ("--cache DIR: app change", touch(app_files), render + ["--cache", cache, plan], NO_CACHE),
        ("check full", "true", render + ["--check", plan], NO_CACHE),
        ("check no change", sync, render + ["--check", plan], default),
        ("check app change", touch(app_files), render + ["--check", plan], default),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kcfg", default=os.path.join(ROOT, "target", "dist", "kcfg"))
    parser.add_argument("--before", help="another kcfg build, measured beside --kcfg in the same run")
    parser.add_argument("--base", help="a kcfg build without incremental renders")
    parser.add_argument("--clusters", type=int, help="grow the inventory to N clusters")
    parser.add_argument("--app", default="content-cache",
                        help="the application edited (several: comma-separated, edited together)")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--work", help="directory to work in (default: a temporary one)")
    args = parser.parse_args()
    work = args.work or tempfile.mkdtemp(prefix="kcfg-incremental-")
    builds = [("after", os.path.abspath(args.kcfg))]
    if args.before:
        builds.insert(0, ("before", os.path.abspath(args.before)))
    runs = []
    for label, kcfg in builds:
        plan, cache, default = prepare(kcfg, work, label, args.clusters)
        built = rows(kcfg, plan, cache, default, args.app.split(","))
        runs += [(label, name, prep, argv, env) for name, prep, argv, env in built]
        if args.base and label == builds[-1][0]:
            # The same full render by a build that records nothing, on this
            # copy (its output is the same; it ignores the record), after
            # this build's full render.
            runs.insert(len(runs) - len(built) + 1,
                        (label, "base (no recording)", "true",
                         [os.path.abspath(args.base), "render", "-q", plan], NO_CACHE))
    with open(os.path.join(plan, "rendered", ".kcfg-inputs")) as file:
        targets = json.load(file)["targets"]
    apps = args.app.split(",")
    app = sum(1 for name in targets if name.rsplit("/", 1)[-1] in apps)
    print("%d targets; %s: %d targets (%.1f%%)" % (len(targets), args.app, app, 100 * app / len(targets)))
    results = measure(runs, args.runs)
    labels = [label for label, _ in builds]
    names = []
    for _, name, _, _, _ in runs:
        if name not in names:
            names.append(name)
    print_table(results, labels, names)


def measure(runs, rounds):
    """Runs every command once per round, in turn (after its prepare
    command, and one round of warm-up), so that a busy spell of a shared
    machine falls on all of them alike; returns each one's median wall and
    CPU time (user + system of the process)."""
    times = {}
    for round_index in range(rounds + 1):
        for label, name, prepare_run, argv, env in runs:
            subprocess.run(prepare_run, shell=True, check=True, env=env)
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            subprocess.run(argv, check=True, env=env)
            wall = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            if round_index:
                times.setdefault("%s: %s" % (label, name), []).append((wall, cpu))
        print("round %d of %d done" % (round_index, rounds), file=sys.stderr)
    return {
        key: {"wall": statistics.median(w for w, _ in samples),
              "cpu": statistics.median(c for _, c in samples)}
        for key, samples in times.items()
    }


def print_table(results, labels, names):
    """Median wall time and CPU time (user + system) of each run, and their
    share of the same build's full render: on a shared machine the CPU
    time is the steadier of the two."""
    print("\n| run | " + " | ".join(
        "%s: wall s | %s: CPU s | %s: share of full (wall / CPU)" % (l, l, l) for l in labels) + " |")
    print("|---|" + "---|---|---|" * len(labels))
    for name in names:
        cells = []
        for label in labels:
            result = results.get("%s: %s" % (label, name))
            full = results["%s: full" % label]
            if result is None:
                cells += ["", "", ""]
                continue
            cells.append("%.3f" % result["wall"])
            cells.append("%.3f" % result["cpu"])
            cells.append("%.1f%% / %.1f%%" % (100 * result["wall"] / full["wall"],
                                             100 * result["cpu"] / full["cpu"]))
        print("| %s | %s |" % (name, " | ".join(cells)))


if __name__ == "__main__":
    sys.exit(main())
