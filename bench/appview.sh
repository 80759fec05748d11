#!/usr/bin/env bash
# The AppView's database under load and under growth, on SQLite and on Postgres (the test
# harness's server, fsync off):
# - `listJobs` of cocore-appview over 100,000 jobs (1,000 requesters, 100 each), 64 clients at
#   once over loopback: requests per second, p50 and p99 latency (bench/firehose/src/bin/load.rs);
# - ingest as the table grows from 0 to 1,000,000 records, 1,000 a transaction, one core: the
#   rate of each tenth (bench/firehose/src/bin/growth.rs).
#
#   bench/appview.sh [RECORDS]      # RECORDS: how far the growth run goes (1000000)
#
# Needs what the end-to-end tests need (the harness's Postgres). Not part of `cargo test`.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
records="${1:-1000000}"
cargo build --release -q -p firehose-bench -p cocore-appview
target/release/record --install-only
for backend in sqlite postgres; do
  target/release/load --backend "$backend"
done
for backend in sqlite postgres; do
  taskset -c 0 target/release/growth --backend "$backend" --records "$records"
done
