//! Indexes the recorded firehose (`record` first) into a database with `lexicon-index`, on one
//! core: every frame parsed, every commit's CAR slice read with each block's CID checked and
//! each op's path looked up in the commit's tree, the commit's signature verified with the
//! repository's key, each record converted to JSON, validated (strict) and written to its
//! table with its typed columns and strongRef edges, the cursor written in the same
//! transaction, `--batch` events a transaction (1,000 by default). Prints records per second,
//! best of `--runs` (3 by default), each run on a new database.
//!
//! ```text
//! index --backend sqlite|postgres [--batch N] [--runs N]
//! index --postgres-server     # starts a Postgres, prints its URL, stops when stdin closes
//! ```
//!
//! Postgres is the test harness's (`lexicon_test_support::postgres`, the npm package's
//! binaries), with the test settings (`fsync=off`); SQLite is a file under
//! `target/bench-data/` (WAL, `synchronous=FULL`).

use std::collections::HashMap;
use std::io::Read;
use std::time::Instant;

use lexicon_identity::PublicKey;
use lexicon_index::sync::{change_of, Raw};
use lexicon_index::{Batch, Change, Cursor, Database, IndexSchema, Store};
use lexicon_repo::firehose::{parse_frame, Event};
use lexicon_runtime::Mode;
use lexicon_test_support::postgres::Postgres;

fn arg(name: &str) -> Option<String> {
    std::env::args().skip_while(|a| a != name).nth(1)
}

/// The cocore lexicons (`lexicons/`), with the job's model as a typed column.
fn schema() -> IndexSchema {
    let documents = lexicon_test_support::lexicon_documents(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../lexicons"),
    );
    IndexSchema::new(&documents, &[("dev.cocore.compute.job", "model")]).unwrap()
}

fn main() {
    if std::env::args().any(|a| a == "--postgres-server") {
        let server = Postgres::start();
        println!("{}", server.url("postgres"));
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        return;
    }
    let backend = arg("--backend").unwrap_or_else(|| "sqlite".into());
    let batch_size: usize = arg("--batch").map_or(1000, |n| n.parse().expect("--batch N"));
    let runs: usize = arg("--runs").map_or(3, |n| n.parse().expect("--runs N"));
    let dir = firehose_bench::data_dir();
    let frames = firehose_bench::read_frames(&dir.join("firehose.frames")).unwrap_or_else(|e| {
        panic!("{e} (run `cargo run --release -p firehose-bench --bin record` first)")
    });
    let keys: HashMap<String, String> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("firehose.keys.json")).unwrap())
            .unwrap();
    let keys: HashMap<String, PublicKey> = keys
        .into_iter()
        .map(|(did, key)| (did, PublicKey::from_did_key(&key).unwrap()))
        .collect();

    let mut best = f64::MAX;
    let mut records = 0;
    for _ in 0..runs {
        // A new database each run; the server (if any) lives for the run.
        let sqlite = dir.join("index-bench.db");
        let _ = std::fs::remove_file(&sqlite);
        let _ = std::fs::remove_file(dir.join("index-bench.db-wal"));
        let _ = std::fs::remove_file(dir.join("index-bench.db-shm"));
        let server;
        let database = match backend.as_str() {
            "sqlite" => Database::Sqlite(sqlite),
            "postgres" => {
                server = Postgres::start();
                Database::Postgres(server.url("postgres"))
            }
            other => panic!("--backend sqlite|postgres, not {other}"),
        };
        let mut store = database.open(schema()).unwrap();
        // The stream starts with the repositories (recorded from cursor 0 of a new PDS): each
        // is in sync, empty, before its first commit.
        let seeds = keys
            .keys()
            .map(|did| Change::Repo {
                did: did.clone(),
                rev: "2222222222222".into(),
                data: String::new(),
                records: Vec::new(),
            })
            .collect();
        store
            .apply(&Batch {
                changes: seeds,
                cursor: None,
            })
            .unwrap();

        let start = Instant::now();
        records = 0;
        let mut changes = Vec::new();
        let mut events = 0;
        let mut last_seq = 0;
        let flush = |changes: &mut Vec<Change>, seq: i64, store: &mut Box<dyn Store>| {
            let applied = store
                .apply(&Batch {
                    changes: std::mem::take(changes),
                    cursor: Some(Cursor {
                        stream: "bench".into(),
                        seq,
                    }),
                })
                .unwrap();
            assert_eq!(applied.deferred, 0, "every commit follows: {applied:?}");
            applied.written
        };
        for frame in &frames {
            let Ok(mut event) = parse_frame::<Raw>(frame, &|_| true, Mode::Strict) else {
                continue;
            };
            match &mut event {
                Event::Commit(commit) => {
                    let Some(key) = keys.get(&commit.repo) else {
                        continue;
                    };
                    commit.verify(key).expect("every recorded commit verifies");
                }
                Event::Sync(sync) => {
                    let Some(key) = keys.get(sync.message.did.as_str()) else {
                        continue;
                    };
                    sync.verify(key).expect("every recorded #sync verifies");
                }
                _ => {}
            }
            if let Some(seq) = event.seq() {
                last_seq = seq;
            }
            if let Some(change) = change_of(event) {
                changes.push(change);
            }
            events += 1;
            if events % batch_size == 0 {
                records += flush(&mut changes, last_seq, &mut store);
            }
        }
        records += flush(&mut changes, last_seq, &mut store);
        best = best.min(start.elapsed().as_secs_f64());
    }
    println!(
        "{{\"impl\": \"rust\", \"backend\": \"{backend}\", \"batch\": {batch_size}, \"frames\": {}, \"records\": {records}, \"seconds\": {best:.4}, \"records_per_second\": {:.0}}}",
        frames.len(),
        records as f64 / best
    );
}
