//! The walker: one JSON value against one schema, every violation pushed in the order generated
//! `validate_at` pushes them (a `$type` check, then the declared properties in schema order,
//! then the undeclared ones), with the same check functions, so the lists are identical.
//!
//! Where generated code stops at a shape error (a value of the wrong kind, a missing required
//! property, `null` where not nullable, a malformed `$bytes`/`$link`/blob, a closed enum or
//! union that does not list the value), the walker reports it as a violation and goes on.

use serde_json::Value;

use super::{DefKind, IntChecks, Lexicons, Node, Object, StrChecks};
use crate::error::{ValidationErrors, Violation};
use crate::number::{whole_f64, NotInt};
use crate::{check, data, Path};

/// Nesting deeper than this (as the JSON parser allows) is refused rather than followed.
const MAX_DEPTH: usize = 128;

/// Objects with at most this many declared properties are matched in one pass.
const SLOTS: usize = 32;

/// How an object treats `$type`.
#[derive(Clone, Copy)]
enum Tag<'a> {
    /// Required, equal to the NSID.
    Record(&'a str),
    /// When present, names the object (`nsid` and `nsid#main` both name a main def).
    Object(&'a str),
    /// An ordinary undeclared property.
    Inline,
}

struct Walker<'a, 'e> {
    lexicons: &'a Lexicons,
    errors: &'e mut ValidationErrors,
}

/// Checks `value` against def `i`.
pub(super) fn def(
    lexicons: &Lexicons,
    i: usize,
    value: &Value,
    path: &Path<'_>,
    errors: &mut ValidationErrors,
) {
    Walker { lexicons, errors }.def(i, value, path, 0);
}

/// `an` before a vowel, else `a`.
fn article(word: &str) -> &'static str {
    match word.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u' | 'A' | 'E' | 'I' | 'O' | 'U') => "an",
        _ => "a",
    }
}

fn shape(message: impl Into<String>) -> Violation {
    Violation::WrongShape {
        message: message.into(),
    }
}

fn mismatch(expected: &str, found: &Value) -> Violation {
    shape(format!(
        "expected {expected}, got {}",
        crate::json::describe(found)
    ))
}

impl Walker<'_, '_> {
    fn push(&mut self, path: &Path<'_>, violation: Violation) {
        self.errors.push(path, violation);
    }

    fn def(&mut self, i: usize, v: &Value, path: &Path<'_>, depth: usize) {
        let def = &self.lexicons.defs[i];
        match &def.kind {
            DefKind::Record { object, .. } => {
                self.object(object, Tag::Record(&def.type_id), v, path, depth)
            }
            DefKind::Object(object) => {
                self.object(object, Tag::Object(&def.type_id), v, path, depth)
            }
            DefKind::Data(node) => self.node(node, v, path, depth),
            // Refused when the lexicons were built.
            DefKind::NoData => {}
        }
    }

    fn node(&mut self, node: &Node, v: &Value, path: &Path<'_>, depth: usize) {
        if depth > MAX_DEPTH {
            self.push(
                path,
                shape(format!("nested deeper than {MAX_DEPTH} levels")),
            );
            return;
        }
        match node {
            Node::Ref(i) => self.def(*i, v, path, depth),
            Node::Object(o) => self.object(o, Tag::Inline, v, path, depth),
            Node::Union { members, closed } => self.union(members, *closed, v, path, depth),
            Node::String(s) => match v {
                Value::String(text) => self.string(s, text, path),
                other => self.push(path, mismatch("a string", other)),
            },
            Node::Integer(checks) => self.integer(checks, v, path),
            Node::Boolean(konst) => match (v, konst) {
                (Value::Bool(b), Some(c)) => check::bool_const(*b, *c, path, self.errors),
                (Value::Bool(_), None) => {}
                (other, _) => self.push(path, mismatch("a boolean", other)),
            },
            Node::Bytes(min, max) => match crate::Bytes::deserialize_shape(v) {
                Ok(b) => {
                    if let Some(n) = min {
                        check::min_byte_len(&b, *n, path, self.errors);
                    }
                    if let Some(n) = max {
                        check::max_byte_len(&b, *n, path, self.errors);
                    }
                }
                Err(e) => self.serde_error(path, &e),
            },
            Node::CidLink => match crate::CidLink::deserialize_shape(v) {
                Ok(link) => crate::Validate::validate_at(&link, path, self.errors),
                Err(e) => self.serde_error(path, &e),
            },
            Node::Blob { accept, max_size } => match crate::Blob::deserialize_shape(v) {
                Ok(blob) => {
                    blob.intrinsic_checks(path, self.errors);
                    if let Some(accept) = accept {
                        let accept: Vec<&str> = accept.iter().map(String::as_str).collect();
                        check::blob_accept(&blob, &accept, path, self.errors);
                    }
                    if let Some(n) = max_size {
                        check::blob_max_size(&blob, *n, path, self.errors);
                    }
                }
                Err(e) => self.serde_error(path, &e),
            },
            Node::Unknown => data::check_unknown(v, path, self.errors),
            Node::Array { items, min, max } => {
                let Value::Array(values) = v else {
                    return self.push(path, mismatch("an array", v));
                };
                if let Some(n) = min {
                    check::min_items(values.len(), *n, path, self.errors);
                }
                if let Some(n) = max {
                    check::max_items(values.len(), *n, path, self.errors);
                }
                for (i, item) in values.iter().enumerate() {
                    self.node(items, item, &path.index(i), depth + 1);
                }
            }
        }
    }

    /// A shape error of a special object (bytes, link, blob), in Lexicon's words.
    fn serde_error(&mut self, path: &Path<'_>, e: &serde_json::Error) {
        let message = crate::json::lexicon_words(&e.to_string());
        self.push(path, shape(message));
    }

    fn string(&mut self, s: &StrChecks, text: &str, path: &Path<'_>) {
        let errors = &mut *self.errors;
        if let Some(allowed) = &s.closed {
            if !allowed.iter().any(|a| a == text) {
                let allowed: Vec<&str> = allowed.iter().map(String::as_str).collect();
                check::str_in(text, &allowed, path, errors);
            }
        }
        if let (Some(format), false) = (s.format, s.is_enum) {
            check::format_str(text, format, path, errors);
        }
        if let Some(n) = s.min_bytes {
            check::min_bytes(text, n, path, errors);
        }
        if let Some(n) = s.max_bytes {
            check::max_bytes(text, n, path, errors);
        }
        if let Some(n) = s.min_graphemes {
            check::min_graphemes(text, n, path, errors);
        }
        if let Some(n) = s.max_graphemes {
            check::max_graphemes(text, n, path, errors);
        }
        match (&s.konst, s.format, s.is_enum) {
            (_, Some(format), true) => check::format_str(text, format, path, errors),
            (Some(c), _, false) => check::str_const(text, c, path, errors),
            _ => {}
        }
    }

    fn integer(&mut self, checks: &IntChecks, v: &Value, path: &Path<'_>) {
        let Value::Number(n) = v else {
            return self.push(path, mismatch("an integer", v));
        };
        // As generated code reads integers (`number::Int`): any whole number that fits an i64.
        let whole = match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Ok(i),
            (None, _) if n.is_u64() => Err(NotInt::OutOfRange),
            (None, Some(f)) => whole_f64(f),
            (None, None) => Err(NotInt::Fraction),
        };
        let value = match whole {
            Ok(i) => i,
            Err(NotInt::OutOfRange) => {
                let actual = n.to_string();
                return self.push(path, Violation::IntegerOutOfRange { actual });
            }
            Err(NotInt::Fraction) => return self.push(path, mismatch("an integer", v)),
        };
        let errors = &mut *self.errors;
        check::safe_integer(value, path, errors);
        match checks {
            IntChecks::Const(c) => check::int_const(value, *c, path, errors),
            IntChecks::In(values) => check::int_in(value, values, path, errors),
            IntChecks::Range(min, max) => {
                if let Some(min) = min {
                    check::int_min(value, *min, path, errors);
                }
                if let Some(max) = max {
                    check::int_max(value, *max, path, errors);
                }
            }
        }
    }

    fn object(&mut self, o: &Object, tag: Tag<'_>, v: &Value, path: &Path<'_>, depth: usize) {
        let Value::Object(map) = v else {
            let expected = match tag {
                Tag::Record(nsid) => format!("{} {nsid} record", article(nsid)),
                Tag::Object(type_id) => format!("{} {type_id} object", article(type_id)),
                Tag::Inline => "an object".to_owned(),
            };
            return self.push(path, mismatch(&expected, v));
        };
        let record = matches!(tag, Tag::Record(_));
        // Each declared property's value, and `$type`, found by one pass over the object
        // (cheaper than a hash lookup per property for objects of lexicon size); undeclared ones
        // noted. Properties usually come in schema order, so each search starts after the last
        // property found.
        let mut slots: [Option<&Value>; SLOTS] = [None; SLOTS];
        let mut undeclared = false;
        let mut type_value = None;
        let props = &o.props;
        if props.len() <= SLOTS {
            let mut next = 0;
            for (k, value) in map {
                let found = (next..props.len())
                    .chain(0..next)
                    .find(|&i| props[i].name == *k);
                match found {
                    Some(i) => {
                        slots[i] = Some(value);
                        next = i + 1;
                        // A lexicon may declare `$type`; it still names the object.
                        if k == "$type" {
                            type_value = Some(value);
                        }
                    }
                    None if k == "$type" => {
                        type_value = Some(value);
                        undeclared |= !record;
                    }
                    None => undeclared = true,
                }
            }
        } else {
            undeclared = true;
            type_value = map.get("$type");
        }
        match tag {
            Tag::Record(nsid) => self.record_type(type_value, nsid, path),
            Tag::Object(type_id) => check::object_type_of(type_value, type_id, path, self.errors),
            Tag::Inline => {}
        }
        for (i, p) in o.props.iter().enumerate() {
            let value = match slots.get(i) {
                Some(slot) if o.props.len() <= SLOTS => *slot,
                _ => map.get(&p.name),
            };
            match value {
                None if p.required => {
                    let message = format!("missing required property `{}`", p.name);
                    self.push(path, shape(message));
                }
                None => {}
                Some(Value::Null) if p.nullable => {}
                Some(value) => self.node(&p.node, value, &path.field(&p.name), depth + 1),
            }
        }
        if !undeclared {
            return;
        }
        for (k, value) in map {
            let declared = o.props.iter().any(|p| &p.name == k);
            if !(declared || record && k == "$type") {
                data::check_value(value, &path.field(k), self.errors);
            }
        }
    }

    /// A record's `$type`: present, a string, the record's NSID exactly.
    fn record_type(&mut self, type_value: Option<&Value>, nsid: &str, path: &Path<'_>) {
        let at = path.field("$type");
        match type_value {
            Some(Value::String(t)) if t == nsid => {}
            Some(Value::String(t)) => self.push(
                &at,
                Violation::WrongType {
                    expected: nsid.to_owned(),
                    actual: format!("{t:?}"),
                },
            ),
            Some(other) => self.push(&at, mismatch("a string", other)),
            None => self.push(&at, shape("missing required property `$type`")),
        }
    }

    fn union(&mut self, members: &[usize], closed: bool, v: &Value, path: &Path<'_>, depth: usize) {
        let t = match v {
            Value::Object(map) => match map.get("$type") {
                Some(Value::String(t)) => t,
                Some(other) => return self.push(&path.field("$type"), mismatch("a string", other)),
                None => return self.push(path, shape("a union member must have a `$type`")),
            },
            other => {
                return self.push(
                    path,
                    mismatch("an object with a `$type` (a union member)", other),
                )
            }
        };
        let defs = &self.lexicons.defs;
        let member = members.iter().copied().find(|&m| {
            let id = defs[m].type_id.as_str();
            id == t || (!id.contains('#') && t.strip_suffix("#main") == Some(id))
        });
        match member {
            Some(m) => self.def(m, v, path, depth),
            None if closed => {
                let listed: Vec<&str> = members.iter().map(|&m| defs[m].type_id.as_str()).collect();
                let message = format!(
                    "$type {t:?} is not a member of this closed union: expected one of {listed:?}"
                );
                self.push(&path.field("$type"), shape(message));
            }
            None => data::check_unknown(v, path, self.errors),
        }
    }
}
