#!/usr/bin/env bash
# Runs the integration tests against the test API server from shared/k8s:
# kcfg-apply's (apply/tests/k8s.rs) and the `kcfg` binary's on the edge-fleet
# example (cli/tests/apply_k8s.rs). Builds the server once (setup.sh,
# cached), starts one shared server for the single-cluster tests (each fleet
# test starts its own ten), runs the tests with --include-ignored, and stops
# the server.
#
#   bash apply/tests/run-k8s.sh [extra libtest args, e.g. a test name, --nocapture]
#
# KCFG_K8S_DIR: where setup.sh/start.sh/stop.sh live (default: the copy in
#               apply/tests/k8s, so a clean checkout needs nothing else).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
K8S=${KCFG_K8S_DIR:-$HERE/k8s}
if [ ! -f "$K8S/setup.sh" ]; then
  echo "run-k8s.sh: $K8S/setup.sh not found; set KCFG_K8S_DIR to the shared/k8s directory" >&2
  exit 1
fi
K8S=$(cd "$K8S" && pwd)
export KCFG_K8S_DIR=$K8S

T0=$(date +%s)
bash "$K8S/setup.sh"
T1=$(date +%s)
ENV_LINES=$(bash "$K8S/start.sh")
eval "$ENV_LINES"
export KCFG_K8S_RUN KUBECONFIG
trap 'bash "$K8S/stop.sh" "$KCFG_K8S_RUN" >/dev/null 2>&1 || true' EXIT
cd "$ROOT"
# --workspace, as the README's test command: the same features resolve, so
# nothing is compiled again (`-p kcfg-apply` alone would rebuild tokio, kube
# and the rest with fewer features).
cargo test --workspace --release --locked --test k8s -- --include-ignored --test-threads=2 "$@"
# The binary's test renders with `kcfg` and starts its own ten servers (one
# cargo run after the other, so twenty never run at once).
cargo test --workspace --release --locked --test apply_k8s -- --include-ignored "$@"
echo "run-k8s.sh: setup $((T1 - T0))s, tests $(( $(date +%s) - T1 ))s"
