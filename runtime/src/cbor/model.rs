//! Data-model rules shared by the encoder and the decoder: what `$type`, blobs, `$link` and
//! `$bytes` objects must look like to have a DAG-CBOR form.

use serde_json::{Map, Number, Value};

/// The CID of a `{"$link": ...}` object's string, or why it is not one.
pub(super) fn parse_link(value: &Value) -> Result<cid::Cid, String> {
    let Value::String(s) = value else {
        return Err(format!(
            "`$link` must be a CID string, found {}",
            kind(value)
        ));
    };
    if s.len() > 2048 {
        return Err("`$link` is longer than 2,048 characters".into());
    }
    cid::Cid::try_from(s.as_str()).map_err(|e| format!("`$link` {s:?} is not a CID: {e}"))
}

/// Checks the `$type` of an object and, when it is `"blob"`, the blob's shape (exactly `$type`,
/// `ref` (a link), `mimeType` (a string) and `size` (an integer)).
pub(super) fn check_typed(map: &Map<String, Value>) -> Result<(), String> {
    match map.get("$type") {
        None => Ok(()),
        Some(Value::String(t)) if t.is_empty() => Err("`$type` must not be empty".into()),
        Some(Value::String(t)) if t == "blob" => check_blob(map),
        Some(Value::String(_)) => Ok(()),
        Some(other) => Err(format!("`$type` must be a string, found {}", kind(other))),
    }
}

fn check_blob(map: &Map<String, Value>) -> Result<(), String> {
    if let Some(key) = map
        .keys()
        .find(|k| !matches!(k.as_str(), "$type" | "ref" | "mimeType" | "size"))
    {
        return Err(format!(
            "a blob has only `$type`, `ref`, `mimeType` and `size`, not `{key}`"
        ));
    }
    match map.get("ref") {
        Some(Value::Object(r)) if r.len() == 1 && r.contains_key("$link") => {}
        Some(other) => {
            return Err(format!(
                "a blob's `ref` must be a link, found {}",
                kind(other)
            ))
        }
        None => return Err("a blob needs `ref`".into()),
    }
    match map.get("mimeType") {
        Some(Value::String(_)) => {}
        Some(other) => {
            return Err(format!(
                "a blob's `mimeType` must be a string, found {}",
                kind(other)
            ))
        }
        None => return Err("a blob needs `mimeType`".into()),
    }
    match map.get("size") {
        Some(Value::Number(n)) if integer(n).is_some() => Ok(()),
        Some(other) => Err(format!(
            "a blob's `size` must be an integer, found {}",
            kind(other)
        )),
        None => Err("a blob needs `size`".into()),
    }
}

/// The integer a JSON number denotes: `1.0` and `1e2` are integers (Part A.2); fractions and
/// numbers beyond 2^53 written as floats are not.
pub(super) fn integer(n: &Number) -> Option<i128> {
    if let Some(u) = n.as_u64() {
        return Some(i128::from(u));
    }
    if let Some(i) = n.as_i64() {
        return Some(i128::from(i));
    }
    const MAX_SAFE: f64 = 9_007_199_254_740_991.0;
    let f = n.as_f64()?;
    (f.fract() == 0.0 && f.abs() <= MAX_SAFE).then_some(f as i128)
}

/// A value's kind, for messages.
pub(super) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
