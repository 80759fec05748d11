//! The serde path hands out only validated values: `Deserialize` of a generated type validates
//! (strict mode), inside the user's own types too; `Unchecked<T>` is the way to read without
//! validating, and says so in its type.

use cocore_lexicons::dev::cocore::compute::job::Job;
use lexicon_runtime::{Error, Unchecked, Validate};
use serde_json::{json, Value};

/// A valid job: case 1 of the strict reference's cocore job cases.
fn job() -> Value {
    lexicon_test_support::jsonl("reflex/cocore-job.jsonl")[0]["value"].clone()
}

/// Three violations, in three nested places.
fn invalid_job() -> Value {
    let mut v = job();
    v["maxTokensOut"] = json!(0);
    v["priceCeiling"]["currency"] = json!("US");
    v["paymentAuthorization"]["cid"] = json!("not-a-cid");
    v
}

#[derive(serde::Deserialize)]
struct Envelope {
    job: Job,
    more: Vec<Job>,
}

#[test]
fn serde_json_from_str_validates_and_lists_every_violation() {
    let ok: Job = serde_json::from_str(&job().to_string()).expect("a valid job");
    assert_eq!(ok.max_tokens_out, 1024);
    let err = serde_json::from_str::<Job>(&invalid_job().to_string()).expect_err("invalid");
    let text = err.to_string();
    assert!(text.contains("$.maxTokensOut: integer too small"), "{text}");
    assert!(text.contains("and 2 more violations"), "{text}");
    assert!(!text.contains('\n'), "one line: {text}");
}

#[test]
fn a_job_inside_the_users_own_struct_is_validated() {
    let envelope = json!({"job": job(), "more": [job(), invalid_job()]});
    let err = serde_json::from_value::<Envelope>(envelope)
        .err()
        .expect("the second job is invalid");
    assert!(err.to_string().contains("integer too small"), "{err}");
    let fine = json!({"job": job(), "more": [job()]});
    let envelope: Envelope = serde_json::from_value(fine).expect("valid");
    assert_eq!(envelope.more.len(), 1);
    assert!(envelope.job.validate().is_ok());
}

#[test]
fn unchecked_reads_what_the_schema_refuses_and_says_so() {
    let raw: Unchecked<Job> =
        serde_json::from_str(&invalid_job().to_string()).expect("the shape is fine");
    assert_eq!(raw.as_unchecked().max_tokens_out, 0);
    let errors = raw.clone().validate().expect_err("three violations");
    assert_eq!(
        errors.paths(),
        [
            "$.maxTokensOut",
            "$.priceCeiling.currency",
            "$.paymentAuthorization.cid"
        ]
    );
    // A shape error is still an error: `Unchecked` skips constraints, not types.
    let mut wrong = job();
    wrong["maxTokensOut"] = json!("many");
    assert!(serde_json::from_str::<Unchecked<Job>>(&wrong.to_string()).is_err());
}

#[test]
fn from_json_reports_the_same_violations_as_validate() {
    let Err(Error::Invalid(errors)) = Job::from_json(&invalid_job().to_string()) else {
        panic!("expected violations")
    };
    let raw: Unchecked<Job> = serde_json::from_str(&invalid_job().to_string()).unwrap();
    assert_eq!(raw.validate().unwrap_err(), errors);
}

#[test]
fn runtime_types_deserialize_only_valid_values() {
    assert!(serde_json::from_str::<lexicon_runtime::Did>(r#""did:plc:abc""#).is_ok());
    assert!(serde_json::from_str::<lexicon_runtime::Did>(r#""nope""#).is_err());
    assert!(serde_json::from_str::<lexicon_runtime::CidLink>(r#"{"$link": "nope"}"#).is_err());
    let legacy = r#"{"cid": "bafkreibme22gw2h7y2h7tg2fhqotaqjucnbc24deqo72b6mkl2egezxhvy", "mimeType": "image/png"}"#;
    assert!(
        serde_json::from_str::<lexicon_runtime::Blob>(legacy).is_err(),
        "strict mode refuses legacy blobs"
    );
    let blob: Unchecked<lexicon_runtime::Blob> = serde_json::from_str(legacy).unwrap();
    assert!(blob.as_unchecked().is_legacy());
    assert!(blob.validate_with(lexicon_runtime::Mode::Lenient).is_ok());
    assert!(serde_json::from_str::<lexicon_runtime::Unknown>("[1]").is_err());
}

#[test]
fn a_typed_record_becomes_an_unknown_with_its_type() {
    let typed: Job = serde_json::from_value(job()).unwrap();
    let unknown = lexicon_runtime::Unknown::from_typed(&typed).expect("a valid record");
    assert_eq!(unknown.as_value()["$type"], "dev.cocore.compute.job");
    assert_eq!(unknown.as_value(), &job());
    let record = cocore_lexicons::KnownRecord::from(typed);
    assert_eq!(record.collection(), "dev.cocore.compute.job");
}
