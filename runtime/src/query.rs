//! XRPC parameters as URL query strings: arrays as repeated keys, percent-encoding, and typed
//! decoding of each declared parameter.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::Error;
use crate::Validate;

/// The JSON type of a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// A string (any format).
    String,
    /// An integer.
    Integer,
    /// A boolean: `true` or `false`.
    Boolean,
}

/// One declared parameter.
#[derive(Debug, Clone, Copy)]
pub struct ParamSpec {
    /// The parameter name.
    pub name: &'static str,
    /// Its type (of each item, for arrays).
    pub kind: ParamKind,
    /// Whether it is an array (repeated key).
    pub array: bool,
}

fn percent_decode(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = b
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok());
                let byte = hex.and_then(|h| u8::from_str_radix(h, 16).ok());
                out.push(byte.ok_or_else(|| format!("bad percent-encoding in {s:?}"))?);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| format!("percent-encoding of {s:?} is not UTF-8"))
}

fn percent_encode(s: &str, out: &mut String) {
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

fn typed(name: &str, kind: ParamKind, raw: String) -> Result<Value, Error> {
    let bad = |expected: &str| Error::Parse {
        path: format!("$.{name}"),
        message: format!("expected {expected} in the query string, found {raw:?}"),
    };
    Ok(match kind {
        ParamKind::String => Value::String(raw),
        ParamKind::Integer => Value::from(raw.parse::<i64>().map_err(|_| bad("an integer"))?),
        ParamKind::Boolean => match raw.as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(bad("`true` or `false`")),
        },
    })
}

/// Parses a query string (with or without a leading `?`) into parameters and validates them.
/// Undeclared parameters are ignored, as the reference server ignores them; an empty value counts
/// as absent.
pub fn from_query<T: DeserializeOwned + Validate>(
    query: &str,
    spec: &[ParamSpec],
) -> Result<T, Error> {
    let mut map = Map::new();
    for pair in query
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let key = percent_decode(k).map_err(|message| Error::Parse {
            path: "$".into(),
            message,
        })?;
        let Some(param) = spec.iter().find(|p| p.name == key) else {
            continue;
        };
        let raw = percent_decode(v).map_err(|message| Error::Parse {
            path: format!("$.{key}"),
            message,
        })?;
        if raw.is_empty() {
            continue;
        }
        let value = typed(param.name, param.kind, raw)?;
        if param.array {
            match map
                .entry(param.name)
                .or_insert_with(|| Value::Array(Vec::new()))
            {
                Value::Array(items) => items.push(value),
                _ => unreachable!("array parameters hold arrays"),
            }
        } else {
            map.insert(param.name.to_owned(), value);
        }
    }
    crate::json::from_json(&Value::Object(map).to_string())
}

/// Writes parameters as a query string (no leading `?`), arrays as repeated keys.
pub fn to_query<T: Serialize>(params: &T) -> String {
    let value = serde_json::to_value(params).expect("generated parameters serialize");
    let mut out = String::new();
    let mut push = |k: &str, v: &Value| {
        let text = match v {
            Value::String(s) => s.clone(),
            Value::Null => return,
            other => other.to_string(),
        };
        if !out.is_empty() {
            out.push('&');
        }
        percent_encode(k, &mut out);
        out.push('=');
        percent_encode(&text, &mut out);
    };
    if let Value::Object(map) = value {
        for (k, v) in &map {
            match v {
                Value::Array(items) => items.iter().for_each(|item| push(k, item)),
                other => push(k, other),
            }
        }
    }
    out
}

/// A permission of a permission set: its resource and its other fields as JSON text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Permission {
    /// The resource kind (`repo`, `rpc`, `blob`, ...).
    pub resource: &'static str,
    /// The resource-specific fields, each value as JSON text.
    pub fields: &'static [(&'static str, &'static str)],
}

/// A permission set: an NSID naming a bundle of permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PermissionSet {
    /// The set's NSID.
    pub nsid: &'static str,
    /// The human-readable title, if any.
    pub title: Option<&'static str>,
    /// The longer description, if any.
    pub detail: Option<&'static str>,
    /// The permissions.
    pub permissions: &'static [Permission],
}
