#!/usr/bin/env bash
# The GitHub Action's step (action.yml): runs `schemadiff check`, `check --offline` or
# `verify` in the current directory, writes the report and, when the database is behind
# head, the SQL `upgrade head` would run (the plan) to the job summary, and exits with
# schemadiff's code (0 clean, 1 problems, 2 error).
#
# Inputs come as environment variables (never pasted into the script):
#   SCHEMADIFF_COMMAND       check (default), check-offline or verify
#   SCHEMADIFF_ARGS          more arguments, split on spaces (e.g. `--config db/schemadiff.toml`)
#   SCHEMADIFF_DATABASE_URL  if set and not empty, the DATABASE_URL to use
#   SCHEMADIFF_BIN           the binary (default: schemadiff on PATH)
#   GITHUB_STEP_SUMMARY      the summary file (GitHub sets it; without it nothing is written)
#   GITHUB_OUTPUT            where the `clean` and `exit-code` outputs go (optional)
# .ci/packaging runs it with GITHUB_STEP_SUMMARY pointing at a temporary file.
set -uo pipefail

bin=${SCHEMADIFF_BIN:-schemadiff}
command=${SCHEMADIFF_COMMAND:-check}
read -r -a extra <<<"${SCHEMADIFF_ARGS:-}"
if [ -n "${SCHEMADIFF_DATABASE_URL:-}" ]; then
  export DATABASE_URL="$SCHEMADIFF_DATABASE_URL"
fi

case "$command" in
  check) args=(check) ;;
  check-offline) args=(check --offline) ;;
  verify) args=(verify) ;;
  *)
    echo "schemadiff action: unknown command '$command'; use check, check-offline or verify" >&2
    exit 2
    ;;
esac

out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$bin" "${args[@]}" "${extra[@]}" >"$out"
code=$?
cat "$out"

summary() {
  if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    cat >>"$GITHUB_STEP_SUMMARY"
  else
    cat >/dev/null
  fi
}

# The SQL `upgrade head` would run from where the database is, when it is behind head:
# `upgrade --sql FROM:head` needs no database once FROM is known (`current`).
plan() {
  local current
  current=$("$bin" -q current "${extra[@]}" 2>/dev/null) || return 1
  local count
  count=$(printf '%s\n' "$current" | grep -c .)
  if printf '%s\n' "$current" | grep -q '(head)'; then
    return 1
  fi
  local from
  case "$count" in
    0) from=base ;;
    1) from=${current%% *} ;;
    *) return 1 ;; # several applied heads: no single range to print
  esac
  echo "### Plan: \`schemadiff upgrade head\` from $from"
  echo
  echo '```sql'
  "$bin" -q upgrade --sql "$from:head" "${extra[@]}" 2>&1
  echo '```'
}

{
  case "$code" in
    0) echo "## schemadiff ${args[*]}: clean" ;;
    1) echo "## schemadiff ${args[*]}: problems found" ;;
    *) echo "## schemadiff ${args[*]}: error (exit $code)" ;;
  esac
  echo
  echo '```text'
  cat "$out"
  echo '```'
  echo
  if [ "$command" = check ] && [ "$code" != 2 ]; then
    plan
  fi
} | summary

if [ -n "${GITHUB_OUTPUT:-}" ]; then
  { [ "$code" = 0 ] && echo "clean=true" || echo "clean=false"; echo "exit-code=$code"; } >>"$GITHUB_OUTPUT"
fi
exit "$code"
