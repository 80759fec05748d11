//! Validation violations and the error type of parsing and validating.

use std::fmt;

use crate::kind::FormatKind;

/// What is wrong with one value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
#[allow(missing_docs)] // the fields are named for what they hold: limits and actual values
pub enum Violation {
    /// A string has more UTF-8 bytes than `maxLength`.
    StringTooLong { max: u64, actual: u64 },
    /// A string has fewer UTF-8 bytes than `minLength`.
    StringTooShort { min: u64, actual: u64 },
    /// A string has more grapheme clusters than `maxGraphemes`.
    TooManyGraphemes { max: u64, actual: u64 },
    /// A string has fewer grapheme clusters than `minGraphemes`.
    TooFewGraphemes { min: u64, actual: u64 },
    /// A string is not valid for its `format`.
    Format { format: FormatKind, value: String },
    /// A value is not one of the schema's `enum` values.
    NotInEnum { allowed: String, actual: String },
    /// A value differs from the schema's `const`.
    ConstMismatch { expected: String, actual: String },
    /// An integer is above `maximum`.
    IntegerTooBig { max: i64, actual: i64 },
    /// An integer is below `minimum`.
    IntegerTooSmall { min: i64, actual: i64 },
    /// An integer is outside ±(2^53 − 1), the range atproto data allows.
    IntegerOutOfRange { actual: String },
    /// A number has a fractional part; atproto data has integers only.
    NotAnInteger { actual: String },
    /// An array has more items than `maxLength`.
    TooManyItems { max: u64, actual: u64 },
    /// An array has fewer items than `minLength`.
    TooFewItems { min: u64, actual: u64 },
    /// Bytes longer than `maxLength`.
    BytesTooLong { max: u64, actual: u64 },
    /// Bytes shorter than `minLength`.
    BytesTooShort { min: u64, actual: u64 },
    /// A `$link` that is not a CID.
    InvalidCidLink { value: String },
    /// A blob ref that is malformed.
    InvalidBlob { reason: &'static str },
    /// A blob whose MIME type is not accepted.
    BlobMimeType { accept: String, actual: String },
    /// A blob larger than `maxSize`.
    BlobTooBig { max: u64, actual: i64 },
    /// An `unknown` value that is not an object (bytes and CID links are not objects).
    NotAnObject { found: &'static str },
    /// A `$type` on an object that names another type.
    WrongType { expected: String, actual: String },
    /// A required property was not set (when building a value in Rust).
    MissingProperty,
    /// A value that does not have the shape its schema describes, in words: a value of another
    /// kind (`expected bytes ({"$bytes": "<base64>"}), got a string ("MII…")`), `null` where the
    /// property is not nullable, a missing required property, a `$type` a closed union does not
    /// list.
    WrongShape {
        /// What is wrong, in Lexicon's words.
        message: String,
    },
}

/// `noun`, with an `s` unless `n` is 1.
fn noun(n: u64, noun: &str) -> String {
    if n == 1 {
        noun.to_owned()
    } else {
        format!("{noun}s")
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::StringTooLong { max, actual } => {
                write!(
                    f,
                    "string too long: expected at most {} UTF-8 {}, got {actual}",
                    max,
                    noun(*max, "byte")
                )
            }
            Violation::StringTooShort { min, actual } => {
                write!(
                    f,
                    "string too short: expected at least {} UTF-8 {}, got {actual}",
                    min,
                    noun(*min, "byte")
                )
            }
            Violation::TooManyGraphemes { max, actual } => {
                write!(
                    f,
                    "string too long: expected at most {} {}, got {actual}",
                    max,
                    noun(*max, "grapheme")
                )
            }
            Violation::TooFewGraphemes { min, actual } => {
                write!(
                    f,
                    "string too short: expected at least {} {}, got {actual}",
                    min,
                    noun(*min, "grapheme")
                )
            }
            Violation::Format { format, value } => {
                let article = if format.name().starts_with("at-") {
                    "an"
                } else {
                    "a"
                };
                write!(
                    f,
                    "invalid {format}: expected {article} {format} string, got {value:?}"
                )
            }
            Violation::NotInEnum { allowed, actual } => {
                write!(
                    f,
                    "value not allowed: expected one of {allowed}, got {actual}"
                )
            }
            Violation::ConstMismatch { expected, actual } => {
                write!(f, "wrong constant: expected {expected}, got {actual}")
            }
            Violation::IntegerTooBig { max, actual } => {
                write!(f, "integer too big: expected at most {max}, got {actual}")
            }
            Violation::IntegerTooSmall { min, actual } => {
                write!(
                    f,
                    "integer too small: expected at least {min}, got {actual}"
                )
            }
            Violation::IntegerOutOfRange { actual } => {
                write!(
                    f,
                    "integer out of range: expected within ±(2^53 - 1), got {actual}"
                )
            }
            Violation::NotAnInteger { actual } => {
                write!(f, "not an integer: expected a whole number, got {actual}")
            }
            Violation::TooManyItems { max, actual } => {
                write!(
                    f,
                    "array too long: expected at most {} {}, got {actual}",
                    max,
                    noun(*max, "item")
                )
            }
            Violation::TooFewItems { min, actual } => {
                write!(
                    f,
                    "array too short: expected at least {} {}, got {actual}",
                    min,
                    noun(*min, "item")
                )
            }
            Violation::BytesTooLong { max, actual } => {
                write!(
                    f,
                    "bytes too long: expected at most {} {}, got {actual}",
                    max,
                    noun(*max, "byte")
                )
            }
            Violation::BytesTooShort { min, actual } => {
                write!(
                    f,
                    "bytes too short: expected at least {} {}, got {actual}",
                    min,
                    noun(*min, "byte")
                )
            }
            Violation::InvalidCidLink { value } => write!(f, "invalid CID link: {value:?}"),
            Violation::InvalidBlob { reason } => write!(f, "invalid blob: {reason}"),
            Violation::BlobMimeType { accept, actual } => {
                write!(
                    f,
                    "blob type not accepted: expected one of {accept}, got {actual:?}"
                )
            }
            Violation::BlobTooBig { max, actual } => {
                write!(
                    f,
                    "blob too big: expected at most {} {}, got {actual}",
                    max,
                    noun(*max, "byte")
                )
            }
            Violation::NotAnObject { found } => write!(f, "expected an object, found {found}"),
            Violation::MissingProperty => f.write_str("missing required property"),
            Violation::WrongShape { message } => f.write_str(message),
            Violation::WrongType { expected, actual } => {
                write!(f, "wrong $type: expected {expected:?}, got {actual}")
            }
        }
    }
}

/// One violation and the JSON path of the value it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// JSON path of the value, such as `$.priceCeiling.amount`.
    pub path: String,
    /// What is wrong with it.
    pub violation: Violation,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.violation)
    }
}

/// Which validator's verdicts to reproduce.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Mode {
    /// The strict reference (`@atproto/lex`, what the PDS runs on writes). The default.
    #[default]
    Strict,
    /// The older, lenient reference (`@atproto/lexicon` 0.7): lenient datetimes and language
    /// tags, any CID that parses, blob `accept`/`maxSize` and codec not checked, legacy blobs,
    /// `unknown` may be an array, bytes or a link, integers not bounded to 2^53, no data-model
    /// checks of undeclared fields, a `$type` on a referenced object ignored. For indexers
    /// reading old data.
    Lenient,
}

/// Every violation found in one value, in document order, and the [`Mode`] being checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationErrors(Vec<ValidationError>, Mode);

impl ValidationErrors {
    /// No violations yet, checking in strict mode.
    pub fn new() -> Self {
        Self(Vec::new(), Mode::Strict)
    }

    /// No violations yet, checking in `mode`.
    pub fn with_mode(mode: Mode) -> Self {
        Self(Vec::new(), mode)
    }

    /// The mode being checked.
    pub fn mode(&self) -> Mode {
        self.1
    }

    /// Whether checking in lenient mode.
    pub fn is_lenient(&self) -> bool {
        self.1 == Mode::Lenient
    }

    /// Records a violation at `path`.
    #[cold]
    pub fn push(&mut self, path: &crate::Path<'_>, violation: Violation) {
        self.0.push(ValidationError {
            path: path.to_string(),
            violation,
        });
    }

    /// Records a violation at a path given as text.
    #[cold]
    pub(crate) fn push_at(&mut self, path: String, violation: Violation) {
        self.0.push(ValidationError { path, violation });
    }

    /// Whether no violation was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many violations were recorded.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The violations.
    pub fn iter(&self) -> std::slice::Iter<'_, ValidationError> {
        self.0.iter()
    }

    /// The JSON paths of the violations, in order.
    pub fn paths(&self) -> Vec<&str> {
        self.0.iter().map(|e| e.path.as_str()).collect()
    }

    /// `Ok(())` when empty, otherwise `Err(self)`.
    pub fn into_result(self) -> Result<(), ValidationErrors> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

impl IntoIterator for ValidationErrors {
    type Item = ValidationError;
    type IntoIter = std::vec::IntoIter<ValidationError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a ValidationErrors {
    type Item = &'a ValidationError;
    type IntoIter = std::slice::Iter<'a, ValidationError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// One line: the first violation, and how many more there are. With `{:#}`, every violation,
/// one per line: `2 violations:\n  $.a: ...\n  $.b: ...`.
impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        let plural = if n == 1 { "" } else { "s" };
        if f.alternate() {
            write!(f, "{n} violation{plural}:")?;
            for e in &self.0 {
                write!(f, "\n  {e}")?;
            }
            return Ok(());
        }
        match self.0.first() {
            None => f.write_str("no violations"),
            Some(first) if n == 1 => write!(f, "{first}"),
            Some(first) => {
                let more = n - 1;
                let plural = if more == 1 { "" } else { "s" };
                write!(f, "{first} (and {more} more violation{plural})")
            }
        }
    }
}

impl std::error::Error for ValidationErrors {}

impl std::error::Error for ValidationError {}

/// Why a value was refused by `from_json`, `KnownRecord::from_json` or `validate_record_key`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The JSON does not have the shape the schema describes (syntax, a wrong type, a missing
    /// required property, `null` where not nullable, a wrong `$type`), at `path`.
    Parse {
        /// JSON path where parsing stopped.
        path: String,
        /// What the parser expected.
        message: String,
    },
    /// The JSON has the right shape but breaks constraints of the schema.
    Invalid(ValidationErrors),
    /// The collection NSID names no record type known to the generated code.
    UnknownCollection(String),
    /// The definition reference names no definition known to the generated code.
    UnknownDefinition(String),
    /// The bytes are not DAG-CBOR of the atproto data model, or the value cannot be encoded as
    /// such (with the `dag-cbor` feature).
    Cbor(CborError),
    /// The record key is not valid for the record type's key type.
    InvalidRecordKey {
        /// The record collection.
        collection: String,
        /// The refused key.
        rkey: String,
        /// What the record's `key` requires, such as `tid` or `literal:self`.
        expected: String,
    },
}

impl Error {
    /// The JSON paths this error names: each violation's, or where parsing or decoding
    /// stopped; none for an unknown collection or definition or a record key.
    pub fn paths(&self) -> Vec<&str> {
        match self {
            Error::Invalid(errors) => errors.paths(),
            Error::Parse { path, .. } => vec![path.as_str()],
            Error::Cbor(e) => vec![e.path.as_str()],
            _ => Vec::new(),
        }
    }

    /// The constraint violations, when the value had the right shape but broke constraints.
    pub fn violations(&self) -> Option<&ValidationErrors> {
        match self {
            Error::Invalid(errors) => Some(errors),
            _ => None,
        }
    }
}

/// One line; with `{:#}`, violations are listed one per line. The message is complete on its
/// own (it is that of the violations or the CBOR error); [`std::error::Error::source`] gives
/// those as values too, so code holding a `dyn Error` can reach them by downcasting.
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Parse { path, message } => write!(f, "{path}: {message}"),
            Error::Invalid(errors) => fmt::Display::fmt(errors, f),
            Error::Cbor(e) => fmt::Display::fmt(e, f),
            Error::UnknownCollection(c) => write!(f, "unknown record collection {c:?}"),
            Error::UnknownDefinition(d) => write!(f, "unknown lexicon definition {d:?}"),
            Error::InvalidRecordKey {
                collection,
                rkey,
                expected,
            } => {
                write!(
                    f,
                    "invalid record key {rkey:?} for {collection}: expected {expected}"
                )
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Invalid(errors) => Some(errors),
            Error::Cbor(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ValidationErrors> for Error {
    fn from(e: ValidationErrors) -> Self {
        Error::Invalid(e)
    }
}

impl From<CborError> for Error {
    fn from(e: CborError) -> Self {
        Error::Cbor(e)
    }
}

/// Why bytes are not DAG-CBOR of the atproto data model, or why a value cannot be encoded as it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CborError {
    pub(crate) path: String,
    pub(crate) offset: Option<usize>,
    pub(crate) message: String,
}

impl CborError {
    /// JSON path of the value at fault (`$` for the whole input).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Byte offset in the input where decoding stopped; `None` for encoding errors.
    pub fn offset(&self) -> Option<usize> {
        self.offset
    }

    /// What was wrong.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for CborError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)?;
        if let Some(offset) = self.offset {
            write!(f, " (at byte {offset})")?;
        }
        Ok(())
    }
}

impl std::error::Error for CborError {}
