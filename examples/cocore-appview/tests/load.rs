//! A bounded load test on loopback: 10,000 `listJobs` calls at concurrency 64 against the
//! running `cocore-appview`, through this project's client (which validates every answer).
//! Every call must succeed, and the server's memory must stay flat: its resident set after all
//! 10,000 calls may exceed the one after the first 1,000 by at most 16 MiB. Prints requests per
//! second and the server's peak RSS (run with `--release -- --nocapture` for the figures the
//! README quotes).

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use lexicon_runtime::{Did, Extra};
use lexicon_xrpc::Client;
use serde_json::json;

#[allow(dead_code)]
mod lexicons {
    include!(concat!(env!("OUT_DIR"), "/cocore.rs"));
}
use lexicons::dev::cocore::compute::list_jobs;

const REQUESTS: usize = 10_000;
const WARMUP: usize = 1_000;
const CONCURRENCY: usize = 64;
const REQUESTER: &str = "did:plc:ewvi7nxzyoun6zhxrhs64oiz";

/// A field of `/proc/PID/status`, in KiB (`VmRSS`, `VmHWM`).
fn status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("/proc/{pid}/status has no {field}"))
}

/// Runs `count` calls with `CONCURRENCY` workers; returns how many failed.
async fn run(client: &Client, count: usize) -> usize {
    let next = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let (client, next, failures) =
                (client.clone(), Arc::clone(&next), Arc::clone(&failures));
            tokio::spawn(async move {
                let params = list_jobs::Params {
                    requester: Did::new(REQUESTER).unwrap(),
                    extra: Extra::new(),
                };
                while next.fetch_add(1, Ordering::Relaxed) < count {
                    match client.query::<list_jobs::ListJobs>(&params).await {
                        Ok(out) if out.jobs.len() == 20 => {}
                        other => {
                            if failures.fetch_add(1, Ordering::Relaxed) == 0 {
                                eprintln!("first failure: {other:?}");
                            }
                        }
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.await.unwrap();
    }
    failures.load(Ordering::Relaxed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_calls_at_concurrency_64_no_errors_memory_flat() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("jobs.jsonl");
    let mut out = std::fs::File::create(&file).unwrap();
    for n in 0..20 {
        let rkey = format!("3lbq5mkxk2s{n:02}");
        let job = json!({
            "uri": format!("at://{REQUESTER}/dev.cocore.compute.job/{rkey}"),
            "cid": "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm",
            "collection": "dev.cocore.compute.job",
            "repo": REQUESTER,
            "rkey": rkey,
            "body": {
                "$type": "dev.cocore.compute.job",
                "model": "llama-3.1-8b-instruct",
                "inputCommitment": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                "maxTokensOut": 512,
                "priceCeiling": { "amount": 25, "currency": "USD" },
                "acceptedTrustLevel": "hardware-attested",
                "paymentAuthorization": {
                    "uri": format!("at://{REQUESTER}/dev.cocore.compute.paymentAuthorization/3lbq5mkxk2s2a"),
                    "cid": "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"
                },
                "nonce": format!("{rkey:0>32}"),
                "expiresAt": "2031-01-01T00:00:00.000Z",
                "createdAt": "2026-11-28T05:00:00.000Z"
            }
        });
        writeln!(out, "{job}").unwrap();
    }
    let mut server = Command::new(env!("CARGO_BIN_EXE_cocore-appview"))
        .args(["--listen", "127.0.0.1:0", "--jobs"])
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_owned();
    let pid = server.id();
    let client = Client::new(&url).unwrap();

    assert_eq!(
        run(&client, WARMUP).await,
        0,
        "failures in the first {WARMUP} calls"
    );
    let rss_warm = status_kib(pid, "VmRSS");
    let start = Instant::now();
    let failures = run(&client, REQUESTS - WARMUP).await;
    let elapsed = start.elapsed();
    let rss_end = status_kib(pid, "VmRSS");
    let peak = status_kib(pid, "VmHWM");
    let _ = server.kill();
    let _ = server.wait();

    let rate = (REQUESTS - WARMUP) as f64 / elapsed.as_secs_f64();
    println!(
        "{REQUESTS} listJobs calls (20 jobs each) at concurrency {CONCURRENCY}: {rate:.0} requests/s after warm-up; \
         server RSS {:.1} MiB after {WARMUP}, {:.1} MiB after {REQUESTS}, peak {:.1} MiB",
        rss_warm as f64 / 1024.0,
        rss_end as f64 / 1024.0,
        peak as f64 / 1024.0
    );
    assert_eq!(
        failures,
        0,
        "{failures} of {} calls failed",
        REQUESTS - WARMUP
    );
    assert!(
        rss_end <= rss_warm + 16 * 1024,
        "the server's memory grew from {rss_warm} KiB to {rss_end} KiB"
    );
}
