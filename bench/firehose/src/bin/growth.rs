//! How ingest holds as the database grows: `lexicon-index` writes valid job records (each
//! validated, with its typed column, strongRef edge and repository revision, 1,000 a
//! transaction, the cursor with each) from 10,000 repositories until the table holds
//! `--records` (1,000,000 by default), and prints the rate of each tenth, so a collapse as the
//! tables grow (indigo#1315) would show. No signature checks here: `index` measures those.
//!
//! ```text
//! growth --backend sqlite|postgres [--records N]
//! ```

use std::time::Instant;

use lexicon_index::{Batch, Change, Cursor, Database, IndexSchema, Write};
use lexicon_test_support::postgres::Postgres;

fn arg(name: &str) -> Option<String> {
    std::env::args().skip_while(|a| a != name).nth(1)
}

fn schema() -> IndexSchema {
    let documents = lexicon_test_support::lexicon_documents(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../lexicons"),
    );
    IndexSchema::new(&documents, &[("dev.cocore.compute.job", "model")]).unwrap()
}

fn main() {
    let backend = arg("--backend").unwrap_or_else(|| "sqlite".into());
    let total: u64 = arg("--records").map_or(1_000_000, |n| n.parse().expect("--records N"));
    let dir = firehose_bench::data_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let server;
    let database = match backend.as_str() {
        "sqlite" => {
            let path = dir.join("growth.db");
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
    let mut store = database.open(schema()).unwrap();
    let repos = 10_000u64;
    let tenth = total / 10;
    let mut written = 0u64;
    let mut started = Instant::now();
    let mut rates = Vec::new();
    while written < total {
        // 1,000 records: one commit each, of 1,000 different repositories.
        let changes: Vec<Change> = (written..written + 1000)
            .map(|n| {
                let did = format!("did:plc:{:024}", n % repos);
                Change::Commit {
                    rev: firehose_bench::tid(1_000_000 + n),
                    writes: vec![Write::Put {
                        collection: "dev.cocore.compute.job".into(),
                        rkey: firehose_bench::tid(n),
                        cid: "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm".into(),
                        record: firehose_bench::job(&did, n, &format!("model-{}", n % 50)),
                    }],
                    did,
                    chain: None,
                }
            })
            .collect();
        let applied = store
            .apply(&Batch {
                changes,
                cursor: Some(Cursor {
                    stream: "growth".into(),
                    seq: written as i64,
                }),
            })
            .unwrap();
        assert_eq!(applied.written, 1000, "{applied:?}");
        written += 1000;
        if written.is_multiple_of(tenth) {
            let rate = tenth as f64 / started.elapsed().as_secs_f64();
            eprintln!("{written} records: {rate:.0} records/s over the last {tenth}");
            rates.push(rate.round() as u64);
            started = Instant::now();
        }
    }
    println!(
        "{{\"backend\": \"{backend}\", \"records\": {total}, \"rates_per_tenth\": {rates:?}}}"
    );
}
