//! The runtime's public contract: errors that follow the Rust API guidelines, constructors that
//! refuse invalid states, and the compile-time contract check's message.

use std::error::Error as _;

use lexicon_runtime::{Blob, CidLink, Error, Path, Unknown, ValidationErrors, Violation};
use serde_json::json;

const RAW_CID: &str = "bafkreibme22gw2h7y2h7tg2fhqotaqjucnbc24deqo72b6mkl2egezxhvy";
const DAG_CBOR_CID: &str = "bafyreiclp443lavogvhj3d2ob2cxbfuscni2k5jk7bebjzg7khl3esabwq";

fn two_violations() -> ValidationErrors {
    let mut errors = ValidationErrors::new();
    let root = Path::ROOT;
    errors.push(
        &root.field("a"),
        Violation::IntegerTooSmall { min: 1, actual: 0 },
    );
    errors.push(
        &root.field("b"),
        Violation::TooManyItems { max: 1, actual: 2 },
    );
    errors
}

#[test]
fn display_is_one_line_and_alternate_lists_every_violation() {
    let errors = two_violations();
    assert_eq!(
        errors.to_string(),
        "$.a: integer too small: expected at least 1, got 0 (and 1 more violation)"
    );
    assert_eq!(
        format!("{errors:#}"),
        "2 violations:\n  $.a: integer too small: expected at least 1, got 0\n  $.b: array too long: expected at most 1 item, got 2"
    );
    let error = Error::from(errors);
    assert!(!error.to_string().contains('\n'));
    assert!(format!("{error:#}").contains("\n  $.b"));
    assert_eq!(error.violations().map(ValidationErrors::len), Some(2));
}

#[test]
fn the_violations_are_the_source_of_an_invalid_error() {
    // The message is complete on its own; `source()` gives the violations as a value, for
    // code that holds a `dyn Error`.
    let error = Error::from(two_violations());
    let source = error.source().expect("the violations");
    let violations = source
        .downcast_ref::<ValidationErrors>()
        .expect("as a value");
    assert_eq!(violations.paths(), ["$.a", "$.b"]);
    // A parse error wraps nothing.
    let parse = lexicon_runtime::json::from_json::<lexicon_runtime::Unknown>("[").unwrap_err();
    assert!(parse.source().is_none());
}

#[test]
fn cid_links_are_made_only_from_cids() {
    assert_eq!(CidLink::new(DAG_CBOR_CID).unwrap().as_str(), DAG_CBOR_CID);
    assert!(CidLink::new("not a cid").is_err());
    assert!(CidLink::new("").is_err());
    assert_eq!(
        DAG_CBOR_CID.parse::<CidLink>().unwrap().to_string(),
        DAG_CBOR_CID
    );
}

#[test]
fn blobs_are_made_only_valid() {
    let blob = Blob::new(CidLink::new(RAW_CID).unwrap(), "image/png", 1234).unwrap();
    assert_eq!(
        (blob.mime_type(), blob.size(), blob.is_legacy()),
        ("image/png", Some(1234), false)
    );
    assert_eq!(blob.link().as_str(), RAW_CID);
    assert_eq!(
        serde_json::to_value(&blob).unwrap(),
        json!({"$type": "blob", "ref": {"$link": RAW_CID}, "mimeType": "image/png", "size": 1234})
    );
    // A dag-cbor CID, a MIME type without `/`, a size past 2^53 - 1: three violations.
    let errors = Blob::new(CidLink::new(DAG_CBOR_CID).unwrap(), "png", 1 << 60).unwrap_err();
    assert_eq!(
        errors.paths(),
        ["$", "$.mimeType", "$"],
        "paths as the reference gives them"
    );
}

#[test]
fn unknown_values_are_made_only_from_objects() {
    assert!(Unknown::new(json!({"a": 1})).is_ok());
    assert!(Unknown::new(json!([1])).is_err());
    assert!(Unknown::new(json!({"$link": DAG_CBOR_CID})).is_err());
    assert!(
        Unknown::new(json!({"a": 1.5})).is_err(),
        "floats are not atproto data"
    );
}

#[test]
fn a_contract_mismatch_says_what_to_do() {
    use lexicon_runtime::__private::{check_contract, CONTRACT};
    check_contract(CONTRACT);
    let message = |n: u32| {
        let panic = std::panic::catch_unwind(|| check_contract(n)).unwrap_err();
        panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .unwrap_or_default()
    };
    assert!(message(CONTRACT + 1).contains("upgrade lexicon-runtime"));
    assert!(message(0).contains("regenerate it"));
}

#[test]
fn an_at_uri_names_its_authority_collection_and_record_key() {
    use lexicon_runtime::AtUri;
    let uri = AtUri::new("at://did:plc:abc/dev.cocore.compute.job/3lbq5mkxk2s2a").unwrap();
    assert_eq!(uri.authority(), "did:plc:abc");
    assert_eq!(uri.collection(), Some("dev.cocore.compute.job"));
    assert_eq!(uri.rkey(), Some("3lbq5mkxk2s2a"));
    let repo = AtUri::new("at://alice.test").unwrap();
    assert_eq!(
        (repo.authority(), repo.collection(), repo.rkey()),
        ("alice.test", None, None)
    );
    let collection = AtUri::new("at://alice.test/app.bsky.feed.post").unwrap();
    assert_eq!(
        (collection.collection(), collection.rkey()),
        (Some("app.bsky.feed.post"), None)
    );
}
