#!/usr/bin/env bash
# schemadiff side by side with what users would run instead (Alembic's compare, migra),
# and the cost curve over schema size. See docs/performance.md.
#
#   bench/compare.sh                      # everything: both engines, 500/2000/5000 tables
#   SIZES=100,500 ENGINES=sqlite bench/compare.sh
#   SCHEMADIFF=/path/to/schemadiff bench/compare.sh   # time another build (default: builds this tree)
#   SCHEMADIFF_B=/path/to/other/schemadiff bench/compare.sh   # A/B: also time a second build in
#                                         # the same rounds (alternating order); the report adds B / A
#
# Environment: SIZES (default 500,2000,5000), ENGINES (pg,sqlite), RUNS (runs per size,
# default "100:3,500:3,2000:3,5000:1"), ONLY (rows to run, see docs/performance.md), PG_SERVER (postgresql://postgres@127.0.0.1:5432, a
# user that may create databases), OUT (bench/out/compare), SCHEMADIFF, SKIP_BUILD=1.
# Creates databases schemadiff_bench_cmp_{live,target,check,behind,psqlref}_N and drops them at the end,
# also on error or Ctrl-C. Python tools live in throwaway venvs under bench/out/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SIZES=${SIZES:-500,2000,5000}
ENGINES=${ENGINES:-pg,sqlite}
RUNS=${RUNS:-100:3,500:3,2000:3,5000:1}
export PG_SERVER=${PG_SERVER:-postgresql://postgres@127.0.0.1:5432}
export OUT=${OUT:-$ROOT/bench/out/compare}
export VENV=$ROOT/bench/out/venv
export VENV_MIGRA=$ROOT/bench/out/venv-migra
mkdir -p "$OUT"

drop_created() {
  if [[ -f $OUT/created_dbs ]]; then
    sort -u "$OUT/created_dbs" | while read -r db; do
      [[ $db == schemadiff_bench_cmp_* ]] &&
        psql "$PG_SERVER/postgres" -Xqc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
    done
    rm -f "$OUT/created_dbs"
  fi
}
trap drop_created EXIT
trap 'exit 130' INT TERM

# Python tools, pinned: Alembic 1.13 needs SQLAlchemy 2; migra's sqlbag/schemainspect need
# SQLAlchemy 1.4 and pkg_resources, so migra gets a venv of its own.
if [[ ! -x $VENV/bin/alembic ]]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q alembic==1.13.3 SQLAlchemy==2.0.36 psycopg2-binary==2.9.10 matplotlib==3.9.2
fi
if [[ ! -x $VENV_MIGRA/bin/migra ]]; then
  python3 -m venv "$VENV_MIGRA"
  "$VENV_MIGRA/bin/pip" install -q migra==3.0.1663481299 schemainspect==3.1.1663587362 \
    sqlbag==0.1.1617247075 SQLAlchemy==1.4.54 psycopg2-binary==2.9.10 'setuptools<70'
fi

if [[ -z ${SKIP_BUILD:-} ]]; then
  cargo build --release --bin schemadiff --example gen_schema
fi
export GEN=$ROOT/target/release/examples/gen_schema
export SCHEMADIFF=${SCHEMADIFF:-$ROOT/target/release/schemadiff}
[[ -x $GEN ]] || { echo "no $GEN: cargo build --release --example gen_schema" >&2; exit 2; }

# --no-cache, where this build has it: after the subcommand, or before it (global flag).
if "$SCHEMADIFF" diff --help | grep -q -- '--no-cache'; then export NO_CACHE=sub
elif "$SCHEMADIFF" --help | grep -q -- '--no-cache'; then export NO_CACHE=global
else export NO_CACHE=; fi

rm -f "$OUT/results.jsonl"
{
  echo "date: $(date -u +%FT%TZ)"
  [[ -n ${SCHEMADIFF_B:-} ]] && echo "schemadiff B: $SCHEMADIFF_B ($("$SCHEMADIFF_B" --version))"
  echo "schemadiff: $SCHEMADIFF ($("$SCHEMADIFF" --version)); this tree: git $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src || echo ' + uncommitted src changes'); --no-cache: ${NO_CACHE:-not supported}"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB RAM"
  echo "postgres: $(psql "$PG_SERVER/postgres" -XAtc 'SHOW server_version')"
  echo "sqlite3 shell: $(sqlite3 --version | cut -d' ' -f1); python sqlite: $("$VENV/bin/python" -c 'import sqlite3; print(sqlite3.sqlite_version)')"
  echo "python: $("$VENV/bin/python" --version | cut -d' ' -f2); alembic $("$VENV/bin/python" -c 'import alembic; print(alembic.__version__)'), SQLAlchemy $("$VENV/bin/python" -c 'import sqlalchemy; print(sqlalchemy.__version__)'); migra $("$VENV_MIGRA/bin/pip" show migra | awk '/^Version/ {print $2}') with SQLAlchemy $("$VENV_MIGRA/bin/python" -c 'import sqlalchemy; print(sqlalchemy.__version__)')"
  echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT/env.txt"

start=$(date +%s)
IFS=, read -ra sizes <<<"$SIZES"
IFS=, read -ra engines <<<"$ENGINES"
for n in "${sizes[@]}"; do
  runs=3
  for spec in ${RUNS//,/ }; do [[ ${spec%%:*} == "$n" ]] && runs=${spec#*:}; done
  for engine in "${engines[@]}"; do
    "$VENV/bin/python" bench/compare.py run "$engine" "$n" "$runs"
  done
done
echo "total: $(( $(date +%s) - start )) s; load at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/env.txt"
"$VENV/bin/python" bench/compare.py report
echo "results: $OUT/results.md, $OUT/performance.png"
