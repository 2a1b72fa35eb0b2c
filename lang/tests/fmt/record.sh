#!/bin/bash
# Records the non-default-option goldens of tests/fmt.rs from jsonnetfmt 0.22.
#
# JSONNETFMT is a jsonnetfmt 0.22 built from the `jsonnet` 0.22.0 source
# distribution (libjsonnet's jsonnet_fmt_file with the option setters; it
# takes -n N, -m N, -s d|s|l, -c h|s|l, -pa 0|1, -po 0|1, -pf 0|1, -si 0|1,
# then the file). For each option set in options.txt and each input
# (conformance/jsonnet/*.jsonnet but error.parse.*, and inputs/*.jsonnet),
# the output is kept as SET/NAME.golden only where it differs from the
# output with default options, which the test checks against the suite's
# .fmt.golden files or the unchanged input; the default output of the
# hand-written inputs/*.jsonnet is kept as default/NAME.golden.
#
#   JSONNETFMT=/path/to/jsonnetfmt-0.22 lang/tests/fmt/record.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
: "${JSONNETFMT:?set JSONNETFMT to a jsonnetfmt 0.22 build}"
inputs=()
for f in "$repo"/conformance/jsonnet/*.jsonnet "$here"/inputs/*.jsonnet; do
    case "$(basename "$f")" in error.parse.*) continue ;; esac
    inputs+=("$f")
done
rm -rf "${here:?}/default"
mkdir -p "$here/default"
for f in "$here"/inputs/*.jsonnet; do
    "$JSONNETFMT" "$f" > "$here/default/$(basename "$f").golden"
done
while read -r name flags; do
    [ -z "$name" ] && continue
    rm -rf "${here:?}/$name"
    mkdir -p "$here/$name"
    for f in "${inputs[@]}"; do
        base=$(basename "$f")
        # shellcheck disable=SC2086
        out=$("$JSONNETFMT" $flags "$f"; echo x)
        default=$("$JSONNETFMT" "$f"; echo x)
        if [ "$out" != "$default" ]; then
            printf '%s' "${out%x}" > "$here/$name/$base.golden"
        fi
    done
done < "$here/options.txt"

# The repository round trip: for every .kcfg, .jsonnet and .libsonnet file
# of the repository that jsonnetfmt 0.22 formats, the FNV-1a 64-bit hash of
# the file and of jsonnetfmt's output, in repo_outputs.tsv. The test
# checks kcfg's output against every entry whose input hash still matches.
cd "$repo"
git ls-files '*.kcfg' '*.jsonnet' '*.libsonnet' | sort | while read -r f; do
    if "$JSONNETFMT" "$f" > "$here/.out.tmp" 2>/dev/null; then
        python3 - "$f" "$here/.out.tmp" <<'PY'
import sys
def fnv(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
    return '%016x' % h
src = open(sys.argv[1], 'rb').read()
out = open(sys.argv[2], 'rb').read()
print('%s\t%s\t%s' % (sys.argv[1], fnv(src), fnv(out)))
PY
    fi
done > "$here/repo_outputs.tsv"
rm -f "$here/.out.tmp"
