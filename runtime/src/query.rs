//! XRPC parameters as URL query strings: arrays as repeated keys, percent-encoding, and typed
//! decoding of each declared parameter.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::de::ShapeOwned;
use crate::error::Error;
use crate::Validate;

/// What `to_query` leaves unescaped: RFC 3986's unreserved characters. Spaces become `%20`,
/// as `encodeURIComponent` writes them, which every server decodes.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The JSON type of a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
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
#[non_exhaustive]
pub struct ParamSpec {
    /// The parameter name.
    pub name: &'static str,
    /// Its type (of each item, for arrays).
    pub kind: ParamKind,
    /// Whether it is an array (repeated key).
    pub array: bool,
}

impl ParamSpec {
    /// A parameter named `name` of type `kind`, an array (repeated key) when `array`.
    pub const fn new(name: &'static str, kind: ParamKind, array: bool) -> Self {
        ParamSpec { name, kind, array }
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
/// Decoding is `application/x-www-form-urlencoded`, as `URLSearchParams` does it: `+` is a space,
/// a `%` not followed by two hex digits stays as it is, bytes that are not UTF-8 become U+FFFD.
/// Undeclared parameters are ignored, as the reference server ignores them; an empty value counts
/// as absent.
pub fn from_query<T: ShapeOwned + Validate>(query: &str, spec: &[ParamSpec]) -> Result<T, Error> {
    let mut map = Map::new();
    let query = query.strip_prefix('?').unwrap_or(query);
    for (key, raw) in form_urlencoded::parse(query.as_bytes()) {
        let Some(param) = spec.iter().find(|p| p.name == key) else {
            continue;
        };
        if raw.is_empty() {
            continue;
        }
        let value = typed(param.name, param.kind, raw.into_owned())?;
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
        out.extend(utf8_percent_encode(k, COMPONENT));
        out.push('=');
        out.extend(utf8_percent_encode(&text, COMPONENT));
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
