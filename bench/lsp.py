#!/usr/bin/env python3
"""Latency and memory of `kcfg lsp` (issue 17). A benchmark, not a test.

Runs the server as an editor would (JSON-RPC over standard input and
output) and times each request from sending it to reading its response:

  big file    a ~3,000-line file made of the largest kube-prometheus
              dashboards (kubernetes-mixin), each a field of one object,
              in a temporary copy of the kube-prometheus tree so that its
              imports resolve (jsonnetfile.json, vendor/);
  edge-fleet  every .kcfg / .libsonnet file of examples/edge-fleet open.

For each: completion right after a `.`, hover and definition on names,
at random positions (fixed seed); the median and the 99th percentile.
Re-diagnose: an edit of the big file (with `debounceMs: 0`) until its
diagnostics arrive. Memory: the server's resident set (VmRSS) and its peak
(VmHWM) with the whole edge fleet open, from /proc.

Goals (issue 17): completion, hover and definition under 20 ms at the
median and 50 ms at p99; re-diagnose under 30 ms; under 150 MB.

Usage: bench/lsp.py [--kcfg target/dist/kcfg] [--cases ../shared/bench/cases]
Standard library only.
"""

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Server:
    def __init__(self, kcfg, root):
        self.proc = subprocess.Popen([kcfg, "lsp", "--log-level", "off"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.next_id = 1
        self.pending = []
        self.request("initialize", {
            "processId": None, "rootUri": "file://" + root, "capabilities": {},
            "initializationOptions": {"kcfg": {"debounceMs": 0}},
        })
        self.notify("initialized", {})

    def send(self, message):
        body = json.dumps(message).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def read(self):
        length = None
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("server closed its output")
            line = line.strip()
            if not line:
                break
            if line.startswith(b"Content-Length:"):
                length = int(line.split(b":")[1])
        message = json.loads(self.proc.stdout.read(length))
        if "method" in message and "id" in message:
            self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
            return self.read()
        return message

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method, params):
        ident = self.next_id
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": ident, "method": method, "params": params})
        while True:
            message = self.read()
            if message.get("id") == ident:
                return message
            self.pending.append(message)

    def wait_diagnostics(self, uri, version):
        while True:
            for index, message in enumerate(self.pending):
                params = message.get("params", {})
                if (message.get("method") == "textDocument/publishDiagnostics"
                        and params.get("uri") == uri and params.get("version") == version):
                    del self.pending[index]
                    return params
            self.pending.append(self.read())

    def memory_mib(self):
        fields = {}
        with open(f"/proc/{self.proc.pid}/status") as status:
            for line in status:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
        kib = lambda key: int(fields[key].split()[0]) / 1024
        return kib("VmRSS"), kib("VmHWM")

    def stop(self):
        self.request("shutdown", None)
        self.notify("exit", None)
        self.proc.wait(timeout=30)


def uri(path):
    return "file://" + path


def open_file(server, path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    server.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri(path), "languageId": "jsonnet", "version": 1, "text": text}})
    return text


def position(text, offset):
    line = text.count("\n", 0, offset)
    start = text.rfind("\n", 0, offset) + 1
    return {"line": line, "character": len(text[start:offset].encode("utf-16-le")) // 2}


def time_requests(server, files, rng, count):
    """Times completion after `.`, hover and definition; ms lists."""
    timings = {"completion": [], "hover": [], "definition": []}
    found = {"completion": 0, "hover": 0, "definition": 0}
    spots = []
    for path, text in files:
        dots = [m.end() for m in re.finditer(r"[A-Za-z_$]\.(?=[A-Za-z_])", text)]
        # Names as code uses them: before `.`, `(` or `:`, or after `.`
        # (words inside strings and comments are mostly not).
        code_names = r"(?<=\.)[A-Za-z_]\w*|\b[A-Za-z_]\w*(?=\.|\(|::?\s)"
        names = [m.start() + len(m.group()) // 2 for m in re.finditer(code_names, text)]
        spots.append((path, text, dots, names))
    for _ in range(count):
        path, text, dots, names = rng.choice(spots)
        doc = {"uri": uri(path)}
        for method, kind, offsets in (("textDocument/completion", "completion", dots),
                                      ("textDocument/hover", "hover", names),
                                      ("textDocument/definition", "definition", names)):
            if not offsets:
                continue
            params = {"textDocument": doc, "position": position(text, rng.choice(offsets))}
            start = time.perf_counter()
            response = server.request(method, params)
            timings[kind].append((time.perf_counter() - start) * 1000)
            if "error" in response:
                raise RuntimeError(f"{method} failed: {response['error']}")
            if response.get("result"):
                found[kind] += 1
    return timings, found


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def big_file(cases, work):
    """Copies kube-prometheus to `work` and writes the big file there."""
    source = os.path.join(cases, "kube-prometheus")
    tree = os.path.join(work, "kube-prometheus")
    shutil.copytree(source, tree, symlinks=True)
    dashboards = os.path.join(tree, "vendor", "github.com", "kubernetes-monitoring",
                              "kubernetes-mixin", "dashboards")
    parts = []
    for dirpath, _, names in os.walk(dashboards):
        for name in names:
            if name.endswith(".libsonnet"):
                path = os.path.join(dirpath, name)
                with open(path, encoding="utf-8") as f:
                    parts.append((f.read().count("\n"), os.path.relpath(path, dashboards), path))
    parts.sort(reverse=True)
    body, lines = [], 0
    for count, relative, path in parts:
        if lines >= 3000:
            break
        with open(path, encoding="utf-8") as f:
            text = f.read()
        # Imports are relative to the dashboard's own directory.
        prefix = os.path.dirname(relative)
        if prefix:
            text = re.sub(r"import '(\.\./[^']*)'", lambda m: f"import '{prefix}/{m.group(1)}'", text)
        field = re.sub(r"\W", "_", relative)
        body.append(f"  {field}: (\n{text}\n  ),\n")
        lines += count + 3
    path = os.path.join(dashboards, "all_dashboards.libsonnet")
    with open(path, "w", encoding="utf-8") as f:
        f.write("{\n" + "".join(body) + "}\n")
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kcfg", default=os.path.join(ROOT, "target", "dist", "kcfg"))
    parser.add_argument("--cases", default=os.path.join(ROOT, "..", "shared", "bench", "cases"))
    parser.add_argument("--requests", type=int, default=300, help="of each kind per scenario")
    parser.add_argument("--edits", type=int, default=100)
    args = parser.parse_args()
    kcfg = os.path.abspath(args.kcfg)
    rng = random.Random(17)
    rows = []
    with tempfile.TemporaryDirectory() as work:
        # The 3,000-line file.
        big = big_file(os.path.abspath(args.cases), work)
        server = Server(kcfg, os.path.dirname(big))
        text = open_file(server, big)
        lines = text.count("\n")
        diagnostics = server.wait_diagnostics(uri(big), 1)["diagnostics"]
        timings, found = time_requests(server, [(big, text)], rng, args.requests)
        for kind, values in timings.items():
            rows.append((f"{lines}-line file", kind, values, found[kind]))
        # Re-diagnose after an edit: a space after a comma, then removed.
        commas = [m.end() for m in re.finditer(r",(?=\n)", text)]
        rediagnose = []
        version = 1
        for _ in range(args.edits):
            at = position(text, rng.choice(commas))
            for new_text, end in ((" ", at), ("", {"line": at["line"], "character": at["character"] + 1})):
                version += 1
                start = time.perf_counter()
                server.notify("textDocument/didChange", {
                    "textDocument": {"uri": uri(big), "version": version},
                    "contentChanges": [{"range": {"start": at, "end": end}, "text": new_text}],
                })
                server.wait_diagnostics(uri(big), version)
                rediagnose.append((time.perf_counter() - start) * 1000)
        rows.append((f"{lines}-line file", "re-diagnose", rediagnose, len(rediagnose)))
        server.stop()

    # The edge fleet, every file open.
    fleet = os.path.join(ROOT, "examples", "edge-fleet")
    server = Server(kcfg, fleet)
    files = []
    for dirpath, dirnames, names in os.walk(fleet):
        dirnames[:] = [d for d in dirnames if d != "rendered" and not d.startswith(".")]
        for name in sorted(names):
            if name.endswith((".kcfg", ".libsonnet", ".jsonnet")):
                path = os.path.join(dirpath, name)
                files.append((path, open_file(server, path)))
    for path, _ in files:
        server.wait_diagnostics(uri(path), 1)
    timings, found = time_requests(server, files, rng, args.requests)
    for kind, values in timings.items():
        rows.append((f"edge-fleet ({len(files)} files open)", kind, values, found[kind]))
    rss, peak = server.memory_mib()
    server.stop()

    print("| scenario | request | n | with a result | median ms | p99 ms | max ms |")
    print("|---|---|---|---|---|---|---|")
    for scenario, kind, values, answered in rows:
        print(f"| {scenario} | {kind} | {len(values)} | {answered} | {statistics.median(values):.2f} "
              f"| {percentile(values, 99):.2f} | {max(values):.2f} |")
    print()
    print(f"diagnostics of the {lines}-line file when opened: {len(diagnostics)}")
    print(f"server memory with the edge fleet open: RSS {rss:.1f} MiB, peak {peak:.1f} MiB")


if __name__ == "__main__":
    sys.exit(main())
