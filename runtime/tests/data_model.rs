//! The atproto interop data-model files through the DAG-CBOR conversion (`--features dag-cbor`):
//! every fixture's JSON encodes to exactly its `cbor_base64`, hashes to its `cid` and decodes back;
//! every entry of `data-model-invalid.json` is refused with a message; every entry of
//! `data-model-valid.json` converts and round-trips.
//!
//! Data: `tests/data/interop/data-model/` (bluesky-social/atproto-interop-tests, CC0).

use base64::Engine;
use lexicon_runtime::cbor;
use serde_json::Value;

fn entries(file: &str) -> Vec<Value> {
    let path = lexicon_test_support::data_path(&format!("interop/data-model/{file}"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("interop file is a JSON array")
}

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD_NO_PAD;

#[test]
fn fixtures_encode_byte_for_byte_and_hash_to_their_cid() {
    let fixtures = entries("data-model-fixtures.json");
    assert_eq!(fixtures.len(), 3);
    for f in &fixtures {
        let json = f["json"].to_string();
        let expected = B64
            .decode(f["cbor_base64"].as_str().unwrap())
            .expect("fixture base64");
        let bytes = cbor::json_to_cbor(&json).unwrap_or_else(|e| panic!("{json}: {e}"));
        assert_eq!(
            B64.encode(&bytes),
            f["cbor_base64"].as_str().unwrap(),
            "{json}"
        );
        assert_eq!(bytes, expected);
        assert_eq!(cbor::cid_of(&bytes).as_str(), f["cid"].as_str().unwrap());
        let back = cbor::decode(&expected).unwrap_or_else(|e| panic!("{json}: {e}"));
        assert_eq!(back, f["json"], "decodes back to the fixture's JSON");
        assert_eq!(cbor::encode(&back).unwrap(), expected, "and encodes again");
    }
}

#[test]
fn invalid_entries_are_refused_with_a_message() {
    let invalid = entries("data-model-invalid.json");
    assert_eq!(invalid.len(), 12);
    for case in &invalid {
        let note = case["note"].as_str().unwrap();
        let err = cbor::json_to_cbor(&case["json"].to_string())
            .err()
            .unwrap_or_else(|| panic!("{note}: accepted"));
        let message = err.to_string();
        assert!(message.starts_with('$'), "{note}: {message} names a path");
        println!("{note}: {message}");
    }
}

#[test]
fn valid_entries_convert_and_round_trip() {
    let valid = entries("data-model-valid.json");
    assert_eq!(valid.len(), 5);
    for case in &valid {
        let note = case["note"].as_str().unwrap();
        let bytes =
            cbor::json_to_cbor(&case["json"].to_string()).unwrap_or_else(|e| panic!("{note}: {e}"));
        let json = cbor::cbor_to_json(&bytes).unwrap_or_else(|e| panic!("{note}: {e}"));
        assert_eq!(cbor::json_to_cbor(&json).unwrap(), bytes, "{note}");
    }
}
