//! Parsing JSON into generated types, with the path of the first shape error.

use serde::Serialize;

use crate::de::{ShapeOwned, Unchecked};

use crate::error::Error;
use crate::{Mode, Path, Validate};

/// Parses `json` as `T` checking its shape only (types, required properties, `$type`), with the
/// JSON path of the first problem when it fails. The result says in its type that its
/// constraints are not checked yet.
pub fn parse<T: ShapeOwned>(json: &str) -> Result<Unchecked<T>, Error> {
    match serde_json::from_str(json) {
        Ok(v) => Ok(v),
        // The fast path tracks no path; on failure parse again, tracking it.
        Err(first) => Err(parse_error::<T>(json, first)),
    }
}

#[cold]
fn parse_error<T: ShapeOwned>(json: &str, first: serde_json::Error) -> Error {
    let mut de = serde_json::Deserializer::from_str(json);
    match serde_path_to_error::deserialize::<_, Unchecked<T>>(&mut de) {
        Err(e) => path_error(e),
        Ok(_) => Error::Parse {
            path: "$".into(),
            message: first.to_string(),
        },
    }
}

fn path_error<E: std::fmt::Display>(e: serde_path_to_error::Error<E>) -> Error {
    let (path, message) = joined(path_text(e.path()), e.into_inner().to_string());
    Error::Parse { path, message }
}

/// The tracked path and the message, with a path suffix carried by the message (errors about a
/// value below the one being read, `crate::de::below`) moved onto the path.
pub(crate) fn joined(mut path: String, message: String) -> (String, String) {
    match crate::de::split_below(&message) {
        Some((suffix, rest)) => {
            path.push_str(suffix);
            (path, rest.to_owned())
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

/// Parses `json` as `T` and validates it: the result holds only values the schema allows.
pub fn from_json<T: ShapeOwned + Validate>(json: &str) -> Result<T, Error> {
    from_json_with(Mode::Strict, json)
}

/// Parses `json` as `T` and validates it as `mode`'s validator would.
pub fn from_json_with<T: ShapeOwned + Validate>(mode: Mode, json: &str) -> Result<T, Error> {
    Ok(parse::<T>(json)?.validate_with(mode)?)
}

/// Serializes a generated value as compact JSON.
pub fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("generated types serialize to JSON without error")
}
