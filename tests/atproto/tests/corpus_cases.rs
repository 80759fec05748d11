//! Generated cases over the whole corpus (`tests/data/cases/corpus.jsonl`: for every record type
//! and object def, valid values and one mutation per constraint, made by
//! `tests/casegen/casegen.py`) through the corpus bindings, compared with the strict reference's
//! verdicts (`tests/data/cases/expected/corpus.jsonl`, from `reflex`).

use lexicon_test_support::jsonl;
use serde_json::Value;

fn run(case: &Value) -> Result<(), lexicon_runtime::Error> {
    let nsid = case["nsid"].as_str().unwrap();
    let json = case["value"].to_string();
    if nsid.contains('#') {
        return atproto_lexicons::validate_json(nsid, &json);
    }
    let record = match atproto_lexicons::KnownRecord::from_json(nsid, &json) {
        Err(lexicon_runtime::Error::UnknownCollection(_)) => {
            return atproto_lexicons::validate_json(nsid, &json)
        }
        other => other.map(drop),
    };
    if let Some(rkey) = case.get("rkey").and_then(Value::as_str) {
        atproto_lexicons::validate_record_key(nsid, rkey)?;
    }
    record
}

/// Runs a case set; returns the disagreements and the record collections it covered.
fn check(set: &str) -> (Vec<String>, std::collections::BTreeSet<String>) {
    let cases = jsonl(&format!("cases/{set}.jsonl"));
    let expected = jsonl(&format!("cases/expected/{set}.jsonl"));
    assert_eq!(cases.len(), expected.len());
    let mut bad = Vec::new();
    let mut records = std::collections::BTreeSet::new();
    for (i, (case, verdict)) in cases.iter().zip(&expected).enumerate() {
        // The strict verdict, or the project's (Part A) where the case says it differs, and why.
        let strict = match case.get("partA") {
            Some(part_a) => part_a["valid"].as_bool().unwrap(),
            None => verdict["valid"].as_bool().unwrap(),
        };
        let ours = run(case);
        if let (Err(e), false, None) = (&ours, strict, case.get("partA")) {
            if let Some(why) = lexicon_test_support::path_disagreement(case, verdict, &e.paths()) {
                bad.push(format!("case {} {why}", i + 1));
            }
        }
        if case.get("rkey").is_some() {
            records.insert(case["nsid"].as_str().unwrap().to_owned());
        }
        if ours.is_ok() != strict {
            let why = ours
                .err()
                .map(|e| e.to_string())
                .unwrap_or_else(|| "we accept".into());
            bad.push(format!(
                "case {} {} ({}): strict valid={strict} ({}); ours: {why}",
                i + 1,
                case["nsid"],
                case["note"],
                verdict["error"]
            ));
        }
    }
    (bad, records)
}

#[test]
fn generated_corpus_cases_agree_with_strict_reference() {
    let (bad, records) = check("corpus");
    let record_types = atproto_lexicons::KnownRecord::COLLECTIONS;
    assert_eq!(
        records.len(),
        record_types.len(),
        "every record type of the corpus is covered"
    );
    assert!(
        bad.is_empty(),
        "{} disagree:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn real_records_agree_with_strict_reference() {
    let (bad, records) = check("real-records");
    for c in [
        "app.bsky.feed.post",
        "app.bsky.feed.like",
        "app.bsky.graph.follow",
        "app.bsky.actor.profile",
        "app.bsky.graph.listitem",
    ] {
        assert!(records.contains(c), "{c} covered");
    }
    assert!(
        bad.is_empty(),
        "{} disagree:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn a_real_post_parses_into_typed_fields_and_round_trips() {
    use atproto_lexicons::app::bsky::feed::post::{Post, PostEmbed};
    let case = &jsonl("cases/real-records.jsonl")[0];
    let post = Post::from_json(&case["value"].to_string()).expect("valid post");
    assert_eq!(post.langs.as_ref().map(Vec::len), Some(2));
    let Some(PostEmbed::Images(images)) = &post.embed else {
        panic!("image embed")
    };
    assert_eq!(images.images[0].image.mime_type(), "image/jpeg");
    assert_eq!(post.facets.as_ref().unwrap().len(), 3);
    let out: Value = serde_json::from_str(&post.to_json()).unwrap();
    assert_eq!(out, case["value"]);
}

#[test]
fn union_members_parse_whether_type_comes_first_or_last() {
    use atproto_lexicons::app::bsky::feed::post::Post;
    let case = &jsonl("cases/real-records.jsonl")[0];
    let first = case["value"].to_string();
    let embed = case["value"]["embed"].to_string();
    let moved = embed
        .replacen("\"$type\":\"app.bsky.embed.images\",", "", 1)
        .replacen('{', "", 1);
    let last = format!(
        "{{{},\"$type\":\"app.bsky.embed.images\"}}",
        &moved[..moved.len() - 1]
    );
    let json = first.replacen(&embed, &last, 1);
    assert_ne!(json, first);
    assert_eq!(
        Post::from_json(&json).unwrap(),
        Post::from_json(&first).unwrap()
    );
    let unlisted = first.replacen(
        "\"$type\":\"app.bsky.embed.images\"",
        "\"$type\":\"com.example.embed\"",
        1,
    );
    let post = Post::from_json(&unlisted).expect("open union keeps other members");
    let out: Value = serde_json::from_str(&post.to_json()).unwrap();
    assert_eq!(out["embed"]["$type"], "com.example.embed");
    assert_eq!(out["embed"]["images"], case["value"]["embed"]["images"]);
}

#[test]
fn members_convert_into_their_unions_and_records_into_known_record() {
    use atproto_lexicons::app::bsky::embed::images::Images;
    use atproto_lexicons::app::bsky::feed::post::{Post, PostEmbed};
    use lexicon_runtime::Validate;
    let case = &jsonl("cases/real-records.jsonl")[0];
    let mut post = Post::from_json(&case["value"].to_string()).expect("valid post");
    let Some(PostEmbed::Images(images)) = post.embed.take() else {
        panic!("image embed")
    };
    let images: Images = *images;
    post.embed = Some(images.into());
    assert!(matches!(post.embed, Some(PostEmbed::Images(_))));
    assert!(post.validate().is_ok());
    let again: Value = serde_json::from_str(&post.to_json()).unwrap();
    assert_eq!(again, case["value"], "the same record again");
    let record = atproto_lexicons::KnownRecord::from(post);
    assert_eq!(record.collection(), "app.bsky.feed.post");
    // A typed record as the `unknown` record of `com.atproto.repo.createRecord`'s input.
    let unknown = lexicon_runtime::Unknown::from_typed(&record_value(&record)).unwrap();
    assert_eq!(unknown.as_value()["$type"], "app.bsky.feed.post");
}

fn record_value(record: &atproto_lexicons::KnownRecord) -> Value {
    serde_json::from_str(&record.to_json()).unwrap()
}
