//! The atproto interop suite's crypto vectors (`tests/data/interop/crypto`): signatures
//! (valid, high-S, DER) and did:key encodings of K-256 and P-256 keys.

use base64::Engine as _;
use lexicon_identity::{PublicKey, SignatureRules};
use lexicon_test_support::data_path;
use serde_json::Value;

fn fixtures(name: &str) -> Vec<Value> {
    let path = data_path(&format!("interop/crypto/{name}"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn b64(text: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(text.trim_end_matches('='))
        .unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[test]
fn signature_fixtures() {
    let cases = fixtures("signature-fixtures.json");
    assert_eq!(cases.len(), 6);
    for case in cases {
        let comment = case["comment"].as_str().unwrap();
        let message = b64(case["messageBase64"].as_str().unwrap());
        let signature = b64(case["signatureBase64"].as_str().unwrap());
        let from_did = PublicKey::from_did_key(case["publicKeyDid"].as_str().unwrap())
            .unwrap_or_else(|e| panic!("{comment}: {e}"));
        let from_method = PublicKey::from_verification_method(
            case["didDocSuite"].as_str().unwrap(),
            case["publicKeyMultibase"].as_str().unwrap(),
        )
        .unwrap_or_else(|e| panic!("{comment}: {e}"));
        assert_eq!(from_did, from_method, "{comment}");
        assert_eq!(
            from_did.jwt_alg(),
            case["algorithm"].as_str().unwrap(),
            "{comment}"
        );
        let verdict = from_did
            .verify(&message, &signature, SignatureRules::Strict)
            .unwrap_or(false);
        assert_eq!(
            verdict,
            case["validSignature"].as_bool().unwrap(),
            "{comment}"
        );
        let tags: Vec<&str> = case["tags"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        if tags.contains(&"high-s") {
            // The same signature is accepted where malleable signatures are (JWTs).
            assert_eq!(
                from_did.verify(&message, &signature, SignatureRules::AllowMalleable),
                Ok(true),
                "{comment}"
            );
        }
        if tags.contains(&"der-encoded") {
            assert!(
                from_did
                    .verify(&message, &signature, SignatureRules::AllowMalleable)
                    .is_err(),
                "{comment}"
            );
        }
        // A changed message never verifies.
        let mut other = message.clone();
        other[0] ^= 1;
        assert!(
            !from_did
                .verify(&other, &signature, SignatureRules::AllowMalleable)
                .unwrap_or(false),
            "{comment}"
        );
    }
}

#[test]
fn did_key_k256() {
    for case in fixtures("w3c_didkey_K256.json") {
        let secret = hex(case["privateKeyBytesHex"].as_str().unwrap());
        let signing = k256::ecdsa::SigningKey::from_slice(&secret).unwrap();
        let key = PublicKey::K256(*signing.verifying_key());
        let did = case["publicDidKey"].as_str().unwrap();
        assert_eq!(key.to_did_key(), did);
        assert_eq!(PublicKey::from_did_key(did).unwrap(), key);
    }
}

#[test]
fn did_key_p256() {
    for case in fixtures("w3c_didkey_P256.json") {
        let secret = bs58::decode(case["privateKeyBytesBase58"].as_str().unwrap())
            .into_vec()
            .unwrap();
        let signing = p256::ecdsa::SigningKey::from_slice(&secret).unwrap();
        let key = PublicKey::P256(*signing.verifying_key());
        let did = case["publicDidKey"].as_str().unwrap();
        assert_eq!(key.to_did_key(), did);
        assert_eq!(PublicKey::from_did_key(did).unwrap(), key);
    }
}

#[test]
fn malformed_keys_are_errors() {
    for bad in [
        "did:key:",
        "did:key:abc",
        "did:web:example.com",
        "did:key:z111",
        "did:key:zQ3sh",
    ] {
        assert!(PublicKey::from_did_key(bad).is_err(), "{bad}");
    }
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}
