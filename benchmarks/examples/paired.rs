//! Paired timings of the comparisons the README's performance targets name, robust to a machine
//! whose speed drifts (a shared VM): the two sides of each comparison run alternately in short
//! batches, and the median of the per-batch ratios is reported with its spread.
//!
//!   cargo run --release -p lexicon-benchmarks --example paired [-- ROUNDS]
//!   cargo run --release -p lexicon-benchmarks --example paired -- --one NAME N
//!
//! `--one NAME N` runs one side N times and nothing else, for an instruction profile:
//! `valgrind --tool=callgrind target/release/examples/paired --one job/from_json 2000`.

use std::hint::black_box;
use std::time::Instant;

use atproto_lexicons::app::bsky::feed::post::Post;
use cocore_lexicons::dev::cocore::compute::job::Job;
use lexicon_benchmarks::{PlainJob, PlainPost};
use lexicon_runtime::cbor::DagCbor;
use lexicon_runtime::{Unchecked, Validate};

fn case(file: &str, line: usize) -> String {
    let path = format!("{}/../tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap();
    let case: serde_json::Value = serde_json::from_str(text.lines().nth(line).unwrap()).unwrap();
    case["value"].to_string()
}

/// The inputs every side reads.
struct Inputs {
    job: String,
    job_cbor: Vec<u8>,
    job_parsed: Job,
    job_value: serde_json::Value,
    post: String,
    post_cbor: Vec<u8>,
    validator: lexicon_schema::Validator,
}

impl Inputs {
    fn new() -> Self {
        let job = case("reflex/cocore-job.jsonl", 0);
        let post = case("cases/real-records.jsonl", 0);
        let job_parsed = Job::from_json(&job).unwrap();
        let dir = format!(
            "{}/../tests/data/lexicons/cocore-upstream",
            env!("CARGO_MANIFEST_DIR")
        );
        Inputs {
            job_cbor: job_parsed.to_cbor().unwrap(),
            job_value: serde_json::from_str(&job).unwrap(),
            post_cbor: Post::from_json(&post).unwrap().to_cbor().unwrap(),
            job_parsed,
            job,
            post,
            validator: lexicon_schema::Validator::from_dirs([dir]).unwrap(),
        }
    }

    /// Runs side `name` once.
    fn run(&self, name: &str) {
        match name {
            "job/plain" => drop(black_box(
                serde_json::from_str::<PlainJob>(black_box(&self.job)).unwrap(),
            )),
            "job/parse" => drop(black_box(
                serde_json::from_str::<Unchecked<Job>>(black_box(&self.job)).unwrap(),
            )),
            "job/from_json" => drop(black_box(Job::from_json(black_box(&self.job)).unwrap())),
            "job/from_cbor" => drop(black_box(
                Job::from_cbor(black_box(&self.job_cbor)).unwrap(),
            )),
            "job/validate" => black_box(black_box(&self.job_parsed).validate()).unwrap(),
            "job/run-time validate" => {
                black_box(self.validator.validate_record(black_box(&self.job_value))).unwrap()
            }
            "post/plain" => drop(black_box(
                serde_json::from_str::<PlainPost>(black_box(&self.post)).unwrap(),
            )),
            "post/from_json" => drop(black_box(Post::from_json(black_box(&self.post)).unwrap())),
            "post/from_cbor" => drop(black_box(
                Post::from_cbor(black_box(&self.post_cbor)).unwrap(),
            )),
            other => panic!("no side named {other}"),
        }
    }
}

/// The comparisons: what is measured, against what, and the target ratio.
const PAIRS: &[(&str, &str, f64)] = &[
    ("job/from_json", "job/plain", 1.25),
    ("post/from_json", "post/plain", 1.25),
    ("job/from_cbor", "job/from_json", 1.25),
    ("post/from_cbor", "post/from_json", 1.25),
    ("job/run-time validate", "job/validate", 2.0),
    ("job/parse", "job/plain", f64::NAN),
];

/// Nanoseconds per run of `name`, over a batch of `n`.
fn batch(inputs: &Inputs, name: &str, n: u32) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        inputs.run(name);
    }
    start.elapsed().as_nanos() as f64 / f64::from(n)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let inputs = Inputs::new();
    if args.first().map(String::as_str) == Some("--one") {
        let n: u32 = args[2].parse().expect("N: a number of runs");
        for _ in 0..n {
            inputs.run(&args[1]);
        }
        return;
    }
    let rounds: usize = args
        .first()
        .map_or(200, |r| r.parse().expect("ROUNDS: a number"));
    println!("| measured | baseline | ours (median ns) | baseline (median ns) | ratio: median (p10-p90) | target |");
    println!("| --- | --- | --- | --- | --- | --- |");
    for &(ours, base, target) in PAIRS {
        // About 2 ms a batch, so that the machine's drift is slow beside one pair of batches.
        let n = (2_000_000.0 / batch(&inputs, base, 2_000)).max(10.0) as u32;
        let (mut ratios, mut a, mut b) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..rounds {
            // Alternate which side goes first.
            let (x, y) = if round % 2 == 0 {
                let x = batch(&inputs, ours, n);
                (x, batch(&inputs, base, n))
            } else {
                let y = batch(&inputs, base, n);
                (batch(&inputs, ours, n), y)
            };
            ratios.push(x / y);
            a.push(x);
            b.push(y);
        }
        let median = |v: &mut Vec<f64>, q: f64| {
            v.sort_by(f64::total_cmp);
            v[((v.len() - 1) as f64 * q).round() as usize]
        };
        let target = if target.is_nan() {
            "—".to_owned()
        } else {
            format!("{target}x")
        };
        println!(
            "| {ours} | {base} | {:.0} | {:.0} | {:.2}x ({:.2}-{:.2}) | {target} |",
            median(&mut a, 0.5),
            median(&mut b, 0.5),
            median(&mut ratios, 0.5),
            median(&mut ratios, 0.1),
            median(&mut ratios, 0.9),
        );
    }
}
