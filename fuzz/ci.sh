#!/usr/bin/env bash
# The fuzz step of CI (.ci/run), about a minute: 30 s with a fixed seed, so
# that the same inputs run on every build and a regression among them shows
# up every time, then 30 s with a seed from the clock, so that every CI run
# also tries inputs no run tried before (the seed is printed; repeat a
# failure with `kcfg-fuzz run --seed SEED`). Any finding fails CI, and the
# summary prints each distinct cause with its reproducer. See README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

# `cargo test --workspace --release` has built it already; this is a no-op
# then.
cargo build --release --locked --quiet -p kcfg-fuzz
bin=target/release/kcfg-fuzz
out=target/kcfg-fuzz/ci
rm -rf "$out"

status=0
"$bin" run --seed 20260613 --time 30 --jobs 2 --show-inputs --out "$out/fixed-seed" || status=1
seed=$(date +%s%N)
echo "kcfg-fuzz: time-derived seed $seed"
"$bin" run --seed "$seed" --time 30 --jobs 2 --show-inputs --out "$out/clock-seed" || status=1
if [ "$status" -ne 0 ]; then
  echo "kcfg-fuzz: findings above; the files are under $out" >&2
fi
exit "$status"
