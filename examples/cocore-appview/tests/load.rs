//! A bounded load test on loopback: 10,000 `listJobs` calls at concurrency 64 against the
//! running `cocore-appview`, through this project's client (which validates every answer).
//! Every call must succeed, and the server's memory must stay flat: its resident set after all
//! 10,000 calls may exceed the one after the first 1,000 by at most 16 MiB. Prints requests per
//! second and the server's peak RSS (run with `--release -- --nocapture` for the figures the
//! README quotes).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use lexicon_runtime::{Did, Extra};
use lexicon_test_support::deadline::Deadline;
use lexicon_xrpc::Client;

mod common;

/// The example's bindings (its build script's output).
#[allow(dead_code)]
mod lexicons {
    include!(concat!(env!("OUT_DIR"), "/cocore.rs"));
}

use common::{indexed_job, AppView};
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
    let _deadline = Deadline::start();
    let jobs: Vec<_> = (0..20)
        .map(|n| {
            // Record keys of jobs are TIDs (base32-sortable: no 0, 1, 8 or 9).
            let digit = |d: usize| "234567abcdefghijklmnopqrstuvwxyz".as_bytes()[d] as char;
            indexed_job(
                REQUESTER,
                &format!("3lbq5mkxk2s{}{}", digit(n / 32), digit(n % 32)),
            )
        })
        .collect();
    let server = AppView::start(&jobs, &[]);
    let (url, pid) = (server.url.clone(), server.pid());
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
    drop(server);

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
