//! DAG-CBOR, the binary form of records in repositories and on the firehose (feature
//! `dag-cbor`): strict decoding and canonical encoding of the data model, JSON conversion, record
//! CIDs, and [`DagCbor`] for generated types.
//!
//! The decoder presents the JSON form of the data model (`{"$bytes"}`, `{"$link"}`) to the types
//! it fills, so a record decoded from DAG-CBOR is read and validated by exactly the code that
//! reads JSON, with no intermediate tree, and gets the same verdict and error paths. Undeclared
//! properties and unknown union members are kept the same way.
//!
//! ```
//! use lexicon_runtime::cbor::{self, DagCbor};
//!
//! let bytes = cbor::json_to_cbor(r#"{"text": "hi", "n": 1}"#).unwrap();
//! assert_eq!(bytes, b"\xa2an\x01dtextbhi");
//! assert_eq!(cbor::cbor_to_json(&bytes).unwrap(), r#"{"n":1,"text":"hi"}"#);
//! let value: lexicon_runtime::serde_json::Value = DagCbor::from_cbor(&bytes).unwrap();
//! assert_eq!(value.cid().unwrap(), cbor::cid_of(&bytes));
//! ```

mod decode;
mod encode;
pub mod frame;
mod model;

use serde::Serialize;
use sha2::{Digest, Sha256};

pub use decode::{decode, parse, DeError, Deserializer};
pub use encode::encode;

use crate::de::ShapeOwned;
use crate::record::{Input, RecordSet};
use crate::{Cid, Error, Format, Mode, Validate};

/// Nesting limit in both directions, the same as the JSON parser's: 128 levels of arrays and maps.
pub const MAX_DEPTH: usize = 128;

/// The multicodec of DAG-CBOR, the codec of record CIDs.
pub const DAG_CBOR_CODEC: u64 = 0x71;

/// The multihash code of sha2-256.
const SHA2_256: u64 = 0x12;

/// The CID atproto gives DAG-CBOR bytes: CIDv1, dag-cbor codec, sha2-256 (`bafyrei...`).
pub fn cid_of(bytes: &[u8]) -> Cid {
    let digest = Sha256::digest(bytes);
    let hash = cid::multihash::Multihash::<64>::wrap(SHA2_256, &digest)
        .expect("a 32-byte digest fits a 64-byte multihash");
    Cid::new_unchecked(cid::Cid::new_v1(DAG_CBOR_CODEC, hash).to_string())
}

/// Converts JSON of the data model (an object) to canonical DAG-CBOR.
pub fn json_to_cbor(json: &str) -> Result<Vec<u8>, Error> {
    let value = crate::json::parse::<serde_json::Value>(json)?.into_unchecked();
    Ok(encode(&value)?)
}

/// Converts DAG-CBOR of a data-model object to compact JSON (`$bytes`, `$link`).
pub fn cbor_to_json(bytes: &[u8]) -> Result<String, Error> {
    Ok(decode(bytes)?.to_string())
}

/// Decodes DAG-CBOR as `T` and validates it as `mode`'s validator would.
pub fn from_cbor_with<T: ShapeOwned + Validate>(mode: Mode, bytes: &[u8]) -> Result<T, Error> {
    Ok(decode::parse_with::<T>(mode, bytes)?.validate_with(mode)?)
}

/// Encodes a value as canonical DAG-CBOR.
pub fn to_cbor<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Error> {
    Ok(encode::to_vec(value)?)
}

/// DAG-CBOR for generated types (and any data-model value): decode and validate, encode, CID.
pub trait DagCbor: Sized {
    /// Decodes DAG-CBOR and validates it: `Ok` holds only values the schema allows, and the
    /// verdict is the one `from_json` gives on the same data.
    fn from_cbor(bytes: &[u8]) -> Result<Self, Error> {
        Self::from_cbor_with(Mode::Strict, bytes)
    }

    /// Decodes DAG-CBOR and validates it as `mode`'s validator would.
    fn from_cbor_with(mode: Mode, bytes: &[u8]) -> Result<Self, Error>;

    /// Encodes the value as canonical DAG-CBOR.
    fn to_cbor(&self) -> Result<Vec<u8>, Error>;

    /// The CID of the value's DAG-CBOR encoding, as a `strongRef` names a record.
    fn cid(&self) -> Result<Cid, Error> {
        self.to_cbor().map(|bytes| cid_of(&bytes))
    }
}

impl<T: Serialize + ShapeOwned + Validate> DagCbor for T {
    fn from_cbor_with(mode: Mode, bytes: &[u8]) -> Result<Self, Error> {
        from_cbor_with(mode, bytes)
    }

    fn to_cbor(&self) -> Result<Vec<u8>, Error> {
        to_cbor(self)
    }
}

/// DAG-CBOR bytes as an [`Input`] for a record set (`KnownRecord`).
#[derive(Debug, Clone, Copy)]
pub struct Cbor<'a>(pub &'a [u8]);

impl Input for Cbor<'_> {
    fn parse<T: ShapeOwned + Validate>(self, mode: Mode) -> Result<T, Error> {
        from_cbor_with(mode, self.0)
    }
}

/// `from_cbor` for record sets: `KnownRecord::from_cbor(collection, bytes)`.
pub trait DagCborRecords: RecordSet {
    /// Decodes and validates a record of `collection` (its NSID) from DAG-CBOR.
    fn from_cbor(collection: &str, bytes: &[u8]) -> Result<Self, Error> {
        Self::parse_record(Mode::Strict, collection, Cbor(bytes))
    }

    /// Decodes a record of `collection` and validates it as `mode`'s validator would.
    fn from_cbor_with(mode: Mode, collection: &str, bytes: &[u8]) -> Result<Self, Error> {
        Self::parse_record(mode, collection, Cbor(bytes))
    }
}

impl<T: RecordSet> DagCborRecords for T {}
