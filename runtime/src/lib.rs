//! Runtime support for Rust code generated from atproto Lexicon schemas by `lexicon-codegen`.
//!
//! This is the only dependency that generated code needs: it re-exports `serde` and
//! `serde_json`, and provides the Lexicon string formats as validated newtypes ([`Did`],
//! [`Datetime`], [`AtUri`], ...), the [`Validate`] trait with [`ValidationErrors`] that carry a
//! JSON path per violation, and [`Error`] for parsing.
//!
//! A value of a generated type obtained through this crate or serde has passed validation:
//! `from_json` checks every constraint and reports every violation, and `Deserialize` of a
//! generated type validates in strict mode (violations become the deserializer's error). To read
//! what the schema refuses, deserialize [`Unchecked<T>`] instead.
//!
//! The `dag-cbor` feature (off by default) adds the `cbor` module: strict DAG-CBOR decoding and
//! canonical encoding of generated types, JSON conversion of the data model, and record CIDs.
//!
//! Modules depend on each other in one direction, bottom to top: paths and error kinds
//! (`path`, `kind`, `error`) -> string syntax ([`formats`]) -> value types (`number`, `base64`,
//! `special`, [`data`]) and the Lexicon document model ([`lexicon`]) -> validation (`validate`,
//! `__private::check`) -> serde glue (`__private::de`, `__private::ser`, [`json`], [`query`],
//! [`record`], and [`dynamic`], which validates against lexicons read at run time) -> `cbor`.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

// Paths and error kinds.
pub mod cause;
mod error;
mod kind;
mod path;
// String syntax.
pub mod formats;
// Value types, and the document model.
mod base64;
pub mod data;
pub mod lexicon;
mod number;
mod special;
// Validation.
mod validate;
// Serde glue, and validation against lexicons read at run time.
pub mod dynamic;
pub mod json;
pub mod query;
pub mod record;
pub mod xrpc;
// Validation and serde helpers that generated code calls: `check`, `de`, `ser`.
#[doc(hidden)]
pub mod __private;
use __private::{check, de};
// Binary form.
#[cfg(feature = "dag-cbor")]
pub mod cbor;

pub use data::{Extra, Unknown};
pub use de::{ShapeOwned, Unchecked};
pub use error::{CborError, Error, Mode, ValidationError, ValidationErrors, Violation};
pub use formats::{
    AtIdentifier, AtUri, Cid, Datetime, Did, Format, FormatError, FormatKind, Handle, Language,
    Nsid, RecordKey, Tid, Uri,
};
pub use path::Path;
pub use serde;
pub use serde_json;
pub use special::{Blob, Bytes, CidLink};
pub use validate::Validate;
