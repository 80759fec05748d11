//! The run-time validator (`lexicon_schema::Validator`, the corpus loaded from its folder) and
//! the corpus bindings agree on the corpus case sets: verdicts and violation lists, strict and
//! lenient.

#[path = "../../conformance/tests/differential/mod.rs"]
mod differential;

use atproto_lexicons::KnownRecord;
use differential::{assert_identical, Generated};
use lexicon_runtime::Mode;
use proptest::prelude::*;
use serde_json::{json, Value};

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

/// The corpus, loaded once for the property test.
fn corpus() -> &'static lexicon_schema::Validator {
    static CORPUS: std::sync::OnceLock<lexicon_schema::Validator> = std::sync::OnceLock::new();
    CORPUS.get_or_init(|| {
        let dir = lexicon_test_support::data_path("corpus/atproto");
        lexicon_schema::Validator::from_dirs([dir]).expect("the corpus loads")
    })
}

fn replacement() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<i64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
        Just(json!({"$bytes": "AA"})),
        Just(json!([1, "a", {}])),
        Just(json!({"$type": "app.bsky.embed.images"})),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    /// Real records with a value replaced or a property removed anywhere: both give the same
    /// verdict and the same violations, strict and lenient.
    #[test]
    fn mutated_real_records_get_identical_reports(
        which in 0usize..64,
        path in prop::collection::vec(0usize..16, 1..6),
        new in replacement(),
        delete in any::<bool>(),
        lenient in any::<bool>(),
    ) {
        let records = lexicon_test_support::real_records();
        let (collection, mut value) = records[which % records.len()].clone();
        lexicon_test_support::mutate(&mut value, &path, new, delete);
        let mode = if lenient { Mode::Lenient } else { Mode::Strict };
        let json = value.to_string();
        let generated = KnownRecord::from_json_with(mode, &collection, &json).map(drop);
        let runtime = corpus().clone().with_mode(mode).validate_record_of(&collection, &value);
        prop_assert_eq!(differential::outcome(&generated), differential::outcome(&runtime));
    }
}
