#!/usr/bin/env python3
"""Time `kcfg argocd generate` on one cluster, as Argo CD's CMP server runs it.

Workloads (the Application's source path and its `target` parameter):

  edge-fleet   examples/edge-fleet, target <cluster>/*: the cluster's
               applications (12 on a large cluster) out of the 683 targets
               of the plan
  bench-fleet  bench/fleet, target <cluster>: one cluster of the benchmark
               fleet, 30 applications

Each run gets the environment Argo CD sets (ARGOCD_APP_*, the parameters as
ARGOCD_APP_PARAMETERS) and nothing else, in the source directory. Wall time
is the median of --runs runs; peak RSS and kcfg's own peak heap come from
one run under GNU time (`/usr/bin/time -v`) with --stats. The issue's
targets: under 100 ms and under 100 MB for a 30-app cluster.

Standard library only. See bench/README.md.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

WORKLOADS = {
    "edge-fleet": ("examples/edge-fleet", "edge-eu-west-001", "{cluster}/*"),
    "bench-fleet": ("bench/fleet", "edge-eu-west-001", "{cluster}"),
}


def environment(path, cluster, target):
    parameters = [{"name": "target", "string": target.format(cluster=cluster)}]
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "ARGOCD_APP_NAME": cluster,
        "ARGOCD_APP_NAMESPACE": "argocd",
        "ARGOCD_APP_PROJECT_NAME": "edge-fleet",
        "ARGOCD_APP_SOURCE_PATH": path,
        "ARGOCD_APP_SOURCE_REPO_URL": "https://git.example.com/platform/kcfg.git",
        "ARGOCD_APP_SOURCE_TARGET_REVISION": "main",
        "ARGOCD_APP_PARAMETERS": json.dumps(parameters),
    }


def measure(kcfg, name, runs):
    path, cluster, target = WORKLOADS[name]
    cwd = os.path.join(ROOT, path)
    env = environment(path, cluster, target)
    argv = [kcfg, "argocd", "generate"]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    result = subprocess.run(["/usr/bin/time", "-v"] + argv + ["--stats"], cwd=cwd, env=env,
                            check=True, capture_output=True, text=True)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr)
    stats = re.search(r"kcfg argocd generate: (\d+) objects, \d+ bytes in [\d.]+ ms, peak heap (.+)",
                      result.stderr)
    return {
        "workload": name,
        "cluster": cluster,
        "objects": stats.group(1) if stats else "?",
        "median_ms": statistics.median(times) * 1000,
        "rss_mib": int(rss.group(1)) / 1024 if rss else float("nan"),
        "heap": stats.group(2) if stats else "?",
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kcfg", default=os.path.join(ROOT, "target", "dist", "kcfg"))
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--workload", action="append", choices=sorted(WORKLOADS))
    args = parser.parse_args()
    print("| workload | cluster | objects | wall (median) | peak RSS | peak heap |")
    print("|---|---|---:|---:|---:|---:|")
    for name in args.workload or sorted(WORKLOADS):
        row = measure(os.path.abspath(args.kcfg), name, args.runs)
        print(f"| {row['workload']} | {row['cluster']} | {row['objects']} | {row['median_ms']:.1f} ms "
              f"| {row['rss_mib']:.1f} MiB | {row['heap']} |")


if __name__ == "__main__":
    main()
