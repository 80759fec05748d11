//! The run-time validator (`lexicon_schema::Validator`, the corpus loaded from its folder) and
//! the corpus bindings agree on the corpus case sets: verdicts and violation lists, strict and
//! lenient.

#[path = "../../conformance/tests/differential/mod.rs"]
mod differential;

use differential::{assert_identical, Generated};

#[test]
fn corpus_case_sets() {
    let generated = Generated {
        record: |m, c, j| atproto_lexicons::KnownRecord::from_json_with(m, c, j).map(drop),
        rkey: atproto_lexicons::validate_record_key,
        def: atproto_lexicons::validate_json_with,
    };
    assert_identical(
        &generated,
        "corpus/atproto",
        &["cases/corpus.jsonl", "cases/real-records.jsonl"],
    );
}
