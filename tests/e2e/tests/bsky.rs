//! The PDS validates `app.bsky.*` records itself when they are written. For every post, profile,
//! like and follow case of `tests/data/cases/corpus.jsonl` (valid values and one mutation per
//! constraint), the PDS's verdict on the write must be ours: the generated bindings'
//! `KnownRecord::from_json` plus the record-key check.
//!
//! Two things the PDS does on a write besides validating are done here too: a record without
//! `$type` gets its collection as `$type` (`@atproto/pds` `repo/prepare.js`; our typed writes
//! always set it), and a blob reference must name a blob uploaded to the repository with the
//! size it states, so each case's blob `ref` is pointed at an upload of that size (a PNG padded
//! with zeros), made once per size.

mod common;

use common::logged_in;
use lexicon_runtime::xrpc::NoParams;
use lexicon_runtime::Error;
use lexicon_test_support::deadline::Deadline;
use lexicon_test_support::jsonl;
use lexicon_xrpc::Error as CallError;
use serde_json::{json, Value};

// `com.atproto.repo.putRecord` with raw JSON, to send records our bindings refuse: a method type
// defined outside generated code serves the same generic call.
lexicon_test_support::raw_json_procedure!(RawPutRecord, "com.atproto.repo.putRecord");

const COLLECTIONS: [&str; 4] = [
    "app.bsky.feed.post",
    "app.bsky.actor.profile",
    "app.bsky.feed.like",
    "app.bsky.graph.follow",
];

/// Our verdict on writing `value` to `collection` under `rkey`, with the `$type` the PDS
/// gives a record that has none.
fn ours(collection: &str, rkey: &str, value: &Value) -> Result<(), Error> {
    let mut value = value.clone();
    if let Some(record) = value.as_object_mut() {
        record.entry("$type").or_insert_with(|| collection.into());
    }
    atproto_lexicons::KnownRecord::from_json(collection, &value.to_string())?;
    atproto_lexicons::validate_record_key(collection, rkey)
}

/// The blobs of `value` (`$type: blob`) as their `ref.$link` slots and stated sizes.
fn blobs<'a>(value: &'a mut Value, out: &mut Vec<(&'a mut Value, u64)>) {
    match value {
        Value::Object(object) => {
            let is_blob = object.get("$type").and_then(Value::as_str) == Some("blob");
            let size = object.get("size").and_then(Value::as_u64);
            for (key, v) in object.iter_mut() {
                match (is_blob, key.as_str(), size) {
                    (true, "ref", Some(size)) => {
                        if let Some(link) = v.get_mut("$link") {
                            out.push((link, size));
                        }
                    }
                    _ => blobs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| blobs(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn the_pds_verdicts_on_post_profile_like_and_follow_writes_are_ours() {
    let _deadline = Deadline::start();
    let (client, account) = logged_in("bsky").await;
    let png = include_bytes!("../../data/e2e/avatar.png");
    let mut uploads = std::collections::BTreeMap::<u64, String>::new();
    let cases = jsonl("cases/corpus.jsonl");
    let mut disagreements = Vec::new();
    let mut counts = std::collections::BTreeMap::<&str, (usize, usize)>::new();
    for (i, case) in cases.iter().enumerate() {
        let collection = case["nsid"].as_str().unwrap();
        let Some(collection) = COLLECTIONS.iter().copied().find(|c| *c == collection) else {
            continue;
        };
        let rkey = case["rkey"].as_str().unwrap();
        let mut value = case["value"].clone();
        let mut slots = Vec::new();
        blobs(&mut value, &mut slots);
        for (link, size) in slots {
            if !(png.len() as u64..=1_000_000).contains(&size) {
                continue; // no upload can match: the size itself is the case's mutation
            }
            if let std::collections::btree_map::Entry::Vacant(slot) = uploads.entry(size) {
                let mut bytes = png.to_vec();
                bytes.resize(size as usize, 0);
                let blob = client.upload_blob(bytes, "image/png").await.unwrap();
                slot.insert(blob.link().to_string());
            }
            *link = uploads[&size].clone().into();
        }
        let input = json!({
            "repo": account.did,
            "collection": collection,
            "rkey": rkey,
            "validate": true,
            "record": value,
        });
        let theirs = match client.call::<RawPutRecord>(&NoParams, &input).await {
            Ok(_) => Ok(()),
            // 400 is the validator's refusal; the PDS answers 500 where its own encoder
            // fails (an integer beyond 2^53): the write is refused all the same.
            Err(CallError::Xrpc {
                status: status @ (400 | 500),
                error,
                message,
                ..
            }) => Err(format!("{status} {error}: {}", message.unwrap_or_default())),
            Err(other) => panic!("case {} ({}): the PDS failed: {other}", i + 1, case["note"]),
        };
        let ours = ours(collection, rkey, &value);
        let count = counts.entry(collection).or_default();
        count.0 += 1;
        count.1 += usize::from(theirs.is_ok());
        if ours.is_ok() != theirs.is_ok() {
            disagreements.push(format!(
                "case {} {collection} rkey {rkey} ({}): PDS {theirs:?}, ours {:?}",
                i + 1,
                case["note"],
                ours.map_err(|e| e.to_string())
            ));
        }
    }
    eprintln!(
        "cases (sent, accepted by the PDS): {counts:?}; requests: {}",
        client.requests_sent()
    );
    for collection in COLLECTIONS {
        let (sent, accepted) = counts[collection];
        assert!(
            accepted > 0 && accepted < sent,
            "{collection}: both verdicts are exercised"
        );
    }
    assert!(
        disagreements.is_empty(),
        "{} of {} writes judged differently by the PDS:\n{}",
        disagreements.len(),
        counts.values().map(|c| c.0).sum::<usize>(),
        disagreements.join("\n")
    );
}
