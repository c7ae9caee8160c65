#!/usr/bin/env bash
# Builds release and runs every benchmark; output is also saved under bench/out/.
#   bench/run_all.sh
# Environment is passed through: BENCH_ITERS, BENCH_SIZES, BENCH_REBUILD_RUNS (cargo bench),
# RUNS (bench/rebuild.sh). Run on an otherwise idle machine: the figures are wall times.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p bench/out
cargo build --release
cargo bench --bench introspect_diff 2>&1 | tee bench/out/introspect_diff.txt
bench/rebuild.sh 2>&1 | tee bench/out/rebuild.txt
