//! The Lexicon string formats as validated newtypes.
//!
//! Each type's constructors (`new`, `FromStr`, `TryFrom`, and its own `Deserialize`) accept exactly
//! the strings that the strict atproto reference (`@atproto/lex-schema` in strict mode, as used by
//! the PDS) accepts for that format.

mod aturi;
mod cid;
mod clock;
mod datetime;
mod ident;
mod language;
mod lenient;
mod uri;

pub use aturi::is_valid_at_uri;
pub use cid::{is_valid_cid, parse_cid};
pub use datetime::is_valid_datetime;
pub use ident::{
    is_valid_at_identifier, is_valid_did, is_valid_handle, is_valid_nsid, is_valid_record_key,
    is_valid_tid,
};
pub use language::is_valid_language;
pub use uri::is_valid_uri;

use std::fmt;

pub use crate::kind::FormatKind;

impl FormatKind {
    /// Whether `s` is valid for this format as the lenient reference (`@atproto/lexicon` 0.7)
    /// decides: `datetime`, `language` and `cid` are more permissive; the others are the same.
    pub fn is_valid_lenient(self, s: &str) -> bool {
        match self {
            FormatKind::Datetime => is_valid_datetime(s) || lenient::is_iso_datestring(s),
            FormatKind::Language => lenient::is_bcp47(s),
            FormatKind::Cid => parse_cid(s).is_some(),
            other => other.is_valid(s),
        }
    }

    /// Whether `s` is a valid string of this format.
    pub fn is_valid(self, s: &str) -> bool {
        match self {
            FormatKind::AtIdentifier => is_valid_at_identifier(s),
            FormatKind::AtUri => is_valid_at_uri(s),
            FormatKind::Cid => is_valid_cid(s),
            FormatKind::Datetime => is_valid_datetime(s),
            FormatKind::Did => is_valid_did(s),
            FormatKind::Handle => is_valid_handle(s),
            FormatKind::Language => is_valid_language(s),
            FormatKind::Nsid => is_valid_nsid(s),
            FormatKind::RecordKey => is_valid_record_key(s),
            FormatKind::Tid => is_valid_tid(s),
            FormatKind::Uri => is_valid_uri(s),
        }
    }
}

/// Calls `$then!` with the name of every format type: the one list that the runtime's impls for
/// all of them (validation, shape-only reading) are made from.
macro_rules! for_each_format_type {
    ($then:ident) => {
        $then!(
            AtIdentifier,
            AtUri,
            Cid,
            Datetime,
            Did,
            Handle,
            Language,
            Nsid,
            RecordKey,
            Tid,
            Uri
        );
    };
}
pub(crate) use for_each_format_type;

/// A string that is not valid for the format it was meant to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatError {
    /// The format that was expected.
    pub format: FormatKind,
    /// The string that was refused.
    pub value: String,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {} string {:?}", self.format, self.value)
    }
}

impl std::error::Error for FormatError {}

/// A string newtype for one Lexicon format.
pub trait Format: Sized + AsRef<str> {
    /// The format this type holds.
    const KIND: FormatKind;

    /// Wraps `value` without checking it; [`Format::is_valid`] tells whether it is valid.
    fn new_unchecked(value: String) -> Self;

    /// Whether the held string is valid for the format.
    fn is_valid(&self) -> bool {
        Self::KIND.is_valid(self.as_ref())
    }
}

macro_rules! format_type {
    ($(#[$doc:meta])* $name:ident, $kind:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Checks `value` and wraps it, or says why it is not valid.
            pub fn new(value: impl Into<String>) -> Result<Self, FormatError> {
                let value = value.into();
                if FormatKind::$kind.is_valid(&value) {
                    Ok(Self(value))
                } else {
                    Err(FormatError { format: FormatKind::$kind, value })
                }
            }

            /// The string.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The string, by value.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl Format for $name {
            const KIND: FormatKind = FormatKind::$kind;

            fn new_unchecked(value: String) -> Self {
                Self(value)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = FormatError;

            fn from_str(s: &str) -> Result<Self, FormatError> {
                Self::new(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = FormatError;

            fn try_from(s: String) -> Result<Self, FormatError> {
                Self::new(s)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = FormatError;

            fn try_from(s: &str) -> Result<Self, FormatError> {
                Self::new(s)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::new(s).map_err(serde::de::Error::custom)
            }
        }

    };
}

format_type!(
    /// An `at-identifier`: a DID or a handle.
    AtIdentifier, AtIdentifier
);
format_type!(
    /// An `at-uri`: `at://` authority, optional collection and record key, optional fragment.
    AtUri, AtUri
);
impl AtUri {
    /// The parts after `at://`, without a query or fragment.
    fn path_parts(&self) -> impl Iterator<Item = &str> {
        let rest = &self.0["at://".len()..];
        let end = rest.find(['?', '#']).unwrap_or(rest.len());
        rest[..end].split('/')
    }

    /// The authority: the DID or handle of the repository (`did:plc:...`).
    pub fn authority(&self) -> &str {
        self.path_parts().next().unwrap_or_default()
    }

    /// The collection NSID (`dev.cocore.compute.job`), if the URI names one.
    pub fn collection(&self) -> Option<&str> {
        self.path_parts().nth(1).filter(|s| !s.is_empty())
    }

    /// The record key, if the URI names a record.
    pub fn rkey(&self) -> Option<&str> {
        self.path_parts().nth(2).filter(|s| !s.is_empty())
    }
}

format_type!(
    /// A `cid` string: a CIDv1 in base32 (`b...`) or a CIDv0 (`Qm...`).
    Cid, Cid
);
format_type!(
    /// A `datetime`: RFC 3339 with upper-case `T`, seconds and a timezone.
    Datetime, Datetime
);
format_type!(
    /// A `did`: `did:method:identifier`.
    Did, Did
);
format_type!(
    /// A `handle`: a domain name of two or more labels.
    Handle, Handle
);
format_type!(
    /// A `language`: a BCP 47 language tag.
    Language, Language
);
format_type!(
    /// An `nsid`: a namespaced identifier such as `app.bsky.feed.post`.
    Nsid, Nsid
);
format_type!(
    /// A `record-key`: 1 to 512 characters of `A-Za-z0-9._:~-`, not `.` or `..`.
    RecordKey, RecordKey
);
format_type!(
    /// A `tid`: 13 characters of base32-sortable.
    Tid, Tid
);
format_type!(
    /// A `uri`: a scheme, `:`, and a non-empty rest without whitespace.
    Uri, Uri
);
