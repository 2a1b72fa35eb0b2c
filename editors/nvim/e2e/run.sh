#!/usr/bin/env bash
# End-to-end test of `kcfg lsp` in a real editor (issue 17): headless
# Neovim (0.7.2 or later, its built-in client) opens the small project in
# project/ (a .libsonnet library imported by a .kcfg file, a render plan,
# a vendored library found through jsonnetfile.json) and checks
# diagnostics, hover, definition across an import and through a merge,
# completion through a merge and in a half-typed line, rename across files
# and formatting. See e2e.lua.
#
# Usage: editors/nvim/e2e/run.sh [PATH-TO-KCFG]   (default: target/release/kcfg)
# The project is copied to a temporary directory first: rename writes files.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
kcfg="${1:-$here/../../../target/release/kcfg}"
kcfg="$(cd "$(dirname "$kcfg")" && pwd)/$(basename "$kcfg")"
if ! command -v nvim >/dev/null 2>&1; then
  echo "nvim not found (apt-get install -y neovim)" >&2
  exit 1
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$here/project" "$work/project"
# A sacrificial sibling: nothing may change it.
mkdir "$work/sibling"
echo '{ keep: true }' > "$work/sibling/keep.kcfg"
export KCFG="$kcfg" PROJECT="$work/project"
status=0
timeout 180 nvim --headless -u NONE -i NONE -n -c "luafile $here/e2e.lua" </dev/null || status=$?
if [ "$(cat "$work/sibling/keep.kcfg")" != '{ keep: true }' ]; then
  echo "FAIL: the sibling directory changed" >&2
  status=1
fi
if [ "$status" -ne 0 ]; then
  echo "neovim end-to-end test failed ($status)" >&2
  exit 1
fi
echo "neovim end-to-end test passed"
