#!/usr/bin/env bash
# Alternates two built `introspect_diff` bench binaries (A, B) so both see the same machine
# conditions, and prints the median lines of each round side by side.
#   bench/ab_cargo_bench.sh A_BIN B_BIN
# `cargo bench --bench introspect_diff --no-run` prints a build's binary path. Environment:
# ROUNDS (default 6: A B B A A B …), BENCH_ITERS (default 5), BENCH_SIZES (default 500,2000).
# The 1M-row rebuild part is skipped (BENCH_REBUILD_RUNS=0): it measures SQLite, not schemadiff.
set -euo pipefail
[[ $# -eq 2 ]] || { echo "usage: $0 A_BIN B_BIN" >&2; exit 2; }
A=$1 B=$2
ROUNDS=${ROUNDS:-6}
export BENCH_ITERS=${BENCH_ITERS:-5} BENCH_SIZES=${BENCH_SIZES:-500,2000} BENCH_REBUILD_RUNS=0
cd "$(dirname "$0")/.."
out=bench/out/ab_cargo_bench
mkdir -p "$out"
rm -f "$out"/*.txt
for ((r = 0; r < ROUNDS; r++)); do
  # ABBA: rounds 0 and 3 run A first, 1 and 2 run B first, and so on.
  if (( (r % 4 == 0) || (r % 4 == 3) )); then order="A B"; else order="B A"; fi
  for w in $order; do
    bin=$A; [[ $w == B ]] && bin=$B
    "$bin" >"$out/$w.$r.txt" 2>&1
    echo "round $r: $w done"
  done
done
# The `total` line per size, from every round: medians of the per-round medians.
python3 - "$out" "$ROUNDS" <<'PY'
import re, statistics, sys
from pathlib import Path
out, rounds = Path(sys.argv[1]), int(sys.argv[2])
def ms(text):
    v, unit = re.search(r"median\s+([\d.]+)\s*(ms|s|µs)", text).groups()
    return float(v) * {"ms": 1, "s": 1000, "µs": 0.001}[unit]
rows = {}
for w in "AB":
    for r in range(rounds):
        size = None
        for line in (out / f"{w}.{r}.txt").read_text().splitlines():
            m = re.search(r"(\d[\d,]*) tables", line)
            if m and not line.startswith(" "):
                size = m.group(1)
            m = re.match(r"\s{2}(\S[^\[]*?)\s{2,}(\S.*)", line)
            if m and size and not m.group(1).startswith("breakdown"):
                try:
                    rows.setdefault((size, m.group(1).strip()), {}).setdefault(w, []).append(ms(m.group(2)))
                except (AttributeError, ValueError):
                    pass
print(f"| tables | measurement | A (median of {rounds} runs) | B | B / A |")
print("|---|---|---|---|---|")
for (size, name), v in rows.items():
    if "A" in v and "B" in v:
        a, b = statistics.median(v["A"]), statistics.median(v["B"])
        print(f"| {size} | {name} | {a:.1f} ms | {b:.1f} ms | {b / a:.2f} |")
PY
