//! Bad input never panics: arbitrary JSON and arbitrary mutations of real records go through
//! `KnownRecord::from_json` for every record type; values that parse also round-trip. Plus explicit
//! cases: nesting past the limit, a 10 MiB string, lone surrogates, duplicate keys.

use atproto_lexicons::KnownRecord;
use lexicon_runtime::Error;
use lexicon_test_support::{mutate, real_records};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,20}".prop_map(Value::String),
        prop_oneof![
            Just("blob"),
            Just("$link"),
            Just("$bytes"),
            Just("app.bsky.embed.images")
        ]
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        ".{0,8}",
                        Just("$type".to_owned()),
                        Just("text".to_owned()),
                        Just("createdAt".to_owned())
                    ],
                    inner
                ),
                0..6
            )
            .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn check_round_trip(collection: &str, json: &str) {
    if let Ok(record) = KnownRecord::from_json(collection, json) {
        let again = KnownRecord::from_json(collection, &record.to_json())
            .expect("a value that parsed re-parses");
        assert_eq!(again, record);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_json_never_panics(value in arb_json(), which in 0usize..64) {
        let collections = KnownRecord::COLLECTIONS;
        let collection = collections[which % collections.len()];
        let mut value = value;
        if which % 2 == 0 {
            if let Value::Object(map) = &mut value {
                map.insert("$type".into(), Value::String(collection.into()));
            }
        }
        check_round_trip(collection, &value.to_string());
    }

    #[test]
    fn mutated_real_records_never_panic(which in 0usize..64, path in prop::collection::vec(0usize..16, 1..6), new in arb_json(), delete in any::<bool>()) {
        let records = real_records();
        let (collection, mut value) = records[which % records.len()].clone();
        mutate(&mut value, &path, new, delete);
        check_round_trip(&collection, &value.to_string());
    }

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,200}") {
        let _ = KnownRecord::from_json("app.bsky.feed.post", &text);
    }
}

fn post() -> Value {
    real_records()
        .into_iter()
        .find(|(c, _)| c == "app.bsky.feed.post")
        .unwrap()
        .1
}

#[test]
fn nesting_past_the_limit_is_an_error_not_a_crash() {
    let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
    let mut value = post();
    value["deep"] = Value::Null;
    let json = value
        .to_string()
        .replace("\"deep\":null", &format!("\"deep\":{deep}"));
    match KnownRecord::from_json("app.bsky.feed.post", &json) {
        Err(Error::Parse { message, .. }) => {
            assert!(message.contains("recursion limit"), "{message}")
        }
        other => panic!("expected a parse error, got {other:?}"),
    }
    let mut ok = json!(1);
    for _ in 0..100 {
        ok = json!([ok]);
    }
    let mut value = post();
    value["deep"] = ok;
    assert!(
        KnownRecord::from_json("app.bsky.feed.post", &value.to_string()).is_ok(),
        "100 levels are fine"
    );
}

#[test]
fn a_ten_mib_string_is_checked_quickly() {
    let mut value = post();
    value["text"] = Value::String("a".repeat(10 << 20));
    let Err(Error::Invalid(errors)) =
        KnownRecord::from_json("app.bsky.feed.post", &value.to_string())
    else {
        panic!("a 10 MiB text is too long");
    };
    assert_eq!(
        errors.paths(),
        ["$.text", "$.text"],
        "too many bytes and too many graphemes"
    );
}

#[test]
fn lone_surrogates_and_duplicate_keys_are_refused() {
    let json = post().to_string();
    let surrogate = json.replacen("\"text\":\"", "\"text\":\"\\udc00", 1);
    assert!(matches!(
        KnownRecord::from_json("app.bsky.feed.post", &surrogate),
        Err(Error::Parse { .. })
    ));
    let dup = json.replacen("\"text\":", "\"text\":\"a\",\"text\":", 1);
    assert!(matches!(
        KnownRecord::from_json("app.bsky.feed.post", &dup),
        Err(Error::Parse { .. })
    ));
    let dup_extra = json.replacen("{", "{\"x\":1,\"x\":2,", 1);
    assert!(matches!(
        KnownRecord::from_json("app.bsky.feed.post", &dup_extra),
        Err(Error::Parse { .. })
    ));
}
