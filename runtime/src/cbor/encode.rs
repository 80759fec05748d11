//! The JSON data model to canonical DAG-CBOR: map keys ordered by length then bytes, shortest
//! integer and length heads, `$bytes` as byte strings, `$link` as tag 42, no floats.

use serde_json::{Map, Value};

use super::model::{check_typed, integer, kind, parse_link};
use super::MAX_DEPTH;
use crate::{base64, CborError, Path};

/// Encodes a data-model value (a JSON object) as canonical DAG-CBOR.
pub fn encode(value: &Value) -> Result<Vec<u8>, CborError> {
    if !value.is_object() {
        return Err(error(
            &Path::ROOT,
            format!("the top level must be an object, found {}", kind(value)),
        ));
    }
    let mut out = Vec::with_capacity(256);
    write_value(&mut out, value, &Path::ROOT, 0)?;
    Ok(out)
}

fn error(path: &Path<'_>, message: String) -> CborError {
    CborError {
        path: path.to_string(),
        offset: None,
        message,
    }
}

/// Writes a head: major type and argument in the shortest form.
pub(super) fn head(out: &mut Vec<u8>, major: u8, arg: u64) {
    let m = major << 5;
    if arg < 24 {
        out.push(m | arg as u8);
    } else if arg <= u64::from(u8::MAX) {
        out.extend_from_slice(&[m | 24, arg as u8]);
    } else if arg <= u64::from(u16::MAX) {
        out.push(m | 25);
        out.extend_from_slice(&(arg as u16).to_be_bytes());
    } else if arg <= u64::from(u32::MAX) {
        out.push(m | 26);
        out.extend_from_slice(&(arg as u32).to_be_bytes());
    } else {
        out.push(m | 27);
        out.extend_from_slice(&arg.to_be_bytes());
    }
}

fn write_value(
    out: &mut Vec<u8>,
    value: &Value,
    path: &Path<'_>,
    depth: usize,
) -> Result<(), CborError> {
    match value {
        Value::Null => out.push(0xf6),
        Value::Bool(b) => out.push(if *b { 0xf5 } else { 0xf4 }),
        Value::Number(n) => match integer(n) {
            Some(i) if i >= 0 => head(out, 0, i as u64),
            Some(i) if i >= -(1i128 << 64) => head(out, 1, (-1 - i) as u64),
            _ => {
                return Err(error(
                    path,
                    format!("{n} is not an integer (the data model has no floats)"),
                ))
            }
        },
        Value::String(s) => {
            head(out, 3, s.len() as u64);
            out.extend_from_slice(s.as_bytes());
        }
        Value::Array(items) => {
            if depth >= MAX_DEPTH {
                return Err(error(
                    path,
                    format!("nested deeper than {MAX_DEPTH} levels"),
                ));
            }
            head(out, 4, items.len() as u64);
            for (i, item) in items.iter().enumerate() {
                write_value(out, item, &path.index(i), depth + 1)?;
            }
        }
        Value::Object(map) => {
            if depth >= MAX_DEPTH {
                return Err(error(
                    path,
                    format!("nested deeper than {MAX_DEPTH} levels"),
                ));
            }
            write_object(out, map, path, depth)?;
        }
    }
    Ok(())
}

fn write_object(
    out: &mut Vec<u8>,
    map: &Map<String, Value>,
    path: &Path<'_>,
    depth: usize,
) -> Result<(), CborError> {
    if let Some(link) = map.get("$link") {
        if map.len() != 1 {
            return Err(error(path, "a `$link` object has no other property".into()));
        }
        let cid = parse_link(link).map_err(|m| error(path, m))?;
        let bytes = cid.to_bytes();
        out.extend_from_slice(&[0xd8, 42]);
        head(out, 2, bytes.len() as u64 + 1);
        out.push(0);
        out.extend_from_slice(&bytes);
        return Ok(());
    }
    if let Some(b) = map.get("$bytes") {
        if map.len() != 1 {
            return Err(error(
                path,
                "a `$bytes` object has no other property".into(),
            ));
        }
        let Value::String(text) = b else {
            return Err(error(
                path,
                format!("`$bytes` must be a base64 string, found {}", kind(b)),
            ));
        };
        let bytes = base64::decode(text)
            .ok_or_else(|| error(path, format!("`$bytes` {text:?} is not base64")))?;
        head(out, 2, bytes.len() as u64);
        out.extend_from_slice(&bytes);
        return Ok(());
    }
    check_typed(map).map_err(|m| error(path, m))?;
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    entries.sort_unstable_by(|a, b| canonical_order(a.0, b.0));
    head(out, 5, entries.len() as u64);
    for (key, value) in entries {
        head(out, 3, key.len() as u64);
        out.extend_from_slice(key.as_bytes());
        write_value(out, value, &path.field(key), depth + 1)?;
    }
    Ok(())
}

/// DAG-CBOR map key order: shorter keys first, then bytewise.
pub(super) fn canonical_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.len()
        .cmp(&b.len())
        .then_with(|| a.as_bytes().cmp(b.as_bytes()))
}
