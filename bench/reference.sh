#!/usr/bin/env bash
# Times the reference validators on the same job record as `cargo bench -p lexicon-benchmarks`
# (case 1 of tests/data/reflex/cocore-job.jsonl), with their own bench.mjs, on this machine.
#
#   bench/reference.sh [TOOLS_DIR]     # TOOLS_DIR holds reflex/ and refval/ (default ../shared/tools)
#
# Needs Node 20+; runs `npm ci` in a scratch copy of each tool. Not part of `cargo test`.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
tools="${1:-$repo/../shared/tools}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
for tool in reflex refval; do
  cp -r "$tools/$tool" "$scratch/$tool"
  chmod -R u+w "$scratch/$tool"
  (cd "$scratch/$tool" && npm ci --silent >/dev/null 2>&1)
  echo "== $tool"
  (cd "$scratch/$tool" && node bench.mjs "$repo/tests/data/lexicons/cocore-upstream" "$repo/tests/data/reflex/cocore-job.jsonl" 100000)
done
