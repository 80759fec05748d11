#!/usr/bin/env bash
# Whole-process validation of 100,000 cocore jobs: the generated bindings
# (benchmarks/examples/jobs.rs) beside the strict reference (`reflex.mjs`, @atproto/lex, what the
# PDS validates with), each as one process reading the same JSONL file of cases and writing a
# verdict per case. 1% of the jobs break a rule (a nonce of the wrong length, a datetime without
# a time zone, a price below zero, an unknown trust level), so both paths are taken; the two
# verdict lists must agree line by line.
#
#   bench/jobs.sh [RUNS] [TOOLS_DIR]   # RUNS: best of (3); TOOLS_DIR holds reflex/ (default ../shared/tools)
#
# Needs Node 20+ and npm (`npm ci` in a scratch copy of reflex). Not part of `cargo test`.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
runs="${1:-3}"
tools="${2:-$repo/../shared/tools}"
cd "$repo"
data="$repo/target/bench-data"
mkdir -p "$data"
cases="$data/jobs.jsonl"
python3 - "$cases" <<'PY'
import base64, hashlib, json, random, sys
random.seed(39)
b32 = lambda raw: base64.b32encode(raw).decode().lower().rstrip("=")
def cid(seed):
    digest = hashlib.sha256(seed.encode()).digest()
    return "b" + b32(bytes([1, 0x71, 0x12, 0x20]) + digest)
def did():
    return "did:plc:" + "".join(random.choice("abcdefghijklmnopqrstuvwxyz234567") for _ in range(24))
def tid():
    return random.choice("234567abcdefghij") + "".join(random.choice("234567abcdefghijklmnopqrstuvwxyz") for _ in range(12))
models = ["llama-3.1-8b-instruct", "qwen2.5-72b-instruct", "mistral-7b-instruct-v0.3", "gemma-2-27b-it"]
levels = ["self-attested", "hardware-attested", "enclave-attested"]
with open(sys.argv[1], "w") as out:
    for i in range(100_000):
        requester = did()
        job = {
            "$type": "dev.cocore.compute.job",
            "model": random.choice(models),
            "inputCommitment": hashlib.sha256(str(i).encode()).hexdigest(),
            "maxTokensOut": random.randint(1, 2_000_000),
            "priceCeiling": {"amount": random.randint(0, 100_000), "currency": "USD"},
            "acceptedProviders": [did() for _ in range(random.randint(1, 3))],
            "acceptedTrustLevel": random.choice(levels),
            "acceptedExchanges": ["did:web:exchange.example.com"],
            "paymentAuthorization": {
                "uri": f"at://{requester}/dev.cocore.compute.paymentAuthorization/{tid()}",
                "cid": cid(f"auth{i}"),
            },
            "nonce": "%032x" % random.getrandbits(128),
            "expiresAt": "2026-12-%02dT%02d:%02d:%02d.%03dZ" % (random.randint(1, 28), random.randint(0, 23), random.randint(0, 59), random.randint(0, 59), random.randint(0, 999)),
            "createdAt": "2026-11-%02dT%02d:%02d:%02d.%03dZ" % (random.randint(1, 28), random.randint(0, 23), random.randint(0, 59), random.randint(0, 59), random.randint(0, 999)),
        }
        if i % 100 == 99:
            broken = (i // 100) % 4
            if broken == 0:
                job["nonce"] = job["nonce"][:31]
            elif broken == 1:
                job["expiresAt"] = job["expiresAt"][:19]
            elif broken == 2:
                job["priceCeiling"]["amount"] = -1
            else:
                job["acceptedTrustLevel"] = 7
        out.write(json.dumps({"nsid": "dev.cocore.compute.job", "value": job}) + "\n")
PY
lexicons="$repo/tests/data/lexicons/cocore-upstream"
cargo build --release -q -p lexicon-benchmarks --example jobs
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
cp -r "$tools/reflex" "$scratch/reflex"
chmod -R u+w "$scratch/reflex"
(cd "$scratch/reflex" && npm ci --silent >/dev/null 2>&1)
# Best of RUNS, whole process (start-up, reading, parsing, validating, writing verdicts).
best() {
  python3 - "$runs" "$@" <<'PY'
import subprocess, sys, time
runs, out, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
times = []
for _ in range(runs):
    with open(out, "w") as f:
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=f, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - t0)
print(min(times))
PY
}
ours=$(best "$scratch/ours.jsonl" target/release/examples/jobs "$cases")
theirs=$(best "$scratch/theirs.jsonl" node "$scratch/reflex/reflex.mjs" "$lexicons" "$cases")
python3 - "$scratch/ours.jsonl" "$scratch/theirs.jsonl" "$ours" "$theirs" "$(node --version)" <<'PY'
import json, sys
ours = [json.loads(l)["valid"] for l in open(sys.argv[1])]
theirs = [json.loads(l)["valid"] for l in open(sys.argv[2])]
assert len(ours) == len(theirs) == 100_000, (len(ours), len(theirs))
differ = [i + 1 for i, (a, b) in enumerate(zip(ours, theirs)) if a != b]
assert not differ, f"verdicts differ on lines {differ[:10]}"
t_ours, t_theirs = float(sys.argv[3]), float(sys.argv[4])
print(f"100,000 jobs ({sum(ours):,} valid), verdicts identical; "
      f"ours {t_ours:.3f} s ({100_000 / t_ours:,.0f} jobs/s), "
      f"reference {t_theirs:.3f} s ({100_000 / t_theirs:,.0f} jobs/s, node {sys.argv[5]}): "
      f"{t_theirs / t_ours:.1f}x")
PY
