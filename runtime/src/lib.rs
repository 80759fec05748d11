//! Runtime support for Rust code generated from atproto Lexicon schemas by `lexicon-codegen`.
//!
//! This is the only dependency that generated code needs: it re-exports `serde` and
//! `serde_json`, and provides the Lexicon string formats as validated newtypes ([`Did`],
//! [`Datetime`], [`AtUri`], ...), the [`Validate`] trait with [`ValidationErrors`] that carry a
//! JSON path per violation, and [`Error`] for parsing.
//!
//! The `dag-cbor` feature (off by default) adds the `cbor` module: strict DAG-CBOR decoding and
//! canonical encoding of generated types, JSON conversion of the data model, and record CIDs.

#![deny(missing_docs)]

mod base64;
#[cfg(feature = "dag-cbor")]
pub mod cbor;
pub mod check;
pub mod data;
#[doc(hidden)]
pub mod de;
mod error;
pub mod formats;
pub mod json;
mod path;
pub mod query;
pub mod record;
#[doc(hidden)]
pub mod ser;
mod special;

pub use data::{Extra, Unknown};
pub use error::{CborError, Error, Mode, ValidationError, ValidationErrors, Violation};
pub use formats::{
    AtIdentifier, AtUri, Cid, Datetime, Did, Format, FormatError, FormatKind, Handle, Language,
    Nsid, RecordKey, Tid, Uri,
};
pub use path::Path;
pub use serde;
pub use serde_json;
pub use special::{Blob, Bytes, CidLink};

/// A value that can check itself against the constraints of its Lexicon schema.
pub trait Validate {
    /// Pushes every violation in this value, with paths below `path`, onto `errors`.
    fn validate_at(&self, path: &Path<'_>, errors: &mut ValidationErrors);

    /// Checks the value and returns every violation, each with its JSON path.
    fn validate(&self) -> Result<(), ValidationErrors> {
        self.validate_with(Mode::Strict)
    }

    /// Checks the value as `mode`'s validator would.
    fn validate_with(&self, mode: Mode) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::with_mode(mode);
        self.validate_at(&Path::ROOT, &mut errors);
        errors.into_result()
    }
}

impl<T: Validate> Validate for Option<T> {
    fn validate_at(&self, path: &Path<'_>, errors: &mut ValidationErrors) {
        if let Some(v) = self {
            v.validate_at(path, errors);
        }
    }
}

impl<T: Validate> Validate for Box<T> {
    fn validate_at(&self, path: &Path<'_>, errors: &mut ValidationErrors) {
        (**self).validate_at(path, errors);
    }
}

impl<T: Validate> Validate for Vec<T> {
    fn validate_at(&self, path: &Path<'_>, errors: &mut ValidationErrors) {
        for (i, v) in self.iter().enumerate() {
            v.validate_at(&path.index(i), errors);
        }
    }
}

impl Validate for i64 {
    fn validate_at(&self, path: &Path<'_>, errors: &mut ValidationErrors) {
        check::safe_integer(*self, path, errors);
    }
}

impl Validate for serde_json::Value {
    fn validate_at(&self, path: &Path<'_>, errors: &mut ValidationErrors) {
        data::check_value(self, path, errors);
    }
}

impl Validate for String {
    fn validate_at(&self, _: &Path<'_>, _: &mut ValidationErrors) {}
}

impl Validate for bool {
    fn validate_at(&self, _: &Path<'_>, _: &mut ValidationErrors) {}
}
