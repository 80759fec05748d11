//! Decodes, verifies and validates the recorded firehose (`record` first) on one core: every
//! frame parsed, every commit's CAR slice read with each block's CID checked, each op's path
//! looked up in the commit's tree, the commit's signature verified with the repository's key,
//! each record decoded into `KnownRecord` and validated (strict). Prints records per second
//! (best of `--runs`, 5 by default).

use std::collections::HashMap;
use std::time::Instant;

use cocore_lexicons::KnownRecord;
use lexicon_identity::PublicKey;
use lexicon_repo::firehose::{parse_frame, Event};
use lexicon_repo::Decoded;
use lexicon_runtime::Mode;

fn main() {
    let runs: usize = std::env::args()
        .skip_while(|a| a != "--runs")
        .nth(1)
        .map(|n| n.parse().expect("--runs N"))
        .unwrap_or(5);
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
    let (mut records, mut commits) = (0usize, 0usize);
    for _ in 0..runs {
        let start = Instant::now();
        (records, commits) = (0, 0);
        for frame in &frames {
            let Ok(Event::Commit(mut commit)) =
                parse_frame::<KnownRecord>(frame, &|_| true, Mode::Strict)
            else {
                continue;
            };
            let Some(key) = keys.get(&commit.repo) else {
                continue;
            };
            commit.verify(key).expect("every recorded commit verifies");
            commits += 1;
            for op in &commit.ops {
                assert!(op.problem.is_none(), "{:?}", op.problem);
                if let Some(Decoded::Known(_)) = op.record {
                    records += 1;
                }
            }
        }
        best = best.min(start.elapsed().as_secs_f64());
    }
    println!(
        "{{\"impl\": \"rust\", \"frames\": {}, \"commits\": {commits}, \"records\": {records}, \"seconds\": {best:.4}, \"records_per_second\": {:.0}}}",
        frames.len(),
        records as f64 / best
    );
}
