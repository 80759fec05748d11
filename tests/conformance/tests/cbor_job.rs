//! `dev.cocore.compute.job` records of the committed bindings (`cocore-lexicons`) through
//! DAG-CBOR: arbitrary jobs (valid or not) round-trip value -> CBOR -> value and CBOR -> JSON ->
//! CBOR byte for byte, get the same verdict from `from_cbor` as from `validate`, and a job with
//! three violations reports the same three paths from CBOR as from JSON.

use cocore_lexicons::dev::cocore::compute::job::Job;
use cocore_lexicons::KnownRecord;
use lexicon_runtime::cbor::{self, DagCbor, DagCborRecords};
use lexicon_runtime::{Error, Validate};
use proptest::prelude::*;
use serde_json::{json, Value};

fn sample() -> Value {
    let line = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../data/reflex/cocore-job.jsonl"
    ))
    .unwrap();
    let case: Value = serde_json::from_str(line.lines().next().unwrap()).unwrap();
    case["value"].clone()
}

fn paths(e: Error) -> Vec<String> {
    match e {
        Error::Invalid(errors) => errors.paths().into_iter().map(String::from).collect(),
        other => panic!("expected violations, got {other}"),
    }
}

#[test]
fn three_violations_have_the_same_paths_from_json_and_cbor() {
    let mut job = sample();
    job["maxTokensOut"] = json!(0);
    job["acceptedProviders"][0] = json!("not-a-did");
    job["paymentAuthorization"]["cid"] = json!("bafy-not-a-cid");
    let from_json = paths(Job::from_json(&job.to_string()).unwrap_err());
    let bytes = cbor::encode(&job).unwrap();
    let from_cbor = paths(Job::from_cbor(&bytes).unwrap_err());
    assert_eq!(from_json.len(), 3, "{from_json:?}");
    let (mut a, mut b) = (from_json, from_cbor);
    a.sort();
    b.sort();
    assert_eq!(a, b);
    let known = KnownRecord::from_cbor("dev.cocore.compute.job", &bytes).unwrap_err();
    assert_eq!(paths(known).len(), 3);
}

#[test]
fn the_sample_job_decodes_encodes_and_hashes() {
    let job = Job::from_json(&sample().to_string()).unwrap();
    let bytes = job.to_cbor().unwrap();
    assert_eq!(Job::from_cbor(&bytes).unwrap(), job);
    let cid = job.cid().unwrap();
    assert!(cid.starts_with("bafyrei"), "{cid}");
    assert_eq!(cid, cbor::cid_of(&bytes));
    // The CID is of the canonical bytes: key order in the JSON does not matter.
    let mut reordered: Vec<(String, Value)> =
        sample().as_object().unwrap().clone().into_iter().collect();
    reordered.reverse();
    let reordered = Value::Object(reordered.into_iter().collect());
    assert_eq!(cbor::cid_of(&cbor::encode(&reordered).unwrap()), cid);
}

fn text() -> impl Strategy<Value = Value> {
    prop_oneof![
        ".{0,70}".prop_map(Value::String),
        "[0-9a-f]{64}".prop_map(Value::String),
        "[0-9a-f]{32}".prop_map(Value::String),
        Just(json!("did:plc:ewvi7nxzyoun6zhxrhs64oiz")),
        Just(json!("2026-12-01T12:00:00.000Z")),
        Just(json!("https://example.com/x")),
        (-5i64..3_000_000).prop_map(Value::from),
        Just(json!({"$bytes": "aGVsbG8"})),
        Just(json!({"$link": "bafyreiclp443lavogvhj3d2ob2cxbfuscni2k5jk7bebjzg7khl3esabwq"})),
        Just(Value::Null),
    ]
}

fn field() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "model",
        "inputCommitment",
        "inputCipherURL",
        "maxTokensOut",
        "acceptedTrustLevel",
        "nonce",
        "expiresAt",
        "createdAt",
        "someExtension",
        "xyz",
    ])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_jobs_round_trip_through_cbor(
        changes in prop::collection::vec((field(), text()), 0..6),
        providers in prop::collection::vec(text(), 0..3),
        amount in -10i64..1_000_000,
    ) {
        let mut job = sample();
        for (k, v) in changes {
            job[k] = v;
        }
        job["acceptedProviders"] = Value::Array(providers);
        job["priceCeiling"]["amount"] = json!(amount);
        let Ok(value) = lexicon_runtime::json::parse::<Job>(&job.to_string()) else {
            return Ok(());
        };
        let value = value.into_unchecked();
        let bytes = value.to_cbor().expect("a parsed job has a DAG-CBOR form");
        let back: Job = cbor::parse(&bytes).unwrap().into_unchecked();
        prop_assert_eq!(&back, &value);
        let json = cbor::cbor_to_json(&bytes).unwrap();
        prop_assert_eq!(cbor::json_to_cbor(&json).unwrap(), bytes.clone());
        prop_assert_eq!(
            Job::from_cbor(&bytes).map_err(|e| e.to_string()).map(drop),
            value.validate().map_err(|e| Error::Invalid(e).to_string())
        );
        prop_assert_eq!(value.cid().unwrap(), cbor::cid_of(&bytes));
    }
}

// The README's "Verifying a strongRef" example, verbatim.
use lexicon_atproto::com::atproto::repo::strong_ref::StrongRef;

/// Checks that `bytes` (a record's DAG-CBOR block, from a repo CAR or the firehose) are the record
/// `strong_ref` names, then decodes and validates it.
fn verify(strong_ref: &StrongRef, bytes: &[u8]) -> Result<KnownRecord, String> {
    let actual = cbor::cid_of(bytes);
    if actual != strong_ref.cid {
        return Err(format!(
            "{} names {}, the bytes hash to {actual}",
            strong_ref.uri, strong_ref.cid
        ));
    }
    // at://<did>/<collection>/<rkey>
    let collection = strong_ref
        .uri
        .split('/')
        .nth(3)
        .ok_or("the URI names no record")?;
    KnownRecord::from_cbor(collection, bytes).map_err(|e| e.to_string())
}

#[test]
fn the_readme_strong_ref_check_accepts_the_named_record_and_only_it() {
    let job = Job::from_json(&sample().to_string()).unwrap();
    let bytes = job.to_cbor().unwrap();
    let strong_ref = StrongRef::builder()
        .uri(
            "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/dev.cocore.compute.job/3l4m5n6o7p2qa"
                .parse::<lexicon_runtime::AtUri>()
                .unwrap(),
        )
        .cid(job.cid().unwrap())
        .build()
        .unwrap();
    let KnownRecord::DevCocoreComputeJob(decoded) = verify(&strong_ref, &bytes).unwrap();
    assert_eq!(*decoded, job);
    let mut tampered = job.clone();
    tampered.max_tokens_out += 1;
    let err = verify(&strong_ref, &tampered.to_cbor().unwrap()).unwrap_err();
    assert!(err.contains("the bytes hash to bafyrei"), "{err}");
}
