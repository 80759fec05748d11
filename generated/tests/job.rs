//! Behaviour of the committed cocore bindings on real job records.

use cocore_lexicons::dev::cocore::compute::defs::TrustLevel;
use cocore_lexicons::dev::cocore::compute::job::Job;
use cocore_lexicons::{validate_record_key, KnownRecord};
use lexicon_runtime::{Error, Validate, Violation};
use serde_json::{json, Value};

fn valid_job() -> Value {
    json!({
        "$type": "dev.cocore.compute.job",
        "model": "llama-3.1-8b-instruct",
        "inputCommitment": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "maxTokensOut": 1024,
        "priceCeiling": {"amount": 250, "currency": "USD"},
        "acceptedProviders": ["did:plc:ewvi7nxzyoun6zhxrhs64oiz"],
        "acceptedTrustLevel": "hardware-attested",
        "acceptedExchanges": ["did:web:exchange.example.com"],
        "paymentAuthorization": {
            "uri": "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/dev.cocore.compute.paymentAuthorization/3l4m5n6o7p2qa",
            "cid": "bafyreiclp443lavogvhj3d2ob2cxbfuscni2k5jk7bebjzg7khl3esabwq"
        },
        "nonce": "0123456789abcdef0123456789abcdef",
        "expiresAt": "2026-12-01T12:00:00.000Z",
        "createdAt": "2026-11-24T12:00:00.000Z"
    })
}

#[test]
fn parses_a_valid_job_into_typed_fields() {
    let job = Job::from_json(&valid_job().to_string()).expect("valid");
    assert_eq!(job.model, "llama-3.1-8b-instruct");
    assert_eq!(job.max_tokens_out, 1024);
    assert_eq!(job.price_ceiling.amount, 250);
    assert_eq!(job.accepted_trust_level, TrustLevel::HardwareAttested);
    assert_eq!(
        job.accepted_providers.as_ref().unwrap()[0].as_str(),
        "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
    );
    assert!(job.input_cipher_url.is_none());
    assert_eq!(Job::NSID, "dev.cocore.compute.job");
}

#[test]
fn round_trips_and_keeps_undeclared_fields() {
    let mut value = valid_job();
    value["extraField"] = json!({"anything": [1, 2, 3], "nested": {"k": "v"}});
    value["priceCeiling"]["memo"] = json!("kept too");
    let job = Job::from_json(&value.to_string()).expect("valid");
    assert_eq!(
        job.extra["extraField"],
        json!({"anything": [1, 2, 3], "nested": {"k": "v"}})
    );
    let out: Value = serde_json::from_str(&job.to_json()).unwrap();
    assert_eq!(out, value, "JSON value round-trips unchanged");
    let again = Job::from_json(&job.to_json()).expect("still valid");
    assert_eq!(again, job, "struct -> JSON -> struct is the identity");
}

#[test]
fn unknown_trust_level_is_kept_as_other() {
    let mut value = valid_job();
    value["acceptedTrustLevel"] = json!("quantum-attested");
    let job = Job::from_json(&value.to_string()).expect("knownValues is an open set");
    assert_eq!(
        job.accepted_trust_level,
        TrustLevel::Other("quantum-attested".into())
    );
    let out: Value = serde_json::from_str(&job.to_json()).unwrap();
    assert_eq!(out["acceptedTrustLevel"], "quantum-attested");
}

#[test]
fn reports_every_violation_with_its_path() {
    let mut value = valid_job();
    value["model"] = json!("m".repeat(257));
    value["maxTokensOut"] = json!(0);
    value["priceCeiling"]["currency"] = json!("US");
    value["acceptedProviders"] = json!(["did:plc:ok", "alice.example.com"]);
    let err = Job::from_json(&value.to_string()).expect_err("four violations");
    let Error::Invalid(errors) = err else {
        panic!("expected validation errors, got {err}")
    };
    assert_eq!(
        errors.paths(),
        [
            "$.model",
            "$.maxTokensOut",
            "$.priceCeiling.currency",
            "$.acceptedProviders[1]"
        ]
    );
    let violations: Vec<&Violation> = errors.iter().map(|e| &e.violation).collect();
    assert_eq!(
        violations[0],
        &Violation::StringTooLong {
            max: 256,
            actual: 257
        }
    );
    assert_eq!(
        violations[1],
        &Violation::IntegerTooSmall { min: 1, actual: 0 }
    );
    assert!(format!("{errors:#}").contains("\n  $.priceCeiling.currency: string too short"));
    assert!(format!("{errors:#}").starts_with("4 violations:\n"));
    // One line without `#`: the first violation and how many more.
    assert_eq!(
        errors.to_string(),
        "$.model: string too long: expected at most 256 UTF-8 bytes, got 257 (and 3 more violations)"
    );
}

#[test]
fn counts_bytes_not_characters() {
    let mut value = valid_job();
    value["nonce"] = json!("0123456789abcdef0123456789abcdeé");
    let err = Job::from_json(&value.to_string()).expect_err("33 bytes");
    assert_eq!(
        err.to_string(),
        "$.nonce: string too long: expected at most 32 UTF-8 bytes, got 33"
    );
}

#[test]
fn validate_checks_values_built_in_rust() {
    let mut job = Job::from_json(&valid_job().to_string()).unwrap();
    assert!(job.validate().is_ok());
    // Fields stay writable; a value changed in place is checked by `validate`.
    job.price_ceiling.amount = -1;
    job.max_tokens_out = 1 << 60;
    let errors = job.validate().expect_err("two violations");
    assert_eq!(
        errors.paths(),
        ["$.maxTokensOut", "$.maxTokensOut", "$.priceCeiling.amount"]
    );
}

/// Every violation of `value` as `path: message` lines, from `Job::from_json`.
fn violations(value: &Value) -> Vec<String> {
    violations_of(&value.to_string())
}

#[test]
fn type_mismatches_come_with_every_other_violation() {
    let mut value = valid_job();
    value["priceCeiling"]["amount"] = json!("250");
    value["nonce"] = json!("short");
    value["acceptedProviders"] = json!(["did:plc:ok", 7]);
    value.as_object_mut().unwrap().remove("model");
    value["maxTokensOut"] = json!(10.5);
    assert_eq!(
        violations(&value),
        [
            "$: missing required property `model`",
            "$.maxTokensOut: expected an integer, got a number (10.5)",
            "$.priceCeiling.amount: expected an integer, got a string (\"250\")",
            "$.acceptedProviders[1]: expected a string, got an integer (7)",
            "$.nonce: string too short: expected at least 32 UTF-8 bytes, got 5",
        ]
    );
    let mut value = valid_job();
    value["priceCeiling"] = Value::Null;
    assert_eq!(
        violations(&value),
        ["$.priceCeiling: expected a dev.cocore.compute.defs#money object, got null"]
    );
    // A long value is cut to 40 characters.
    let mut value = valid_job();
    value["maxTokensOut"] = json!("x".repeat(300));
    let long = &violations(&value)[0];
    assert!(
        long.ends_with(&format!("got a string (\"{}…)", "x".repeat(39))),
        "{long}"
    );
    let mut value = valid_job();
    value["maxTokensOut"] = json!(1.0);
    assert_eq!(
        Job::from_json(&value.to_string()).unwrap().max_tokens_out,
        1
    );
    // Not JSON at all: where parsing stopped.
    assert!(matches!(
        Job::from_json("{\"model\": "),
        Err(Error::Parse { .. })
    ));
}

#[test]
fn record_type_must_be_exact() {
    let mut value = valid_job();
    value.as_object_mut().unwrap().remove("$type");
    assert_eq!(
        violations(&value),
        ["$.$type: missing required property `$type`"]
    );
    value["$type"] = json!("dev.cocore.compute.job#main");
    assert_eq!(
        violations(&value),
        ["$.$type: wrong $type: expected \"dev.cocore.compute.job\", got \"dev.cocore.compute.job#main\""]
    );
    value["$type"] = json!("dev.cocore.compute.job");
    assert!(Job::from_json(&value.to_string()).is_ok());
}

#[test]
fn known_record_dispatches_by_collection() {
    let json = valid_job().to_string();
    let record = KnownRecord::from_json("dev.cocore.compute.job", &json).expect("valid");
    assert_eq!(record.collection(), "dev.cocore.compute.job");
    assert!(matches!(&record, KnownRecord::DevCocoreComputeJob(job) if job.nonce.len() == 32));
    assert!(record.validate().is_ok());
    let out: Value = serde_json::from_str(&record.to_json()).unwrap();
    assert_eq!(out, valid_job());
    assert!(
        matches!(KnownRecord::from_json("app.bsky.feed.post", &json), Err(Error::UnknownCollection(c)) if c == "app.bsky.feed.post")
    );
}

#[test]
fn record_keys_follow_the_key_type() {
    assert!(validate_record_key("dev.cocore.compute.job", "3l4m5n6o7p2qa").is_ok());
    assert!(Job::validate_key("3l4m5n6o7p2qa").is_ok());
    for bad in ["self", "3L4M5N6O7P2QA", "3l4m5n6o7p2q", "", "a/b"] {
        assert!(
            matches!(
                validate_record_key("dev.cocore.compute.job", bad),
                Err(Error::InvalidRecordKey { .. })
            ),
            "{bad:?} is not a tid"
        );
    }
    assert!(matches!(
        validate_record_key("nope.nope.nope", "self"),
        Err(Error::UnknownCollection(_))
    ));
}

#[test]
fn rejects_data_model_violations_in_undeclared_fields() {
    let mut value = valid_job();
    value["extra"] = json!({"deep": [1.5]});
    let errors = match Job::from_json(&value.to_string()) {
        Err(Error::Invalid(errors)) => errors,
        other => panic!("expected invalid, got {other:?}"),
    };
    assert_eq!(errors.paths(), ["$.extra.deep[0]"]);
    let mut value = valid_job();
    value["big"] = json!(9007199254740992i64);
    assert!(
        Job::from_json(&value.to_string()).is_err(),
        "2^53 is beyond the safe range"
    );
    let mut value = valid_job();
    value["whole"] = json!(2.0);
    assert!(
        Job::from_json(&value.to_string()).is_ok(),
        "a whole number written as a float is an integer"
    );
}

#[test]
fn duplicate_keys_and_lone_surrogates_are_refused() {
    let json = valid_job().to_string();
    let dup = json.replacen("\"model\":", "\"model\":\"a\",\"model\":", 1);
    assert!(matches!(Job::from_json(&dup), Err(Error::Parse { .. })));
    let surrogate = json.replacen("llama-3.1-8b-instruct", "llama\\ud800", 1);
    assert!(matches!(
        Job::from_json(&surrogate),
        Err(Error::Parse { .. })
    ));
}

#[test]
fn a_property_given_twice_is_listed_with_the_other_violations() {
    let mut value = valid_job();
    value["nonce"] = json!("short");
    let json = value.to_string().replacen("{", r#"{"model":"a","#, 1);
    assert_eq!(
        violations_of(&json),
        [
            "$.nonce: string too short: expected at least 32 UTF-8 bytes, got 5",
            "$: duplicate field `model`",
        ]
    );
}

/// Every violation of the JSON text `json` as `path: message` lines, from `Job::from_json`.
fn violations_of(json: &str) -> Vec<String> {
    match Job::from_json(json) {
        Err(Error::Invalid(errors)) => errors.iter().map(|e| e.to_string()).collect(),
        other => panic!("expected violations, got {other:?}"),
    }
}

#[test]
fn a_job_without_type_reads_when_its_collection_is_known() {
    use lexicon_runtime::record::from_json_untyped;
    use lexicon_runtime::Mode;
    let mut value = valid_job();
    value.as_object_mut().unwrap().remove("$type");
    let job = from_json_untyped::<Job>(Mode::Strict, &value.to_string()).unwrap();
    assert_eq!(job.model, value["model"]);
    // A $type that is there must still be the collection's.
    value["$type"] = json!("dev.cocore.compute.receipt");
    assert!(from_json_untyped::<Job>(Mode::Strict, &value.to_string()).is_err());
    // Violations are still every violation, with their paths.
    let mut bad = valid_job();
    bad.as_object_mut().unwrap().remove("$type");
    bad["maxTokensOut"] = json!(0);
    let error = from_json_untyped::<Job>(Mode::Strict, &bad.to_string()).unwrap_err();
    assert_eq!(error.paths(), ["$.maxTokensOut"], "{error:#}");
}
