//! How a blob is read from JSON and DAG-CBOR: either form, properties in any order, and the
//! error each broken blob gets (the messages blobs had when they were read through
//! `serde_json::Value`; now read in one pass over the input).

use lexicon_runtime::cbor;
use lexicon_runtime::{Blob, Mode, Unchecked};

const RAW: &str = "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e";

/// Reads `json` as a blob, shape only.
fn read(json: &str) -> Result<Blob, String> {
    serde_json::from_str::<Unchecked<Blob>>(json)
        .map(Unchecked::into_unchecked)
        .map_err(|e| e.to_string())
}

#[test]
fn either_form_reads_with_properties_in_any_order() {
    let current = format!(
        r#"{{"size": 5, "mimeType": "image/png", "ref": {{"$link": "{RAW}"}}, "$type": "blob"}}"#
    );
    let blob = read(&current).unwrap();
    assert_eq!(
        (
            blob.link().as_str(),
            blob.mime_type(),
            blob.size(),
            blob.is_legacy()
        ),
        (RAW, "image/png", Some(5), false)
    );
    let legacy = format!(r#"{{"mimeType": "image/png", "cid": "{RAW}"}}"#);
    let blob = read(&legacy).unwrap();
    assert_eq!(
        (
            blob.link().as_str(),
            blob.mime_type(),
            blob.size(),
            blob.is_legacy()
        ),
        (RAW, "image/png", None, true)
    );
    // A key given twice keeps its last value, as `JSON.parse` does.
    let twice = format!(
        r#"{{"$type": "blob", "ref": {{"$link": "{RAW}"}}, "mimeType": "a/b", "size": "x", "size": 7}}"#
    );
    assert_eq!(read(&twice).unwrap().size(), Some(7));
}

#[test]
fn broken_blobs_get_the_error_of_what_is_wrong() {
    let link = format!(r#"{{"$link": "{RAW}"}}"#);
    let cases = [
        (
            format!(r#"{{"$type": "blob", "ref": {link}, "mimeType": false, "size": 1}}"#),
            "invalid type: boolean `false`, expected a string",
        ),
        (
            format!(r#"{{"$type": "blob", "ref": {link}, "mimeType": "a/b", "size": "1"}}"#),
            "invalid type: string \"1\", expected an integer",
        ),
        (
            format!(r#"{{"$type": "blob", "ref": {link}, "mimeType": "a/b", "size": 1.5}}"#),
            "invalid type: floating point `1.5`, expected an integer",
        ),
        (
            format!(r#"{{"$type": "blob", "ref": "{RAW}", "mimeType": "a/b", "size": 1}}"#),
            "invalid type: string \"bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e\", expected an object with one string property `$link`",
        ),
        (
            format!(r#"{{"$type": "blob", "ref": {{"$link": "{RAW}", "x": 1}}, "mimeType": "a/b", "size": 1}}"#),
            "invalid type: map, expected an object with one string property `$link`",
        ),
        (
            format!(r#"{{"$type": "blob", "ref": {link}, "mimeType": "a/b", "size": 1, "alt": "x"}}"#),
            "unknown field `alt`, expected one of `$type`, `ref`, `mimeType`, `size`",
        ),
        (
            format!(r#"{{"$type": "blob", "ref": {link}, "mimeType": "a/b"}}"#),
            "missing field `size`",
        ),
        (
            format!(r#"{{"$type": "blub", "ref": {link}, "mimeType": "a/b", "size": 1}}"#),
            "wrong $type for a blob: \"blub\"",
        ),
        (
            format!(r#"{{"cid": "{RAW}", "mimeType": "a/b", "size": 1}}"#),
            "unknown field `size`, expected `cid` or `mimeType`",
        ),
        (
            r#"{"cid": "nope", "mimeType": "a/b"}"#.to_owned(),
            "legacy blob cid is not a CID: \"nope\"",
        ),
        (
            r#"{"cid": 7, "mimeType": "a/b"}"#.to_owned(),
            "invalid type: integer `7`, expected a string",
        ),
        (
            format!(r#"{{"cid": "{RAW}"}}"#),
            "missing field `mimeType`",
        ),
    ];
    let mut wrong = Vec::new();
    for (json, expected) in &cases {
        match read(json) {
            Err(message) if message.starts_with(expected) => {}
            other => wrong.push(format!("{json}: expected {expected:?}, got {other:?}")),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(read(r#""a blob""#)
        .unwrap_err()
        .starts_with("invalid type: string \"a blob\""));
}

#[test]
fn dag_cbor_blobs_read_as_json_ones() {
    let current = format!(
        r#"{{"$type": "blob", "ref": {{"$link": "{RAW}"}}, "mimeType": "image/png", "size": 5}}"#
    );
    let bytes = cbor::json_to_cbor(&current).unwrap();
    let blob = cbor::from_cbor_with::<Blob>(Mode::Strict, &bytes).unwrap();
    assert_eq!(blob, read(&current).unwrap());
    assert_eq!(cbor::to_cbor(&blob).unwrap(), bytes);
    let legacy = format!(r#"{{"cid": "{RAW}", "mimeType": "image/png"}}"#);
    let bytes = cbor::json_to_cbor(&legacy).unwrap();
    let blob = cbor::from_cbor_with::<Blob>(Mode::Lenient, &bytes).unwrap();
    assert!(blob.is_legacy());
    let wrong = format!(r#"{{"cid": "{RAW}", "mimeType": 5}}"#);
    let bytes = cbor::json_to_cbor(&wrong).unwrap();
    let error = cbor::from_cbor_with::<Blob>(Mode::Lenient, &bytes).unwrap_err();
    assert!(error.to_string().contains("expected a string"), "{error}");
}
