//! The kinds of value that validation names in its errors: the Lexicon string formats.

use std::fmt;

/// A Lexicon string format, by its name in the schema (`"did"`, `"at-uri"`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum FormatKind {
    /// `at-identifier`: a DID or a handle.
    AtIdentifier,
    /// `at-uri`: an `at://` URI.
    AtUri,
    /// `cid`: a CID in string form.
    Cid,
    /// `datetime`: an RFC 3339 timestamp with timezone.
    Datetime,
    /// `did`: a decentralized identifier.
    Did,
    /// `handle`: a domain-name handle.
    Handle,
    /// `language`: a BCP 47 language tag.
    Language,
    /// `nsid`: a namespaced identifier.
    Nsid,
    /// `record-key`: a repository record key.
    RecordKey,
    /// `tid`: a timestamp identifier.
    Tid,
    /// `uri`: a generic URI.
    Uri,
}

impl FormatKind {
    /// Every format, in the order of their names.
    pub const ALL: [FormatKind; 11] = [
        FormatKind::AtIdentifier,
        FormatKind::AtUri,
        FormatKind::Cid,
        FormatKind::Datetime,
        FormatKind::Did,
        FormatKind::Handle,
        FormatKind::Language,
        FormatKind::Nsid,
        FormatKind::RecordKey,
        FormatKind::Tid,
        FormatKind::Uri,
    ];

    /// The format's name as written in a lexicon.
    pub fn name(self) -> &'static str {
        match self {
            FormatKind::AtIdentifier => "at-identifier",
            FormatKind::AtUri => "at-uri",
            FormatKind::Cid => "cid",
            FormatKind::Datetime => "datetime",
            FormatKind::Did => "did",
            FormatKind::Handle => "handle",
            FormatKind::Language => "language",
            FormatKind::Nsid => "nsid",
            FormatKind::RecordKey => "record-key",
            FormatKind::Tid => "tid",
            FormatKind::Uri => "uri",
        }
    }

    /// The name of the runtime type that holds strings of this format (`"AtUri"` for `at-uri`).
    pub fn type_name(self) -> &'static str {
        match self {
            FormatKind::AtIdentifier => "AtIdentifier",
            FormatKind::AtUri => "AtUri",
            FormatKind::Cid => "Cid",
            FormatKind::Datetime => "Datetime",
            FormatKind::Did => "Did",
            FormatKind::Handle => "Handle",
            FormatKind::Language => "Language",
            FormatKind::Nsid => "Nsid",
            FormatKind::RecordKey => "RecordKey",
            FormatKind::Tid => "Tid",
            FormatKind::Uri => "Uri",
        }
    }

    /// The format with this lexicon name, if there is one.
    pub fn from_name(name: &str) -> Option<FormatKind> {
        FormatKind::ALL.into_iter().find(|f| f.name() == name)
    }
}

impl fmt::Display for FormatKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
