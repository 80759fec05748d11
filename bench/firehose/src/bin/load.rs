//! `listJobs` under load: a database of 100,000 jobs (1,000 requesters, 100 each) made with
//! `lexicon-index`, `cocore-appview` serving it (`target/release/cocore-appview`, built
//! first), and 64 clients at once asking for a random requester's jobs over loopback; prints
//! requests per second and the latency's p50 and p99 (after a warm-up).
//!
//! ```text
//! load --backend sqlite|postgres [--requests N]
//! ```

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lexicon_index::{Batch, Change, Database, IndexSchema, Write};
use lexicon_test_support::postgres::Postgres;
use serde_json::Value;

const REQUESTERS: usize = 1_000;
const JOBS_EACH: usize = 100;
const CONCURRENCY: usize = 64;

fn arg(name: &str) -> Option<String> {
    std::env::args().skip_while(|a| a != name).nth(1)
}

fn did(n: usize) -> String {
    format!("did:plc:{n:024}")
}

/// The cocore-appview's index: the upstream cocore lexicons, as it makes it.
fn schema() -> IndexSchema {
    let documents = lexicon_test_support::lexicon_documents(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/data/lexicons/cocore-upstream-all"),
    );
    IndexSchema::new(
        &documents,
        &[
            ("dev.cocore.compute.job", "model"),
            ("dev.cocore.compute.receipt", "requester"),
            ("dev.cocore.account.friend", "subject"),
        ],
    )
    .unwrap()
}

fn fill(database: &Database) {
    let mut store = database.open(schema()).unwrap();
    for chunk in 0..(REQUESTERS * JOBS_EACH / 1000) {
        let changes = (0..1000)
            .map(|i| {
                let n = chunk * 1000 + i;
                let requester = did(n % REQUESTERS);
                Change::Commit {
                    rev: firehose_bench::tid(1_000_000 + n as u64),
                    writes: vec![Write::Put {
                        collection: "dev.cocore.compute.job".into(),
                        rkey: firehose_bench::tid(n as u64),
                        cid: "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm".into(),
                        record: firehose_bench::job(&requester, n as u64, "llama-3.1-8b-instruct"),
                    }],
                    did: requester,
                    chain: None,
                }
            })
            .collect();
        let applied = store
            .apply(&Batch {
                changes,
                cursor: None,
            })
            .unwrap();
        assert_eq!(applied.written, 1000);
    }
}

#[tokio::main]
async fn main() {
    let backend = arg("--backend").unwrap_or_else(|| "sqlite".into());
    let requests: usize = arg("--requests").map_or(20_000, |n| n.parse().expect("--requests N"));
    let dir = firehose_bench::data_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let server;
    let database = match backend.as_str() {
        "sqlite" => {
            let path = dir.join("load.db");
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            Database::Sqlite(path)
        }
        "postgres" => {
            server = Postgres::start();
            Database::Postgres(server.url("postgres"))
        }
        other => panic!("--backend sqlite|postgres, not {other}"),
    };
    let filling = database.clone();
    tokio::task::spawn_blocking(move || fill(&filling))
        .await
        .unwrap();

    let appview = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/release/cocore-appview");
    let mut child = Command::new(&appview)
        .args(["--listen", "127.0.0.1:0", "--database"])
        .arg(database.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e} (cargo build --release -p cocore-appview)",
                appview.display()
            )
        });
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_owned();

    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let run = |count: usize| {
        let next = Arc::new(AtomicUsize::new(0));
        let latencies = Arc::new(Mutex::new(Vec::with_capacity(count)));
        let workers: Vec<_> = (0..CONCURRENCY)
            .map(|w| {
                let (client, next, latencies, url) = (
                    client.clone(),
                    Arc::clone(&next),
                    Arc::clone(&latencies),
                    url.clone(),
                );
                tokio::spawn(async move {
                    loop {
                        let n = next.fetch_add(1, Ordering::Relaxed);
                        if n >= count {
                            return;
                        }
                        let requester = did((n * 7919 + w) % REQUESTERS);
                        let start = Instant::now();
                        let answer = client
                            .get(format!(
                                "{url}/xrpc/dev.cocore.compute.listJobs?requester={requester}"
                            ))
                            .send()
                            .await
                            .unwrap();
                        assert!(answer.status().is_success(), "{}", answer.status());
                        let body: Value =
                            serde_json::from_slice(&answer.bytes().await.unwrap()).unwrap();
                        assert_eq!(body["jobs"].as_array().map(Vec::len), Some(JOBS_EACH));
                        latencies.lock().unwrap().push(start.elapsed());
                    }
                })
            })
            .collect();
        async move {
            let started = Instant::now();
            for worker in workers {
                worker.await.unwrap();
            }
            let elapsed = started.elapsed();
            let mut latencies = Arc::try_unwrap(latencies).unwrap().into_inner().unwrap();
            latencies.sort();
            (elapsed, latencies)
        }
    };
    let _ = run(requests / 10).await;
    let (elapsed, latencies) = run(requests).await;
    let _ = child.kill();
    let _ = child.wait();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    println!(
        "{{\"backend\": \"{backend}\", \"jobs\": {}, \"concurrency\": {CONCURRENCY}, \"requests\": {requests}, \"requests_per_second\": {:.0}, \"p50_ms\": {:.2}, \"p99_ms\": {:.2}}}",
        REQUESTERS * JOBS_EACH,
        requests as f64 / elapsed.as_secs_f64(),
        at(0.50).as_secs_f64() * 1000.0,
        at(0.99).as_secs_f64() * 1000.0
    );
}
