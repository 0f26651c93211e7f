#!/usr/bin/env bash
# The logic of lockcheck's GitHub Action (action.yml), runnable anywhere: run it from the root
# of a git checkout. Inputs come from the environment (the action sets them from its inputs):
#   LOCKCHECK_PATHS            files/directories to analyse, whitespace-separated (default .)
#   LOCKCHECK_FORMAT           text|json|sarif|rdjsonl|github|html (default github: annotations)
#   LOCKCHECK_OUTPUT           write the report there instead of stdout (default: stdout)
#   LOCKCHECK_FAIL_LEVEL       error|warning|note: exit 1 at or above it (default warning)
#   LOCKCHECK_CONFIG           a lockcheck.yml (default: .github/lockcheck.yml when present)
#   LOCKCHECK_ONLY_INTRODUCED  true: only the findings the change introduces, by running
#                              `lockcheck patch` on the diff BASE...HEAD against a checkout of BASE
#   LOCKCHECK_BASE             the base commit or ref of the change (the action passes the pull
#                              request's base sha; else origin/$GITHUB_BASE_REF)
#   LOCKCHECK_SARIF            also write SARIF to this file (for code scanning upload)
#   LOCKCHECK_JOBS             worker threads
#   LOCKCHECK_BIN              how to run lockcheck (default: this checkout's bin/lockcheck.js)
# Exit code: lockcheck's (0 clean, 1 findings at or above the fail level, 2 usage/analysis error).
# With GITHUB_OUTPUT set, writes exit-code= and sarif-file= there.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
read -r -a paths <<<"${LOCKCHECK_PATHS:-.}"
[ ${#paths[@]} -eq 0 ] && paths=(.)
format=${LOCKCHECK_FORMAT:-github}
fail_level=${LOCKCHECK_FAIL_LEVEL:-warning}
config=${LOCKCHECK_CONFIG:-}
[ -z "$config" ] && [ -f .github/lockcheck.yml ] && config=.github/lockcheck.yml
only_introduced=${LOCKCHECK_ONLY_INTRODUCED:-false}
base=${LOCKCHECK_BASE:-}
[ -z "$base" ] && [ -n "${GITHUB_BASE_REF:-}" ] && base="origin/$GITHUB_BASE_REF"
read -r -a lockcheck <<<"${LOCKCHECK_BIN:-node $here/bin/lockcheck.js}"

say() { printf 'lockcheck-action: %s\n' "$*" >&2; }
output() { [ -n "${GITHUB_OUTPUT:-}" ] && printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"; return 0; }

args=(--format "$format" --fail-level "$fail_level" --no-progress)
[ -n "$config" ] && args+=(--config "$config")
[ -n "${LOCKCHECK_OUTPUT:-}" ] && args+=(--output "$LOCKCHECK_OUTPUT")
[ -n "${LOCKCHECK_SARIF:-}" ] && args+=(--also-write "sarif:$LOCKCHECK_SARIF")

tmp=$(mktemp -d)
cleanup() {
  [ -d "$tmp/base" ] && git worktree remove --force "$tmp/base" >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT

if [ "$only_introduced" = true ]; then
  if [ -z "$base" ]; then
    say "only-introduced needs the change's base (a pull_request event, or LOCKCHECK_BASE)"
    output exit-code 2
    exit 2
  fi
  if ! git rev-parse -q --verify "$base^{commit}" >/dev/null; then
    say "fetching base $base"
    if git fetch -q --no-tags origin "${base#origin/}" 2>/dev/null; then base=$(git rev-parse FETCH_HEAD); fi
  fi
  if ! git rev-parse -q --verify "$base^{commit}" >/dev/null; then
    say "base $base is not in this checkout (check out with fetch-depth: 0)"
    output exit-code 2
    exit 2
  fi
  mb=$(git merge-base "$base" HEAD 2>/dev/null || git rev-parse "$base^{commit}")
  git diff --no-color --full-index "$mb" HEAD -- "${paths[@]}" >"$tmp/change.diff"
  if ! grep -qE '^\+\+\+ b/.*\.[ch]$' "$tmp/change.diff"; then
    say "the change touches no C file under ${paths[*]}: nothing to analyse"
    output exit-code 0
    exit 0
  fi
  git worktree add -q --detach "$tmp/base" "$mb" || { output exit-code 2; exit 2; }
  say "analysing the change $(git rev-parse --short "$mb")..$(git rev-parse --short HEAD) against a checkout of its base"
  "${lockcheck[@]}" patch --tree "$tmp/base" "${args[@]}" "$tmp/change.diff"
  code=$?
else
  [ -n "${LOCKCHECK_JOBS:-}" ] && args+=(--jobs "$LOCKCHECK_JOBS")
  "${lockcheck[@]}" "${args[@]}" "${paths[@]}"
  code=$?
fi
output exit-code "$code"
[ -n "${LOCKCHECK_SARIF:-}" ] && [ -f "$LOCKCHECK_SARIF" ] && output sarif-file "$LOCKCHECK_SARIF"
exit "$code"
