#!/usr/bin/env bash
# Rebuild of a 1,000,000-row table: schemadiff's generated script vs the hand-written
# 12-step rebuild (bench/handwritten.sql), both run by the sqlite3 shell.
#
#   bench/rebuild.sh            # needs target/release/schemadiff (cargo build --release)
#
# Environment: RUNS (default 9), SCHEMADIFF (binary), SQLITE3 (shell), OUT (work dir).
# Every timed run starts from a fresh, fsynced copy of the original database, made outside
# the timed region. Primary figure: a bash loop, ABBA-interleaved, `date +%s%N` (wall) and
# GNU time (user + sys CPU, less sensitive to other load). Cross-check:
# hyperfine (if installed) with --prepare; hyperfine runs each command's series in turn.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
OUT=${OUT:-$BENCH/out/rebuild}
RUNS=${RUNS:-9}
SCHEMADIFF=${SCHEMADIFF:-$ROOT/target/release/schemadiff}
SQLITE3=${SQLITE3:-sqlite3}

command -v "$SQLITE3" >/dev/null || { echo "sqlite3 not found (apt-get install -y sqlite3)" >&2; exit 1; }
[ -x "$SCHEMADIFF" ] || { echo "$SCHEMADIFF missing: cargo build --release" >&2; exit 1; }
mkdir -p "$OUT"
cd "$OUT"

echo "sqlite3 shell: $("$SQLITE3" --version | cut -d' ' -f1-2)"
echo "schemadiff:    $SCHEMADIFF"
echo "runs:          $RUNS each"

# --- the original database -------------------------------------------------------------
rm -f orig.db copy.db copy1.db copy2.db
"$SQLITE3" orig.db < "$BENCH/make_items.sql"
echo "orig.db:       $(stat -c %s orig.db) bytes, $("$SQLITE3" orig.db 'SELECT count(*) FROM items') rows"

fresh() { # fresh COPY: recopy the original, fsync it, drop any leftover journal
  rm -f "$1" "$1-journal" "$1-wal" "$1-shm"
  cp orig.db "$1"
  sync "$1"
}

# --- the upgrade script ----------------------------------------------------------------
fresh copy.db
"$SCHEMADIFF" diff --from "sqlite:///$OUT/copy.db" --to "$BENCH/after.sql" > schemadiff_up.sql
cp "$BENCH/handwritten.sql" handwritten.sql

# --- correctness: both scripts give the same table and data; schemadiff sees no diff after -
check='SELECT count(*), sum(qty), total(price), count(*) FILTER (WHERE qty IS NULL) FROM items'
fresh copy1.db; "$SQLITE3" -bail copy1.db < schemadiff_up.sql > /dev/null
fresh copy2.db; "$SQLITE3" -bail copy2.db < handwritten.sql > /dev/null
a=$("$SQLITE3" copy1.db "$check"); b=$("$SQLITE3" copy2.db "$check")
[ "$a" = "$b" ] || { echo "data differs: schemadiff=$a handwritten=$b" >&2; exit 1; }
for db in copy1.db copy2.db; do
  if ! "$SCHEMADIFF" diff --from "sqlite:///$OUT/$db" --to "$BENCH/after.sql" --exit-code > /dev/null; then
    echo "after running the script, $db still differs from after.sql" >&2; exit 1
  fi
done
echo "check:         same data after both scripts ($a), no remaining diff"

# --- timing: interleaved bash loop ------------------------------------------------------
load0=$(cut -d' ' -f1-3 /proc/loadavg)
TIME=$(command -v /usr/bin/time || true) # GNU time, for the CPU time (user + sys) of each run
run_once() { # run_once SCRIPT DB -> "wall_ns cpu_ns"
  local t0 t1
  fresh "$2"
  t0=$(date +%s%N)
  if [ -n "$TIME" ]; then
    "$TIME" -f "%U %S" -o cpu.txt "$SQLITE3" -bail "$2" < "$1" > /dev/null
  else
    "$SQLITE3" -bail "$2" < "$1" > /dev/null; echo "0 0" > cpu.txt
  fi
  t1=$(date +%s%N)
  echo "$((t1 - t0)) $(awk '{ printf "%.0f", ($1 + $2) * 1e9 }' cpu.txt)"
}
: > times.tsv
for ((i = 0; i < RUNS; i++)); do
  if ((i % 2 == 0)); then order="schemadiff handwritten"; else order="handwritten schemadiff"; fi
  for name in $order; do
    if [ "$name" = schemadiff ]; then r=$(run_once schemadiff_up.sql copy1.db); else r=$(run_once handwritten.sql copy2.db); fi
    printf '%s\t%s\t%s\n' "$name" ${r% *} ${r#* } >> times.tsv
  done
done

median_ms() { # median_ms NAME COLUMN (2 = wall, 3 = cpu), in ms
  awk -F'\t' -v n="$1" -v c="$2" '$1 == n { print $c }' times.tsv | sort -n |
    awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.1f", m / 1e6 }'
}
minmax_ms() {
  awk -F'\t' -v n="$1" -v c="$2" '$1 == n { print $c }' times.tsv | sort -n |
    awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.1f .. %.1f", lo / 1e6, hi / 1e6 }'
}
sd=$(median_ms schemadiff 2); hw=$(median_ms handwritten 2)
sdc=$(median_ms schemadiff 3); hwc=$(median_ms handwritten 3)
echo
echo "== sqlite3 shell, bash loop, ABBA-interleaved, $RUNS runs each (sqlite3 -bail db < script) =="
echo "   load average before: $load0"
printf '  wall  schemadiff_up.sql   median %8s ms   [%s]\n' "$sd" "$(minmax_ms schemadiff 2)"
printf '  wall  handwritten.sql     median %8s ms   [%s]\n' "$hw" "$(minmax_ms handwritten 2)"
awk -v a="$sd" -v b="$hw" 'BEGIN { printf "  wall  ratio schemadiff / handwritten: %.3f\n", a / b }'
if [ -n "$TIME" ]; then
  printf '  cpu   schemadiff_up.sql   median %8s ms   [%s]  (user + sys)\n' "$sdc" "$(minmax_ms schemadiff 3)"
  printf '  cpu   handwritten.sql     median %8s ms   [%s]\n' "$hwc" "$(minmax_ms handwritten 3)"
  awk -v a="$sdc" -v b="$hwc" 'BEGIN { printf "  cpu   ratio schemadiff / handwritten: %.3f\n", a / b }'
fi
echo "   load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"

# --- cross-check with hyperfine ---------------------------------------------------------
if command -v hyperfine > /dev/null; then
  echo
  echo "== hyperfine (series per command, --prepare recopies) =="
  hyperfine --runs "$RUNS" --style basic --export-json hyperfine.json \
    --prepare "rm -f copy1.db-journal; cp orig.db copy1.db; sync copy1.db" \
    -n schemadiff "$SQLITE3 -bail copy1.db < schemadiff_up.sql" \
    --prepare "rm -f copy2.db-journal; cp orig.db copy2.db; sync copy2.db" \
    -n handwritten "$SQLITE3 -bail copy2.db < handwritten.sql" 2>&1 | grep -E "Benchmark|Time|Range" || true
  python3 - hyperfine.json <<'EOF' 2>/dev/null || true
import json, statistics, sys
r = {x["command"]: statistics.median(x["times"]) for x in json.load(open(sys.argv[1]))["results"]}
print("  medians: schemadiff %.1f ms, handwritten %.1f ms, ratio %.3f"
      % (r["schemadiff"] * 1e3, r["handwritten"] * 1e3, r["schemadiff"] / r["handwritten"]))
EOF
else
  echo "(hyperfine not installed: apt-get install -y hyperfine)"
fi

# --- per statement: .timer on, 3 runs each, median per statement -----------------------
per_statement() { # per_statement SCRIPT DB
  local script=$1 db=$2 r
  for r in 1 2 3; do
    fresh "$db"
    { echo ".echo on"; echo ".timer on"; cat "$script"; } | "$SQLITE3" -bail "$db" 2>&1 |
      awk -v run="$r" '
        /^Run Time: real/ { printf "%d\t%s\t%s\n", ++k, $4, label; label = ""; next }
        /^\.(echo|timer)/ { next }
        label == "" && !/^[[:space:]]*(--|$)/ { label = substr($0, 1, 90) }'
  done | sort -t$'\t' -k1,1n -k2,2n |
    awk -F'\t' '{ v[$1] = v[$1] " " $2; l[$1] = $3; n = ($1 > n) ? $1 : n }
      END { for (i = 1; i <= n; i++) { c = split(v[i], a, " "); printf "  %9.1f ms  %s\n", a[int((c + 1) / 2)] * 1000, l[i] } }'
}
echo
echo "== per statement (sqlite3 .timer on, median of 3 runs) =="
echo "schemadiff_up.sql:"; per_statement schemadiff_up.sql copy1.db
echo "handwritten.sql:";   per_statement handwritten.sql copy2.db
