//! The atproto data model for values the schema does not describe (undeclared fields, `unknown`).

use serde_json::Value;

use crate::error::{ValidationErrors, Violation};
use crate::number::{is_safe_integer, MAX_SAFE_INTEGER};
use crate::Path;

/// Undeclared properties of an object, kept as raw JSON in their order so that they round-trip
/// unchanged.
pub type Extra = serde_json::Map<String, Value>;

/// Checks that `value` is atproto data: integers only (a whole number written `1.0` counts),
/// within ±(2^53 − 1), at any depth. Not checked in lenient mode.
pub fn check_value(value: &Value, path: &Path<'_>, errors: &mut ValidationErrors) {
    if errors.is_lenient() {
        return;
    }
    match value {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                if !is_safe_integer(i) {
                    errors.push(
                        path,
                        Violation::IntegerOutOfRange {
                            actual: i.to_string(),
                        },
                    );
                }
            } else if let Some(u) = n.as_u64() {
                errors.push(
                    path,
                    Violation::IntegerOutOfRange {
                        actual: u.to_string(),
                    },
                );
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                if f.fract() != 0.0 || !f.is_finite() {
                    errors.push(
                        path,
                        Violation::NotAnInteger {
                            actual: n.to_string(),
                        },
                    );
                } else if f.abs() > MAX_SAFE_INTEGER as f64 {
                    errors.push(
                        path,
                        Violation::IntegerOutOfRange {
                            actual: n.to_string(),
                        },
                    );
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check_value(item, &path.index(i), errors);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                check_value(v, &path.field(k), errors);
            }
        }
        Value::Null | Value::Bool(_) | Value::String(_) => {}
    }
}

/// An `unknown` value, kept as raw JSON. It must be an object (not bytes or a link), unless
/// checking in lenient mode, which also accepts arrays, bytes and links.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Unknown(Value);

impl Unknown {
    /// Checks that `value` may stand where a schema says `unknown` (an object of atproto data,
    /// not bytes or a link) and wraps it; every broken rule is reported.
    pub fn new(value: Value) -> Result<Self, ValidationErrors> {
        let unknown = Unknown(value);
        let mut errors = ValidationErrors::new();
        unknown.intrinsic_checks(&Path::ROOT, &mut errors);
        errors.into_result().map(|()| unknown)
    }

    /// A typed value (a record, for the `record` of `createRecord` and `putRecord`) as an
    /// `unknown`: its JSON form, `$type` included, checked as [`Unknown::new`] checks.
    pub fn from_typed<T: serde::Serialize>(value: &T) -> Result<Self, ValidationErrors> {
        // Generated types and the runtime's serialize to JSON without error.
        Unknown::new(serde_json::to_value(value).unwrap_or(Value::Null))
    }

    /// The value.
    pub fn as_value(&self) -> &Value {
        &self.0
    }

    /// The value, by value.
    pub fn into_value(self) -> Value {
        self.0
    }

    /// Wraps a value read from input without checking it; validation checks it.
    pub(crate) fn unchecked(value: Value) -> Self {
        Unknown(value)
    }

    /// Reads any JSON value; validation checks it.
    pub(crate) fn deserialize_shape<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Self, D::Error> {
        <Value as serde::Deserialize>::deserialize(d).map(Unknown::unchecked)
    }
}

impl serde::Serialize for Unknown {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl Unknown {
    /// An object (strict) or also an array, bytes or a link (lenient), of atproto data.
    pub(crate) fn intrinsic_checks(&self, path: &Path<'_>, errors: &mut ValidationErrors) {
        check_unknown(&self.0, path, errors);
    }
}

/// Checks that `value` may stand where a schema says `unknown`: an object (strict) or also an
/// array, bytes or a link (lenient), of atproto data.
pub(crate) fn check_unknown(value: &Value, path: &Path<'_>, errors: &mut ValidationErrors) {
    let found = match value {
        Value::Object(map) if map.len() == 1 => match map.iter().next() {
            // `{"$bytes"}` and `{"$link"}` objects are bytes and CID links, not objects.
            Some((k, Value::String(s))) if k == "$bytes" && crate::base64::decode(s).is_some() => {
                Some("bytes")
            }
            Some((k, Value::String(s)))
                if k == "$link" && crate::formats::parse_cid(s).is_some() =>
            {
                Some("a CID link")
            }
            _ => None,
        },
        Value::Object(_) => None,
        Value::Array(_) => Some("an array"),
        Value::String(_) => Some("a string"),
        Value::Number(_) => Some("a number"),
        Value::Bool(_) => Some("a boolean"),
        Value::Null => Some("null"),
    };
    let lenient_ok = matches!(value, Value::Object(_) | Value::Array(_));
    match found {
        Some(found) if !(errors.is_lenient() && lenient_ok) => {
            errors.push(path, Violation::NotAnObject { found })
        }
        _ => check_value(value, path, errors),
    }
}
