//! Lexicons the document schema refuses but the reference tooling builds, loaded with warnings
//! (`tests/data/lexicons/tolerated`): a record without `key` (taken as `any`) and a named
//! `union` def used by refs. Their record cases (`tests/data/reflex/tolerated.jsonl`) agree with
//! the strict reference's verdicts (`@atproto/lex`, whose schema builder builds both), and the
//! named union is one Rust type wherever it is used.

mod common;

use lexicon_conformance::tolerated as t;

fn bindings() -> common::Bindings {
    common::Bindings {
        record: |c, j| t::KnownRecord::from_json(c, j).map(drop),
        rkey: t::validate_record_key,
        def: t::validate_json,
    }
}

#[test]
fn tolerated_lexicon_cases_agree_with_strict_reference() {
    let cases = common::jsonl("reflex/tolerated.jsonl");
    let expected = common::jsonl("reflex/expected/tolerated.jsonl");
    assert_eq!(cases.len(), 7);
    let bad = common::disagreements(&bindings(), &cases, &expected);
    assert!(
        bad.is_empty(),
        "{} disagreements:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn a_keyless_record_takes_any_key_and_a_named_union_is_one_type() {
    use t::com::example::tolerated::{blocks, keyless};
    assert_eq!(keyless::Keyless::KEY, "any");
    keyless::Keyless::validate_key("anything-goes").unwrap();

    let record = blocks::Blocks::from_json(
        r#"{"$type":"com.example.tolerated.blocks","body":{"$type":"com.example.tolerated.blocks#text","text":"hi"},
            "more":[{"$type":"com.example.tolerated.blocks#image","alt":"a cat"}]}"#,
    )
    .unwrap();
    // `body` and the items of `more` are the same type: the named union `Block`.
    let all: Vec<&blocks::Block> = std::iter::once(&record.body)
        .chain(record.more.iter().flatten())
        .collect();
    assert!(matches!(all[0], blocks::Block::Text(t) if t.text == "hi"));
    assert!(matches!(all[1], blocks::Block::Image(i) if i.alt == "a cat"));
}
