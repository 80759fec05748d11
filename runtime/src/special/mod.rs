//! The data model's special objects: `{"$link"}` CID links, `{"$bytes"}` bytes, and blobs.
//!
//! Their JSON forms are read here checking the shape only; the checks of their contents
//! (`intrinsic_*`) are here too, so that constructors and validation apply the same rules.
//! Blobs, which have two forms and the most rules, are in [`blob`].

mod blob;

pub use blob::Blob;

use std::fmt;

use serde::{Deserializer, Serialize, Serializer};

use crate::base64;
use crate::formats::{parse_cid, FormatError, FormatKind};

/// The multicodec of raw binary data, which blob refs must use.
const RAW_CODEC: u64 = 0x55;

/// The longest CID string a link may hold, as the reference decides.
const MAX_LINK_LEN: usize = 2048;

/// A `cid-link`: `{"$link": "<cid>"}` in JSON. Any CID that parses is valid (v0 or v1, any codec).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CidLink(String);

impl CidLink {
    /// Checks that `cid` is a CID (v0 or v1, any codec, at most 2,048 characters) and wraps it.
    pub fn new(cid: impl Into<String>) -> Result<Self, FormatError> {
        let cid = cid.into();
        if is_valid_link(&cid) {
            Ok(CidLink(cid))
        } else {
            Err(FormatError {
                format: FormatKind::Cid,
                value: cid,
            })
        }
    }

    /// The CID string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The CID string, by value.
    pub fn into_string(self) -> String {
        self.0
    }

    /// Reads `{"$link"}` checking the shape only.
    pub(crate) fn deserialize_shape<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        only_key(d, "$link").map(CidLink)
    }

    /// Whether the held string is a CID a link may hold.
    pub(crate) fn is_valid(&self) -> bool {
        is_valid_link(&self.0)
    }
}

fn is_valid_link(cid: &str) -> bool {
    !cid.is_empty() && cid.len() <= MAX_LINK_LEN && parse_cid(cid).is_some()
}

impl fmt::Debug for CidLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CidLink({:?})", self.0)
    }
}

impl fmt::Display for CidLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for CidLink {
    type Err = FormatError;

    fn from_str(s: &str) -> Result<Self, FormatError> {
        CidLink::new(s)
    }
}

impl From<crate::Cid> for CidLink {
    fn from(cid: crate::Cid) -> Self {
        CidLink(cid.into_string())
    }
}

/// Reads `{"<key>": "<string>"}` and nothing else. Errors are the object's (a wrong key is a
/// wrong object, as the reference reports it), not its keys'.
fn only_key<'de, D: Deserializer<'de>>(d: D, key: &'static str) -> Result<String, D::Error> {
    struct OnlyKey(&'static str);

    impl<'de> serde::de::Visitor<'de> for OnlyKey {
        type Value = String;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "an object with one string property `{}`", self.0)
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<String, A::Error> {
            let wrong = || serde::de::Error::invalid_type(serde::de::Unexpected::Map, &self);
            let Some(k) = map.next_key::<String>()? else {
                return Err(wrong());
            };
            if k != self.0 {
                return Err(wrong());
            }
            let value: String = map.next_value()?;
            match map.next_key::<String>()? {
                None => Ok(value),
                Some(_) => Err(wrong()),
            }
        }
    }

    d.deserialize_map(OnlyKey(key))
}

#[derive(Serialize)]
struct LinkJson<S> {
    #[serde(rename = "$link")]
    link: S,
}

impl Serialize for CidLink {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        LinkJson { link: &self.0 }.serialize(s)
    }
}

/// `bytes`: `{"$bytes": "<base64>"}` in JSON. Any bytes are valid.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Bytes(pub Vec<u8>);

/// The name under which [`Bytes`] asks a deserializer for a newtype: the DAG-CBOR
/// deserializer answers with the byte string as it is; any other (JSON) with the
/// `{"$bytes": "<base64>"}` object, which is read and decoded.
pub(crate) const BYTES_TOKEN: &str = "$lexicon_runtime::Bytes";

impl Bytes {
    /// Reads bytes: a DAG-CBOR byte string as it is, or `{"$bytes"}` checking the shape (and
    /// the base64) only.
    pub(crate) fn deserialize_shape<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Raw;

        impl<'de> serde::de::Visitor<'de> for Raw {
            type Value = Bytes;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("bytes: an object with one string property `$bytes`")
            }

            fn visit_bytes<E: serde::de::Error>(self, bytes: &[u8]) -> Result<Bytes, E> {
                Ok(Bytes(bytes.to_vec()))
            }

            fn visit_byte_buf<E: serde::de::Error>(self, bytes: Vec<u8>) -> Result<Bytes, E> {
                Ok(Bytes(bytes))
            }

            fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Bytes, D::Error> {
                let text = only_key(d, "$bytes")?;
                base64::decode(&text).map(Bytes).ok_or_else(|| {
                    serde::de::Error::custom(format_args!("invalid base64 in $bytes: {text:?}"))
                })
            }
        }

        d.deserialize_newtype_struct(BYTES_TOKEN, Raw)
    }
}

impl From<Vec<u8>> for Bytes {
    fn from(bytes: Vec<u8>) -> Self {
        Bytes(bytes)
    }
}

impl AsRef<[u8]> for Bytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Bytes({})", base64::encode(&self.0))
    }
}

#[derive(Serialize)]
struct BytesJson<S> {
    #[serde(rename = "$bytes")]
    bytes: S,
}

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        BytesJson {
            bytes: base64::encode(&self.0),
        }
        .serialize(s)
    }
}

/// Whether `mime` matches one of `accept` (`*/*`, exact, or `type/*`), as the reference decides.
pub fn mime_matches(mime: &str, accept: &[&str]) -> bool {
    accept.iter().any(|a| {
        *a == "*/*"
            || *a == mime
            || a.strip_suffix('*')
                .is_some_and(|prefix| prefix.ends_with('/') && mime.starts_with(prefix))
    })
}
