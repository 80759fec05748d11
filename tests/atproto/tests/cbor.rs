//! Corpus record types through DAG-CBOR (`lexicon-runtime/dag-cbor`): the corpus cases and the
//! real records get the same verdicts and violations from `KnownRecord::from_cbor` as from
//! `from_json`; posts, likes, follows and profiles round-trip (value -> CBOR -> value, and
//! CBOR -> JSON -> CBOR byte for byte); a record with three violations reports the same three
//! paths from either input.

use std::fmt::Debug;

use atproto_lexicons::app::bsky::graph::follow::Follow;
use atproto_lexicons::app::bsky::{actor::profile::Profile, feed::like::Like, feed::post::Post};
use atproto_lexicons::KnownRecord;
use lexicon_runtime::cbor::{self, DagCbor, DagCborRecords};
use lexicon_runtime::serde::Serialize;
use lexicon_runtime::{Error, ShapeOwned, Validate};
use lexicon_test_support::{jsonl, mutate};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

/// A verdict as compared across inputs: valid, a shape error, or the sorted violations.
fn outcome(result: &Result<(), Error>) -> String {
    match result {
        Ok(()) => "valid".into(),
        Err(Error::Invalid(errors)) => {
            let mut all: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            all.sort();
            format!("invalid: {}", all.join("; "))
        }
        Err(Error::Parse { .. }) => "shape error".into(),
        Err(e) => format!("error: {e}"),
    }
}

fn verdict_json(nsid: &str, json: &str) -> Result<(), Error> {
    if nsid.contains('#') {
        return atproto_lexicons::validate_json(nsid, json);
    }
    match KnownRecord::from_json(nsid, json) {
        Err(Error::UnknownCollection(_)) => atproto_lexicons::validate_json(nsid, json),
        other => other.map(drop),
    }
}

fn verdict_cbor(nsid: &str, bytes: &[u8]) -> Result<(), Error> {
    let input = || cbor::Cbor(bytes);
    let strict = lexicon_runtime::Mode::Strict;
    if nsid.contains('#') {
        return atproto_lexicons::validate_input(strict, nsid, input());
    }
    match KnownRecord::from_cbor(nsid, bytes) {
        Err(Error::UnknownCollection(_)) => atproto_lexicons::validate_input(strict, nsid, input()),
        other => other.map(drop),
    }
}

/// Runs every case of a set through both inputs; returns (same, without a CBOR form, differences).
fn compare(set: &str) -> (usize, usize, Vec<String>) {
    let (mut same, mut not_encodable, mut differ) = (0, 0, Vec::new());
    for (i, case) in jsonl(set).iter().enumerate() {
        let nsid = case["nsid"].as_str().unwrap();
        let value = &case["value"];
        if !value.is_object() {
            continue;
        }
        let from_json = verdict_json(nsid, &value.to_string());
        let bytes = match cbor::encode(value) {
            Ok(bytes) => bytes,
            Err(_) if from_json.is_err() => {
                not_encodable += 1;
                continue;
            }
            Err(e) => {
                differ.push(format!(
                    "case {}: JSON accepts, no DAG-CBOR form: {e}",
                    i + 1
                ));
                continue;
            }
        };
        let (a, b) = (outcome(&from_json), outcome(&verdict_cbor(nsid, &bytes)));
        if a == b {
            same += 1;
        } else {
            differ.push(format!(
                "case {} {nsid} ({}): JSON {a}; CBOR {b}",
                i + 1,
                case["note"]
            ));
        }
    }
    (same, not_encodable, differ)
}

#[test]
fn corpus_cases_get_the_same_verdicts_through_cbor() {
    let (same, not_encodable, differ) = compare("cases/corpus.jsonl");
    println!("corpus: {same} same, {not_encodable} without a DAG-CBOR form");
    assert!(
        differ.is_empty(),
        "{} differ:\n{}",
        differ.len(),
        differ.join("\n")
    );
    assert!(same > 7000, "{same}");
}

#[test]
fn real_records_get_the_same_verdicts_through_cbor() {
    let (same, not_encodable, differ) = compare("cases/real-records.jsonl");
    assert!(
        differ.is_empty(),
        "{} differ:\n{}",
        differ.len(),
        differ.join("\n")
    );
    assert_eq!((same, not_encodable), (24, 0));
}

#[test]
fn three_violations_have_the_same_paths_from_json_and_cbor() {
    let mut post = jsonl("cases/real-records.jsonl")[0]["value"].clone();
    post["text"] = Value::String("x".repeat(301));
    post["langs"][1] = json!("not a language");
    post["createdAt"] = json!("yesterday");
    let json = post.to_string();
    let bytes = cbor::encode(&post).unwrap();
    let paths = |e: Error| match e {
        Error::Invalid(errors) => errors
            .paths()
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>(),
        other => panic!("{other}"),
    };
    let from_json = paths(Post::from_json(&json).unwrap_err());
    let from_cbor = paths(Post::from_cbor(&bytes).unwrap_err());
    assert_eq!(from_json.len(), 3, "{from_json:?}");
    let mut sorted = from_cbor.clone();
    sorted.sort();
    let mut expected = from_json.clone();
    expected.sort();
    assert_eq!(sorted, expected);
    assert_eq!(
        sorted,
        ["$.createdAt", "$.langs[1]", "$.text"].map(String::from)
    );
}

#[test]
fn a_real_post_keeps_its_cid_through_decode_and_encode() {
    let post = &jsonl("cases/real-records.jsonl")[0]["value"];
    let bytes = cbor::encode(post).unwrap();
    let typed = Post::from_cbor(&bytes).unwrap();
    assert_eq!(typed.to_cbor().unwrap(), bytes);
    assert_eq!(typed.cid().unwrap(), cbor::cid_of(&bytes));
    assert_eq!(typed, Post::from_json(&post.to_string()).unwrap());
}

/// Data-model values: no floats; bytes and links in their JSON forms.
fn arb_data_model() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-(1i64 << 53) + 1..(1i64 << 53)).prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
        Just(json!({"$bytes": "aGVsbG8"})),
        Just(json!({"$link": "bafyreiclp443lavogvhj3d2ob2cxbfuscni2k5jk7bebjzg7khl3esabwq"})),
        Just(json!("2024-01-01T00:00:00.000Z")),
        Just(json!("did:plc:ewvi7nxzyoun6zhxrhs64oiz")),
    ];
    leaf.prop_recursive(4, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(("[a-zA-Z]{1,8}", inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// The round-trip properties for one value of `T` (whatever its validity).
fn round_trip<T>(json: &Value) -> Result<(), TestCaseError>
where
    T: DagCbor + ShapeOwned + Serialize + Validate + PartialEq + Debug,
{
    let Ok(value) = lexicon_runtime::json::parse::<T>(&json.to_string()) else {
        return Ok(());
    };
    let value = value.into_unchecked();
    let bytes = match value.to_cbor() {
        Ok(bytes) => bytes,
        Err(e) => {
            prop_assert!(value.validate().is_err(), "valid but not encodable: {e}");
            return Ok(());
        }
    };
    let back: T = cbor::parse(&bytes)
        .expect("our encoding decodes")
        .into_unchecked();
    prop_assert_eq!(&back, &value);
    let text = cbor::cbor_to_json(&bytes).unwrap();
    prop_assert_eq!(cbor::json_to_cbor(&text).unwrap(), bytes.clone());
    prop_assert_eq!(
        outcome(&T::from_cbor(&bytes).map(drop)),
        outcome(&value.validate().map_err(Error::Invalid))
    );
    Ok(())
}

fn valid_records() -> Vec<(String, Value)> {
    jsonl("cases/real-records.jsonl")
        .into_iter()
        .filter(|c| c["note"].as_str().unwrap().starts_with("valid"))
        .map(|c| (c["nsid"].as_str().unwrap().to_owned(), c["value"].clone()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn mutated_records_round_trip_through_cbor(
        which in 0usize..64,
        path in prop::collection::vec(0usize..16, 1..5),
        new in arb_data_model(),
        delete in any::<bool>(),
    ) {
        let records = valid_records();
        let (nsid, mut value) = records[which % records.len()].clone();
        mutate(&mut value, &path, new, delete);
        match nsid.as_str() {
            "app.bsky.feed.post" => round_trip::<Post>(&value)?,
            "app.bsky.feed.like" => round_trip::<Like>(&value)?,
            "app.bsky.graph.follow" => round_trip::<Follow>(&value)?,
            "app.bsky.actor.profile" => round_trip::<Profile>(&value)?,
            _ => {}
        }
    }

    #[test]
    fn mutated_record_bytes_never_panic(
        which in 0usize..64,
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        cut in any::<bool>(),
    ) {
        let records = valid_records();
        let (nsid, value) = &records[which % records.len()];
        let mut bytes = cbor::encode(value).unwrap();
        let i = at.index(bytes.len());
        if cut { bytes.truncate(i) } else { bytes[i] = byte }
        let _ = KnownRecord::from_cbor(nsid, &bytes);
    }
}

#[test]
fn unknown_union_members_and_undeclared_properties_survive_cbor() {
    use atproto_lexicons::app::bsky::feed::post::PostEmbed;
    let mut post = jsonl("cases/real-records.jsonl")[0]["value"].clone();
    post["embed"] = json!({
        "$type": "com.example.embed",
        "data": {"$bytes": "aGVsbG8"},
        "target": {"$link": "bafyreiclp443lavogvhj3d2ob2cxbfuscni2k5jk7bebjzg7khl3esabwq"},
        "n": [1, -2, null, true],
    });
    post["com.example.note"] = json!({"a": {"$bytes": "AAEC"}});
    let bytes = cbor::encode(&post).unwrap();
    let typed = Post::from_cbor(&bytes).expect("an open union keeps other members");
    assert!(
        matches!(typed.embed, Some(PostEmbed::Unknown(_))),
        "{:?}",
        typed.embed
    );
    assert_eq!(
        typed.extra["com.example.note"],
        json!({"a": {"$bytes": "AAEC"}})
    );
    assert_eq!(typed.to_cbor().unwrap(), bytes);
    assert_eq!(typed, Post::from_json(&post.to_string()).unwrap());
}
