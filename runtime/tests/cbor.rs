//! DAG-CBOR decoding and encoding of the data model (`--features dag-cbor`): each kind of bad
//! input gets a clear error (never a panic, never an allocation of a claimed length), arbitrary
//! bytes never panic, and arbitrary data-model values round-trip byte for byte.

use lexicon_runtime::cbor::{self, DagCbor};
use lexicon_runtime::CborError;
use proptest::prelude::*;
use serde_json::{json, Map, Value};

fn refused(bytes: &[u8]) -> CborError {
    match cbor::decode(bytes) {
        Ok(v) => panic!("accepted {bytes:02x?} as {v}"),
        Err(e) => e,
    }
}

fn assert_refused(bytes: &[u8], expected: &str) {
    let e = refused(bytes);
    assert!(
        e.message().contains(expected),
        "{bytes:02x?}: {e} (expected {expected:?})"
    );
    assert!(e.offset().is_some(), "{e} names a byte offset");
}

/// `{"a": <item>}` around the CBOR of one item.
fn in_map(item: &[u8]) -> Vec<u8> {
    let mut bytes = vec![0xa1, 0x61, b'a'];
    bytes.extend_from_slice(item);
    bytes
}

#[test]
fn truncated_input_is_refused_at_every_length() {
    let full = cbor::json_to_cbor(
        r#"{"text": "hello", "n": 70000, "l": {"$link": "bafyreiclp443lavogvhj3d2ob2cxbfuscni2k5jk7bebjzg7khl3esabwq"}, "b": {"$bytes": "aGVsbG8"}, "a": [1, -2, null, true]}"#,
    )
    .unwrap();
    assert!(cbor::decode(&full).is_ok());
    for len in 0..full.len() {
        let e = refused(&full[..len]);
        assert!(!e.message().is_empty());
    }
}

#[test]
fn indefinite_length_items_are_refused() {
    assert_refused(&[0xbf, 0x61, b'a', 0x01, 0xff], "indefinite-length");
    assert_refused(&in_map(&[0x9f, 0x01, 0xff]), "indefinite-length");
    assert_refused(&in_map(&[0x7f, 0x61, b'x', 0xff]), "indefinite-length");
    assert_refused(&in_map(&[0x5f, 0x41, 0x00, 0xff]), "indefinite-length");
    assert_refused(&in_map(&[0xff]), "break");
}

#[test]
fn non_canonical_encodings_are_refused() {
    // Keys: "b" before "a"; "aa" before "b" (length first).
    assert_refused(
        &[0xa2, 0x61, b'b', 0x01, 0x61, b'a', 0x02],
        "canonical order",
    );
    assert_refused(
        &[0xa2, 0x62, b'a', b'a', 0x01, 0x61, b'b', 0x02],
        "canonical order",
    );
    assert!(cbor::decode(&[0xa2, 0x61, b'b', 0x01, 0x62, b'a', b'a', 0x02]).is_ok());
    // 1 written in one extra byte; 255 in two; a length of 1 in two bytes.
    assert_refused(&in_map(&[0x18, 0x01]), "shortest form");
    assert_refused(&in_map(&[0x19, 0x00, 0xff]), "shortest form");
    assert_refused(&in_map(&[0x59, 0x00, 0x01, 0x00]), "shortest form");
}

#[test]
fn duplicate_keys_and_non_string_keys_are_refused() {
    assert_refused(
        &[0xa2, 0x61, b'a', 0x01, 0x61, b'a', 0x02],
        "duplicate map key",
    );
    assert_refused(&[0xa1, 0x01, 0x02], "text strings");
    assert_refused(&[0xa1, 0x41, b'a', 0x02], "text strings");
}

#[test]
fn floats_undefined_and_simple_values_are_refused() {
    assert_refused(&in_map(&[0xf9, 0x3c, 0x00]), "floats");
    assert_refused(&in_map(&[0xfa, 0x3f, 0x80, 0x00, 0x00]), "floats");
    assert_refused(&in_map(&[0xfb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0]), "floats");
    assert_refused(&in_map(&[0xf7]), "undefined");
    assert_refused(&in_map(&[0xf0]), "simple value");
    assert_refused(&in_map(&[0xf8, 0x20]), "simple value");
}

#[test]
fn tags_other_than_42_and_bad_links_are_refused() {
    assert_refused(&in_map(&[0xc1, 0x01]), "tag 1");
    assert_refused(&in_map(&[0xd8, 0x2b, 0x41, 0x00]), "tag 43");
    assert_refused(&in_map(&[0xd8, 0x2a, 0x01]), "byte string");
    assert_refused(&in_map(&[0xd8, 0x2a, 0x42, 0x01, 0x02]), "binary CID");
    // A valid CID with a byte too many.
    let mut link = cbor::json_to_cbor(
        r#"{"a": {"$link": "bafyreiclp443lavogvhj3d2ob2cxbfuscni2k5jk7bebjzg7khl3esabwq"}}"#,
    )
    .unwrap();
    assert_eq!(link[5..7], [0x58, 0x25]);
    link[6] += 1;
    link.push(0);
    assert_refused(&link, "binary CID");
    // The same CID with its version written as an over-long varint (0x81 0x00 for 1).
    let mut long = vec![0xd8, 0x2a, 0x58, 0x26, 0x00, 0x81, 0x00, 0x71, 0x12, 0x20];
    long.extend_from_slice(&[7; 32]);
    assert_refused(&in_map(&long), "binary CID");
}

#[test]
fn reserved_keys_and_bad_types_are_refused() {
    assert_refused(
        &[0xa1, 0x65, b'$', b'l', b'i', b'n', b'k', 0x01],
        "reserved",
    );
    assert_refused(&[0xa1, 0x65, b'$', b't', b'y', b'p', b'e', 0x01], "`$type`");
    assert_refused(&[0xa1, 0x65, b'$', b't', b'y', b'p', b'e', 0x60], "empty");
    let blob_without_ref = cbor::encode(&json!({"b": {"$type": "x"}})).unwrap();
    let patched: Vec<u8> = blob_without_ref
        .iter()
        .map(|b| if *b == b'x' { b'y' } else { *b })
        .collect();
    assert!(cbor::decode(&patched).is_ok());
    let e = cbor::json_to_cbor(r#"{"b": {"$type": "blob", "mimeType": "a/b", "size": 1}}"#)
        .unwrap_err();
    assert!(e.to_string().contains("needs `ref`"), "{e}");
}

#[test]
fn top_level_must_be_one_map_with_nothing_after_it() {
    assert_refused(&[0x01], "top level");
    assert_refused(&[0x81, 0x01], "top level");
    assert_refused(&[0xa0, 0x00], "after the end");
    assert!(refused(&[]).message().contains("truncated"));
    assert_refused(&[0xa1, 0x61, b'a', 0x62, 0xff, 0xfe], "UTF-8");
    assert_refused(
        &[0xa1, 0x61, b'a', 0x3b, 0x80, 0, 0, 0, 0, 0, 0, 0],
        "below -2^63",
    );
}

#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    let depth = 100_000;
    let mut bytes = in_map(&[]);
    bytes.extend(std::iter::repeat_n(0x81, depth));
    bytes.push(0x01);
    assert_refused(&bytes, "nested deeper than 128");
    // 127 arrays inside the top-level map is the most that passes.
    let mut ok = in_map(&[]);
    ok.extend(std::iter::repeat_n(0x81, cbor::MAX_DEPTH - 1));
    ok.push(0x01);
    assert!(cbor::decode(&ok).is_ok());
    let mut value = json!(1);
    for _ in 0..200 {
        value = json!([value]);
    }
    let e = cbor::encode(&json!({ "a": value })).unwrap_err();
    assert!(e.message().contains("nested deeper"), "{e}");
}

#[test]
fn huge_length_prefixes_fail_before_allocating() {
    let eight = [0xff; 8];
    for major in [0x5b, 0x7b, 0x9b, 0xbb] {
        let mut item = vec![major];
        item.extend_from_slice(&eight);
        assert_refused(&in_map(&item), "truncated");
    }
    // A map claiming 2^32 entries, an array claiming 2^32 items: refused, not reserved.
    assert_refused(&[0xba, 0xff, 0xff, 0xff, 0xff, 0x61, b'a'], "truncated");
    assert_refused(&in_map(&[0x9a, 0xff, 0xff, 0xff, 0xff, 0x01]), "truncated");
}

/// Canonical CBOR of a map given as (key, encoded value) pairs, in the order given.
fn map_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut bytes = vec![0xa0 | entries.len() as u8];
    for (k, v) in entries {
        bytes.push(0x60 | k.len() as u8);
        bytes.extend_from_slice(k.as_bytes());
        bytes.extend_from_slice(v);
    }
    bytes
}

#[test]
fn a_late_type_is_handed_over_first_and_order_is_still_checked() {
    let x: &[u8] = &[0x61, b'x'];
    let bytes = map_of(&[("a", &[0x01]), ("$type", x), ("zzzzzz", &[0x02])]);
    let value = cbor::decode(&bytes).unwrap();
    let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["$type", "a", "zzzzzz"]);
    assert_eq!(cbor::encode(&value).unwrap(), bytes);
    let last = map_of(&[("a", &[0x01]), ("$type", x)]);
    assert_eq!(cbor::encode(&cbor::decode(&last).unwrap()).unwrap(), last);
    assert_refused(
        &map_of(&[("b", &[0x01]), ("a", &[0x02]), ("$type", x)]),
        "canonical order",
    );
    assert_refused(
        &map_of(&[("a", &[0x01]), ("$type", x), ("b", &[0x02])]),
        "canonical order",
    );
    assert_refused(
        &map_of(&[("a", &[0x01]), ("$type", x), ("$type", x)]),
        "duplicate map key",
    );
    assert_refused(&map_of(&[("a", &[0x01]), ("$type", &[0x01])]), "`$type`");
    // A blob: `ref` and `size` come before `$type`, `mimeType` after.
    let blob = cbor::json_to_cbor(
        r#"{"b": {"$type": "blob", "ref": {"$link": "bafkreiccldh766hwcnuxnf2wh6jgzepf2nlu2lvcllt63eww5p6chi4ity"}, "mimeType": "image/png", "size": 3}}"#,
    )
    .unwrap();
    assert_eq!(cbor::encode(&cbor::decode(&blob).unwrap()).unwrap(), blob);
}

#[test]
fn cid_of_matches_atproto_strings() {
    let bytes = cbor::json_to_cbor(r#"{"a": 1}"#).unwrap();
    let cid = cbor::cid_of(&bytes);
    assert!(cid.starts_with("bafyrei"), "{cid}");
    assert_eq!(json!({"a": 1}).cid().unwrap(), cid);
    assert!(lexicon_runtime::Cid::new(cid.as_str()).is_ok());
}

fn arb_data_model() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
        prop::collection::vec(any::<u8>(), 0..40).prop_map(|b| {
            let text = cbor::cbor_to_json(&{
                let mut m = vec![0xa1, 0x61, b'b'];
                if b.len() < 24 {
                    m.push(0x40 | b.len() as u8);
                } else {
                    m.extend_from_slice(&[0x58, b.len() as u8]);
                }
                m.extend_from_slice(&b);
                m
            })
            .unwrap();
            serde_json::from_str::<Value>(&text).unwrap()["b"].clone()
        }),
        Just(json!({"$link": "bafyreiclp443lavogvhj3d2ob2cxbfuscni2k5jk7bebjzg7khl3esabwq"})),
        Just(json!({"$link": "bafkreiccldh766hwcnuxnf2wh6jgzepf2nlu2lvcllt63eww5p6chi4ity"})),
    ];
    leaf.prop_recursive(5, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            (
                prop::collection::vec(("[a-z$]{0,6}|.{0,4}", inner), 0..5),
                prop::option::of("[a-z.]{1,12}"),
            )
                .prop_map(|(kv, type_id)| {
                    let mut map: Map<_, _> = kv
                        .into_iter()
                        .filter(|(k, _)| k != "$link" && k != "$bytes" && k != "$type")
                        .collect();
                    if let Some(t) = type_id.filter(|t| t != "blob") {
                        map.insert("$type".into(), Value::String(t));
                    }
                    Value::Object(map)
                }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn data_model_values_round_trip(value in arb_data_model()) {
        let value = json!({ "v": value });
        let bytes = cbor::encode(&value).expect("data-model values encode");
        let back = cbor::decode(&bytes).expect("our encoding decodes");
        prop_assert_eq!(&back, &value);
        let json = cbor::cbor_to_json(&bytes).unwrap();
        prop_assert_eq!(cbor::json_to_cbor(&json).unwrap(), bytes);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let _ = cbor::decode(&bytes);
    }

    #[test]
    fn mutated_encodings_never_panic_and_reencode_identically(
        value in arb_data_model(),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        cut in any::<bool>(),
    ) {
        let mut bytes = cbor::encode(&json!({ "v": value })).unwrap();
        let i = at.index(bytes.len());
        if cut { bytes.truncate(i) } else { bytes[i] = byte }
        // Whatever decodes is canonical: it encodes back to the same bytes.
        if let Ok(decoded) = cbor::decode(&bytes) {
            prop_assert_eq!(cbor::encode(&decoded).unwrap(), bytes);
        }
    }
}

#[test]
fn a_late_type_at_every_nesting_level_round_trips() {
    // 127 levels of {"a": ..., "$type": "x"}: each level's look-ahead for `$type` steps over at
    // most a fixed number of items (else over everything nested, making reading quadratic);
    // past that budget the level is read in input order.
    let mut bytes = Vec::new();
    for _ in 0..cbor::MAX_DEPTH - 1 {
        bytes.extend_from_slice(&[0xa2, 0x61, b'a']);
    }
    bytes.push(0x01);
    for _ in 0..cbor::MAX_DEPTH - 1 {
        bytes.extend_from_slice(&[0x65, b'$', b't', b'y', b'p', b'e', 0x61, b'x']);
    }
    let value = cbor::decode(&bytes).unwrap();
    assert_eq!(cbor::encode(&value).unwrap(), bytes);
}
