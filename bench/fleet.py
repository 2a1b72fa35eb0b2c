#!/usr/bin/env python3
"""Time `kcfg render` on the benchmark fleet against other implementations.

Renders bench/fleet at the given sizes (clusters x 30 apps) with:

  kcfg -j N   kcfg render bench/fleet --tla-code clusters=C --out DIR -q -j N
  jrsonnet    jrsonnet -c -m DIR --tla-code clusters=C bench/fleet/main.jsonnet
  go-jsonnet  GOJSONNET --tla-code clusters=C bench/fleet/main.jsonnet > /dev/null
              (the conformance suite's wrapper over go-jsonnet's Python
              binding: its -m is written in Python and cannot create
              directories, so go-jsonnet is timed printing the JSON)

Every run writes into a fresh, empty output directory (removed before each
run), so all of them create every file. Wall time is the median of the
timed runs (hyperfine when installed, else timed here); peak RSS comes from
one run under GNU time (`/usr/bin/time -v`). Prints a markdown table.

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
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FLEET = os.path.join(ROOT, "bench", "fleet")


def commands(args, clusters, out):
    """(name, argv) of every implementation to time."""
    kcfg = os.path.abspath(args.kcfg)
    found = []
    for jobs in args.jobs:
        found.append((
            f"kcfg -j {jobs}",
            [kcfg, "render", FLEET, "--tla-code", f"clusters={clusters}",
             "--out", out, "-q", "-j", str(jobs)],
        ))
    main = os.path.join(FLEET, "main.jsonnet")
    if args.jrsonnet and shutil.which(args.jrsonnet):
        found.append(("jrsonnet", [args.jrsonnet, "-c", "-m", out, "--tla-code",
                                   f"clusters={clusters}", main]))
    if args.gojsonnet and os.path.exists(args.gojsonnet):
        found.append(("go-jsonnet (stdout)", [args.gojsonnet, "--tla-code",
                                              f"clusters={clusters}", main]))
    return found


def peak_rss_mib(argv, out):
    """Peak RSS of one run, in MiB, from GNU time; None if unavailable."""
    if not os.path.exists("/usr/bin/time"):
        return None
    shutil.rmtree(out, ignore_errors=True)
    result = subprocess.run(["/usr/bin/time", "-v"] + argv, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(argv)}\n{result.stderr[-2000:]}")
    for line in result.stderr.splitlines():
        if "Maximum resident set size" in line:
            return int(line.split(":")[1]) / 1024
    return None


def wall_seconds(argv, out, runs):
    """Median wall time of `runs` runs, each into a fresh directory."""
    if shutil.which("hyperfine"):
        with tempfile.NamedTemporaryFile(suffix=".json") as report:
            subprocess.run(
                ["hyperfine", "-N", "--runs", str(runs), "--output=pipe",
                 "--prepare", f"rm -rf {out}", "--export-json", report.name,
                 " ".join(subprocess.list2cmdline([a]) for a in argv)],
                check=True, capture_output=True)
            return statistics.median(json.load(open(report.name))["results"][0]["times"])
    times = []
    for _ in range(runs):
        shutil.rmtree(out, ignore_errors=True)
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000",
                        help="cluster counts, comma-separated (default 10,100,1000)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per cell (default 3)")
    parser.add_argument("--jobs", default="2,1", help="kcfg -j values (default 2,1)")
    parser.add_argument("--out-base", default=None,
                        help="where the output directories go (default: the system's temporary "
                             "directory; /dev/shm leaves the disk out of the measurement)")
    parser.add_argument("--kcfg", default=os.path.join(ROOT, "target", "dist", "kcfg"))
    parser.add_argument("--jrsonnet", default="jrsonnet", help="jrsonnet binary ('' to skip)")
    parser.add_argument("--gojsonnet", default=os.path.join(ROOT, "..", "shared", "conformance", "gojsonnet-cli"),
                        help="go-jsonnet command ('' to skip)")
    args = parser.parse_args()
    args.jobs = [int(j) for j in args.jobs.split(",")]
    sizes = [int(s) for s in args.sizes.split(",")]
    work = tempfile.mkdtemp(prefix="kcfg-fleet-", dir=args.out_base)
    rows = []
    try:
        for clusters in sizes:
            out = os.path.join(work, "out")
            for name, argv in commands(args, clusters, out):
                print(f"{clusters}x30 {name} ...", file=sys.stderr, flush=True)
                rss = peak_rss_mib(argv, out)
                seconds = wall_seconds(argv, out, args.runs)
                files = sum(len(f) for _, _, f in os.walk(out))
                rows.append((clusters, name, seconds, rss, files))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("| fleet | implementation | wall time (median) | peak RSS | files |")
    print("|---|---|---:|---:|---:|")
    for clusters, name, seconds, rss, files in rows:
        rss_text = f"{rss:.0f} MiB" if rss is not None else "?"
        print(f"| {clusters}x30 | {name} | {seconds:.2f} s | {rss_text} | {files} |")


if __name__ == "__main__":
    main()
