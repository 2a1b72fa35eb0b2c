#!/usr/bin/env python3
"""Time `kcfg fleet-diff` of a one-application change (issue 18, item 2).

Copies examples/edge-fleet into a temporary git repository (with
--clusters N, its inventory grown to N clusters as bench/incremental.py
grows it: 1000 clusters are about 7,000 targets), renders it once with
`kcfg render` (so the committed rendered/.kcfg-inputs is this build's
record), commits, then edits one application (apps/APP/main.kcfg: the
replicas of large sites, 3 -> 4) and commits again. Times with hyperfine:

  revisions       kcfg fleet-diff HEAD~1 HEAD        (both sides from git)
  work tree       kcfg fleet-diff HEAD~1             (the head is the work tree)
  no incremental  kcfg fleet-diff --no-incremental HEAD~1 HEAD
                  (every target evaluated at both sides: what the record saves)

Each runs with --format json into /dev/null. Prints hyperfine's table and
the diff's own summary line. Every kcfg process runs with
KCFG_CACHE_DIR=off: the diff trusts the committed record alone, as it did
before kcfg had a default cache, and nothing reads or writes the user's
own cache. Standard library only; needs git and hyperfine.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from incremental import EXAMPLE, NO_CACHE, ROOT, grow_inventory  # noqa: E402


def git(repo, *args):
    subprocess.run(["git", "-C", repo, "-c", "user.name=bench", "-c", "user.email=bench@kcfg",
                    "-c", "commit.gpgsign=false", *args], check=True, stdout=subprocess.DEVNULL)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kcfg", default=os.path.join(ROOT, "target", "dist", "kcfg"))
    parser.add_argument("--clusters", type=int, default=1000, help="grow the inventory to N clusters (0: keep 100)")
    parser.add_argument("--app", default="content-cache", help="the application edited")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--work", help="directory to work in (default: a temporary one)")
    args = parser.parse_args()
    kcfg = os.path.abspath(args.kcfg)
    work = args.work or tempfile.mkdtemp(prefix="kcfg-fleet-diff-")
    repo = os.path.join(work, "repo")
    shutil.rmtree(repo, ignore_errors=True)
    plan = os.path.join(repo, "ef")
    shutil.copytree(EXAMPLE, plan, ignore=shutil.ignore_patterns("rendered"))
    if args.clusters:
        grow_inventory(plan, args.clusters)
    # Rendered as the diff spells the plan (`ef`, from the repository's
    # root): records name files as the render spells them.
    subprocess.run([kcfg, "render", "-q", "ef"], check=True, cwd=repo, env=NO_CACHE)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    app_file = os.path.join(plan, "apps", args.app, "main.kcfg")
    with open(app_file) as file:
        text = file.read()
    edited = text.replace("large: 3 }", "large: 4 }")
    if edited == text:
        sys.exit("%s: no `large: 3 }` to edit" % app_file)
    with open(app_file, "w") as file:
        file.write(edited)
    git(repo, "commit", "-q", "-a", "-m", "head: %s replicas" % args.app)

    diff = [kcfg, "fleet-diff", "--plan", "ef", "--format", "json"]
    result = subprocess.run(diff + ["HEAD~1", "HEAD"], cwd=repo, capture_output=True, text=True,
                            env=NO_CACHE)
    if result.returncode != 2:
        sys.exit("kcfg fleet-diff exited %d: %s" % (result.returncode, result.stderr))
    summary = json.loads(result.stdout)["summary"]
    print("summary:", json.dumps(summary))

    runs = [
        ("revisions", diff + ["HEAD~1", "HEAD"]),
        ("work tree", diff + ["HEAD~1"]),
        ("no incremental", diff + ["--no-incremental", "HEAD~1", "HEAD"]),
    ]
    command = ["hyperfine", "-N", "-i", "--runs", str(args.runs), "--warmup", "1",
               "--export-json", os.path.join(work, "hyperfine.json")]
    for name, argv in runs:
        command += ["-n", name, " ".join(argv)]
    subprocess.run(command, check=True, cwd=repo, env=NO_CACHE)
    with open(os.path.join(work, "hyperfine.json")) as file:
        results = {r["command"]: r for r in json.load(file)["results"]}
    print("\n| run | mean (s) | min (s) | max (s) |\n|---|---|---|---|")
    for name, _ in runs:
        r = results[name]
        print("| %s | %.3f | %.3f | %.3f |" % (name, r["mean"], r["min"], r["max"]))


if __name__ == "__main__":
    sys.exit(main())
