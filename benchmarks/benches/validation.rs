//! Parse + validate of a job and of a post with our generated types, against plain serde structs
//! of the same shape; validate-only of a parsed value; serialize; and the DAG-CBOR path next to
//! the JSON one: decode + validate, encode, CID; and run-time validation against lexicons read
//! from their folder.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use lexicon_benchmarks::{PlainJob, PlainPost};
use lexicon_runtime::cbor::{self, DagCbor};
use lexicon_runtime::Validate;

fn case(file: &str, line: usize) -> String {
    let path = format!("{}/../tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap();
    let case: serde_json::Value = serde_json::from_str(text.lines().nth(line).unwrap()).unwrap();
    case["value"].to_string()
}

fn job(c: &mut Criterion) {
    use cocore_lexicons::dev::cocore::compute::job::Job;
    let json = case("reflex/cocore-job.jsonl", 0);
    let mut g = c.benchmark_group("job");
    g.throughput(Throughput::Bytes(json.len() as u64));
    g.bench_function("plain serde parse", |b| {
        b.iter(|| serde_json::from_str::<PlainJob>(&json).unwrap())
    });
    g.bench_function("from_json (parse + validate)", |b| {
        b.iter(|| Job::from_json(&json).unwrap())
    });
    // Shape only: `Deserialize` of `Job` itself validates, as `from_json` does.
    g.bench_function("parse only", |b| {
        b.iter(|| serde_json::from_str::<lexicon_runtime::Unchecked<Job>>(&json).unwrap())
    });
    let job = Job::from_json(&json).unwrap();
    g.bench_function("validate only", |b| b.iter(|| job.validate().unwrap()));
    g.bench_function("serialize", |b| b.iter(|| job.to_json()));
    let plain = serde_json::from_str::<PlainJob>(&json).unwrap();
    g.bench_function("plain serde serialize", |b| {
        b.iter(|| serde_json::to_string(&plain).unwrap())
    });
    let bytes = job.to_cbor().unwrap();
    g.bench_function("from_cbor (decode + validate)", |b| {
        b.iter(|| Job::from_cbor(&bytes).unwrap())
    });
    g.bench_function("to_cbor", |b| b.iter(|| job.to_cbor().unwrap()));
    g.bench_function("cid (to_cbor + sha2-256)", |b| {
        b.iter(|| job.cid().unwrap())
    });
    g.bench_function("cid_of bytes (sha2-256)", |b| {
        b.iter(|| cbor::cid_of(&bytes))
    });
    g.finish();
}

fn post(c: &mut Criterion) {
    use atproto_lexicons::app::bsky::feed::post::Post;
    let json = case("cases/real-records.jsonl", 0);
    let mut g = c.benchmark_group("post");
    g.throughput(Throughput::Bytes(json.len() as u64));
    g.bench_function("plain serde parse", |b| {
        b.iter(|| serde_json::from_str::<PlainPost>(&json).unwrap())
    });
    g.bench_function("from_json (parse + validate)", |b| {
        b.iter(|| Post::from_json(&json).unwrap())
    });
    let post = Post::from_json(&json).unwrap();
    g.bench_function("validate only", |b| b.iter(|| post.validate().unwrap()));
    g.bench_function("serialize", |b| b.iter(|| post.to_json()));
    let bytes = post.to_cbor().unwrap();
    g.bench_function("from_cbor (decode + validate)", |b| {
        b.iter(|| Post::from_cbor(&bytes).unwrap())
    });
    g.bench_function("to_cbor", |b| b.iter(|| post.to_cbor().unwrap()));
    g.bench_function("cid (to_cbor + sha2-256)", |b| {
        b.iter(|| post.cid().unwrap())
    });
    g.finish();
}

/// Run-time validation: the job against the upstream cocore lexicons loaded from their folder
/// (the lexicons `bench/reference.sh` gives the reference), no generated code.
fn runtime(c: &mut Criterion) {
    let dir = format!(
        "{}/../tests/data/lexicons/cocore-upstream",
        env!("CARGO_MANIFEST_DIR")
    );
    let validator = lexicon_schema::Validator::from_dirs([dir]).unwrap();
    let json = case("reflex/cocore-job.jsonl", 0);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let mut g = c.benchmark_group("job run-time");
    g.throughput(Throughput::Bytes(json.len() as u64));
    g.bench_function("validate (parsed value)", |b| {
        b.iter(|| validator.validate_record(&value).unwrap())
    });
    g.bench_function("parse + validate", |b| {
        b.iter(|| {
            let value: serde_json::Value = serde_json::from_str(&json).unwrap();
            validator.validate_record(&value).unwrap()
        })
    });
    // An invalid job: a type mismatch and a constraint violation, both listed.
    let mut bad = value.clone();
    bad["maxTokensOut"] = serde_json::json!("many");
    bad["nonce"] = serde_json::json!("short");
    g.bench_function("validate an invalid job (2 violations)", |b| {
        b.iter(|| validator.validate_record(&bad).unwrap_err())
    });
    g.finish();
}

/// Each string format's check on a typical value (the job's, where it has one).
fn formats(c: &mut Criterion) {
    use lexicon_runtime::FormatKind;
    let mut g = c.benchmark_group("format");
    for (kind, value) in [
        (FormatKind::Did, "did:plc:ewvi7nxzyoun6zhxrhs64oiz"),
        (FormatKind::Handle, "alice.bsky.social"),
        (FormatKind::AtIdentifier, "did:plc:ewvi7nxzyoun6zhxrhs64oiz"),
        (FormatKind::Nsid, "dev.cocore.compute.paymentAuthorization"),
        (
            FormatKind::AtUri,
            "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/dev.cocore.compute.paymentAuthorization/3l4m5n6o7p2qa",
        ),
        (
            FormatKind::Cid,
            "bafyreiclp443lavogvhj3d2ob2cxbfuscni2k5jk7bebjzg7khl3esabwq",
        ),
        (FormatKind::Datetime, "2026-12-01T12:00:00.000Z"),
        (FormatKind::Tid, "3l4m5n6o7p2qa"),
        (FormatKind::RecordKey, "3l4m5n6o7p2qa"),
        (FormatKind::Language, "en-US"),
        (FormatKind::Uri, "https://example.com/path/to/page?q=1#top"),
    ] {
        assert!(kind.is_valid(value), "{kind}: {value}");
        g.bench_function(kind.to_string(), |b| {
            b.iter(|| kind.is_valid(std::hint::black_box(value)))
        });
    }
    g.finish();
}

criterion_group!(benches, job, post, runtime, formats);
criterion_main!(benches);
