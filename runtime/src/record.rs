//! Records: the key types a `record` def names (`tid`, `nsid`, `any`, `literal:<value>`), and
//! record sets read from JSON or DAG-CBOR.

use serde::Serialize;

use crate::de::ShapeOwned;
use crate::error::Error;
use crate::formats::{is_valid_nsid, is_valid_record_key, is_valid_tid};
use crate::{Mode, Validate};

/// Where a record comes from: JSON text (`&str`), or DAG-CBOR bytes (`cbor::Cbor`, with the
/// `dag-cbor` feature).
pub trait Input {
    /// Parses a `T` from this input and validates it as `mode`'s validator would.
    fn parse<T: ShapeOwned + Validate>(self, mode: Mode) -> Result<T, Error>;
}

impl Input for &str {
    fn parse<T: ShapeOwned + Validate>(self, mode: Mode) -> Result<T, Error> {
        crate::json::from_json_with(mode, self)
    }
}

/// A record type: implemented by the generated type of every `record` def (`Job`), so that one
/// generic call (a client's `create_record::<Job>`) serves every collection.
pub trait Record: Serialize + ShapeOwned + Validate {
    /// The record's collection NSID, also its `$type`.
    const NSID: &'static str;
    /// The record key type: `tid`, `nsid`, `any` or `literal:<value>`.
    const KEY: &'static str;

    /// Checks a record key against this record's key type, as the PDS does on a write.
    fn check_key(rkey: &str) -> Result<(), Error> {
        check_record_key(Self::NSID, Self::KEY, rkey)
    }
}

/// Parses a record of collection `R` from JSON whose `$type` may be left out (writers that
/// know the collection often omit it, and the PDS fills it in), then validates it as `mode`'s
/// validator would. A `$type` that is present must still be `R::NSID`; anything else (not an
/// object, not JSON) is reported as [`json::from_json_with`](crate::json::from_json_with)
/// reports it.
pub fn from_json_untyped<R: Record>(mode: Mode, json: &str) -> Result<R, Error> {
    let mut value: serde_json::Value = match serde_json::from_str(json) {
        Ok(value) => value,
        Err(_) => return crate::json::from_json_with(mode, json),
    };
    match value.as_object_mut() {
        Some(object) if !object.contains_key("$type") => {
            object.insert("$type".into(), serde_json::Value::from(R::NSID));
            crate::json::from_json_with(mode, &value.to_string())
        }
        _ => crate::json::from_json_with(mode, json),
    }
}

/// Record types chosen by collection NSID: the generated `KnownRecord`.
pub trait RecordSet: Sized {
    /// Parses a record of `collection` from `input` and validates it as `mode`'s validator would.
    fn parse_record<I: Input>(mode: Mode, collection: &str, input: I) -> Result<Self, Error>;
}

/// Checks `rkey` as the PDS does on a write: record-key syntax, then the record's key type.
pub fn check_record_key(collection: &str, key_type: &str, rkey: &str) -> Result<(), Error> {
    let fits = is_valid_record_key(rkey)
        && match key_type {
            "tid" => is_valid_tid(rkey),
            "nsid" => is_valid_nsid(rkey),
            "any" => true,
            other => other.strip_prefix("literal:") == Some(rkey),
        };
    if fits {
        Ok(())
    } else {
        Err(Error::InvalidRecordKey {
            collection: collection.to_owned(),
            rkey: rkey.to_owned(),
            expected: key_type.to_owned(),
        })
    }
}
