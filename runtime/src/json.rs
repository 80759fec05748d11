//! Parsing JSON into generated types, with the path of the first shape error.

use serde::Serialize;

use crate::de::{ShapeOwned, Unchecked};

use crate::error::{Error, Violation};
use crate::{Mode, Path, Validate};

/// Parses `json` as `T` checking its shape only (types, required properties, `$type`), with the
/// JSON path of the first problem when it fails. The result says in its type that its
/// constraints are not checked yet.
///
/// For a generated type, a value that fails to parse gets every violation listed instead
/// ([`Error::Invalid`]: type mismatches, missing required properties and constraint violations
/// alike), as strict validation sees them.
pub fn parse<T: ShapeOwned>(json: &str) -> Result<Unchecked<T>, Error> {
    parse_with(Mode::Strict, json)
}

fn parse_with<T: ShapeOwned>(mode: Mode, json: &str) -> Result<Unchecked<T>, Error> {
    match serde_json::from_str(json) {
        Ok(v) => Ok(v),
        // The fast path tracks no path; on failure parse again, tracking it.
        Err(first) => Err(parse_error::<T>(mode, json, first)),
    }
}

#[cold]
fn parse_error<T: ShapeOwned>(mode: Mode, json: &str, first: serde_json::Error) -> Error {
    crate::de::clear_below();
    let mut de = serde_json::Deserializer::from_str(json);
    let shape = match serde_path_to_error::deserialize::<_, Unchecked<T>>(&mut de) {
        Err(e) => path_error(e),
        Ok(_) => Error::Parse {
            path: "$".into(),
            message: first.to_string(),
        },
    };
    if first.is_syntax() || first.is_eof() {
        return shape;
    }
    let value = || serde_json::from_str::<serde_json::Value>(json).ok();
    match (crate::de::explain::<T>(value, mode), shape) {
        (Some(mut errors), Error::Parse { path, message }) => {
            // What the parser saw and a JSON value cannot hold (a property given twice) is
            // listed too.
            if !errors.paths().contains(&path.as_str()) {
                errors.push_at(path, Violation::WrongShape { message });
            }
            Error::Invalid(errors)
        }
        (_, shape) => shape,
    }
}

fn path_error<E: std::fmt::Display>(e: serde_path_to_error::Error<E>) -> Error {
    let (path, message) = joined(path_text(e.path()), e.into_inner().to_string());
    Error::Parse {
        path,
        message: lexicon_words(&message),
    }
}

/// The longest value quoted in a message, in characters.
const QUOTED: usize = 40;

/// A serde message in Lexicon's words, for a reader who knows the lexicon, not the Rust types:
/// `invalid type: string "ab", expected bytes` becomes `expected bytes ({"$bytes":
/// "<base64>"}), got a string ("ab")`; long values are cut; serde's ` at line L column C` goes,
/// since the message comes with its JSON path.
pub(crate) fn lexicon_words(message: &str) -> String {
    let message = match message.rfind(" at line ") {
        Some(i) if message[i..].contains(" column ") => &message[..i],
        _ => message,
    };
    if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|m| m.strip_suffix('`'))
    {
        return format!("missing required property `{field}`");
    }
    let Some(rest) = message.strip_prefix("invalid type: ") else {
        return message.to_owned();
    };
    // The value's text may hold ", expected", so split at the last one.
    let Some((got, expected)) = rest.rsplit_once(", expected ") else {
        return message.to_owned();
    };
    format!(
        "expected {}, got {}",
        lexicon_type(expected),
        lexicon_value(got)
    )
}

/// What serde says was expected, as a Lexicon type.
fn lexicon_type(expected: &str) -> String {
    match expected {
        "a sequence" => "an array".into(),
        "a map" => "an object".into(),
        "an object with one string property `$bytes`" => r#"bytes ({"$bytes": "<base64>"})"#.into(),
        "an object with one string property `$link`" => r#"a cid-link ({"$link": "<cid>"})"#.into(),
        other => other.to_owned(),
    }
}

/// `kind (value)`, the value cut to [`QUOTED`] characters.
fn quoted(kind: &str, value: &str) -> String {
    let mut chars = value.chars();
    let cut: String = chars.by_ref().take(QUOTED).collect();
    let more = if chars.next().is_some() { "…" } else { "" };
    format!("{kind} ({cut}{more})")
}

/// A JSON value as messages name what was found: `a string ("MII…")`, `an integer (7)`,
/// `null`, `an object`.
pub(crate) fn describe(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::String(s) => quoted("a string", &format!("{s:?}")),
        Value::Number(n) if n.is_f64() => quoted("a number", &n.to_string()),
        Value::Number(n) => quoted("an integer", &n.to_string()),
        Value::Bool(b) => format!("a boolean ({b})"),
        Value::Null => "null".into(),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// What serde says it found, as a JSON value: its kind, and the value cut short.
fn lexicon_value(got: &str) -> String {
    if let Some(text) = got.strip_prefix("string ") {
        return quoted("a string", text);
    }
    let ticked = |prefix: &str| {
        got.strip_prefix(prefix)
            .and_then(|v| v.strip_prefix('`'))
            .and_then(|v| v.strip_suffix('`'))
    };
    if let Some(v) = ticked("integer ") {
        return quoted("an integer", v);
    }
    if let Some(v) = ticked("floating point ") {
        return quoted("a number", v);
    }
    if let Some(v) = ticked("boolean ") {
        return quoted("a boolean", v);
    }
    match got {
        "map" => "an object".into(),
        "sequence" => "an array".into(),
        "null" | "unit value" => "null".into(),
        other => other.to_owned(),
    }
}

/// Parses `json` as `T` and validates it: the result holds only values the schema allows.
pub fn from_json<T: ShapeOwned + Validate>(json: &str) -> Result<T, Error> {
    from_json_with(Mode::Strict, json)
}

/// Parses `json` as `T` and validates it as `mode`'s validator would.
#[inline]
pub fn from_json_with<T: ShapeOwned + Validate>(mode: Mode, json: &str) -> Result<T, Error> {
    // Validated where the parser left it, then moved once, into the result.
    let parsed = serde_json::from_str::<Unchecked<T>>(json);
    let checked = match &parsed {
        Ok(value) => value.as_unchecked().validate_with(mode),
        Err(_) => Ok(()),
    };
    match (parsed, checked) {
        (Ok(value), Ok(())) => Ok(value.into_unchecked()),
        (Ok(_), Err(errors)) => Err(errors.into()),
        (Err(first), _) => Err(parse_error::<T>(mode, json, first)),
    }
}

/// Serializes a generated value as compact JSON.
pub fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("generated types serialize to JSON without error")
}

/// The tracked path and the message, with the path suffix of an error about a value below the
/// one being read (`crate::de::below`) moved onto the path.
pub(crate) fn joined(mut path: String, message: String) -> (String, String) {
    match crate::de::take_below(&message) {
        Some((suffix, message)) => {
            path.push_str(&suffix);
            (path, message)
        }
        None => (path, message),
    }
}

/// A path tracked while deserializing, as text: `$.embed.images[0]`.
pub(crate) fn path_text(tracked: &serde_path_to_error::Path) -> String {
    let mut path = String::from("$");
    for segment in tracked.iter() {
        match segment {
            serde_path_to_error::Segment::Seq { index } => path.push_str(&format!("[{index}]")),
            serde_path_to_error::Segment::Map { key } => {
                path.push_str(&Path::ROOT.field(key).to_string()[1..])
            }
            serde_path_to_error::Segment::Enum { variant } => path.push_str(&format!(".{variant}")),
            serde_path_to_error::Segment::Unknown => {}
        }
    }
    path
}

#[cfg(test)]
mod tests {
    use super::lexicon_words;

    #[test]
    fn serde_messages_in_lexicon_words() {
        let long = format!(
            "invalid type: string \"{}\", expected an integer at line 1 column 468",
            "x".repeat(300)
        );
        assert_eq!(
            lexicon_words(&long),
            format!("expected an integer, got a string (\"{}…)", "x".repeat(39))
        );
        assert_eq!(
            lexicon_words("invalid type: string \"MII\", expected an object with one string property `$bytes` at line 1 column 9"),
            r#"expected bytes ({"$bytes": "<base64>"}), got a string ("MII")"#
        );
        assert_eq!(
            lexicon_words("invalid type: integer `7`, expected a string at line 1 column 43"),
            "expected a string, got an integer (7)"
        );
        assert_eq!(
            lexicon_words("invalid type: null, expected a dev.cocore.compute.defs#money object"),
            "expected a dev.cocore.compute.defs#money object, got null"
        );
        assert_eq!(
            lexicon_words("invalid type: string \"a, expected b\", expected a sequence"),
            "expected an array, got a string (\"a, expected b\")"
        );
        assert_eq!(
            lexicon_words("missing field `model` at line 1 column 539"),
            "missing required property `model`"
        );
        assert_eq!(lexicon_words("string too long"), "string too long");
    }
}
