//! The data model's special objects: `{"$link"}` CID links, `{"$bytes"}` bytes, and blobs.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{ValidationErrors, Violation};
use crate::formats::parse_cid;
use crate::{base64, Path, Validate};

/// The multicodec of raw binary data, which blob refs must use.
const RAW_CODEC: u64 = 0x55;

/// A `cid-link`: `{"$link": "<cid>"}` in JSON. Any CID that parses is valid (v0 or v1, any codec).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CidLink(pub String);

impl CidLink {
    /// The CID string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CidLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CidLink({:?})", self.0)
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkJson<S> {
    #[serde(rename = "$link")]
    link: S,
}

impl Serialize for CidLink {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        LinkJson { link: &self.0 }.serialize(s)
    }
}

impl<'de> Deserialize<'de> for CidLink {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        LinkJson::<String>::deserialize(d).map(|l| CidLink(l.link))
    }
}

impl Validate for CidLink {
    fn validate_at(&self, path: &Path<'_>, errors: &mut ValidationErrors) {
        if self.0.is_empty() || self.0.len() > 2048 || parse_cid(&self.0).is_none() {
            errors.push(
                path,
                Violation::InvalidCidLink {
                    value: self.0.clone(),
                },
            );
        }
    }
}

/// `bytes`: `{"$bytes": "<base64>"}` in JSON.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Bytes(pub Vec<u8>);

impl fmt::Debug for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Bytes({})", base64::encode(&self.0))
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let b = BytesJson::<String>::deserialize(d)?;
        base64::decode(&b.bytes).map(Bytes).ok_or_else(|| {
            serde::de::Error::custom(format_args!("invalid base64 in $bytes: {:?}", b.bytes))
        })
    }
}

impl Validate for Bytes {
    fn validate_at(&self, _: &Path<'_>, _: &mut ValidationErrors) {}
}

/// A blob reference: `{"$type": "blob", "ref": {"$link"}, "mimeType", "size"}`. The legacy form
/// `{"cid", "mimeType"}` is read too (`legacy` set, `size` -1) and written back as it was; strict
/// validation refuses it, as the PDS does.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Blob {
    /// The CID of the blob's bytes (raw codec).
    pub r#ref: CidLink,
    /// The MIME type.
    pub mime_type: String,
    /// The size in bytes (-1 for a legacy blob, which has none).
    pub size: i64,
    /// Whether this is a legacy `{cid, mimeType}` blob.
    pub legacy: bool,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BlobJson {
    #[serde(rename = "$type")]
    kind: String,
    #[serde(rename = "ref")]
    link: CidLink,
    #[serde(rename = "mimeType")]
    mime_type: String,
    size: crate::de::IntJson,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LegacyBlobJson {
    cid: String,
    #[serde(rename = "mimeType")]
    mime_type: String,
}

impl Serialize for Blob {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.legacy {
            return LegacyBlobJson {
                cid: self.r#ref.0.clone(),
                mime_type: self.mime_type.clone(),
            }
            .serialize(s);
        }
        BlobJson {
            kind: "blob".into(),
            link: self.r#ref.clone(),
            mime_type: self.mime_type.clone(),
            size: crate::de::IntJson(self.size),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Blob {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        if value.get("cid").is_some() {
            let b: LegacyBlobJson =
                serde_json::from_value(value).map_err(serde::de::Error::custom)?;
            // The reference refuses a legacy blob whose `cid` is not a CID while reading it.
            if parse_cid(&b.cid).is_none() {
                return Err(serde::de::Error::custom(format_args!(
                    "legacy blob cid is not a CID: {:?}",
                    b.cid
                )));
            }
            return Ok(Blob {
                r#ref: CidLink(b.cid),
                mime_type: b.mime_type,
                size: -1,
                legacy: true,
            });
        }
        let b: BlobJson = serde_json::from_value(value).map_err(serde::de::Error::custom)?;
        if b.kind != "blob" {
            return Err(serde::de::Error::custom(format_args!(
                "wrong $type for a blob: {:?}",
                b.kind
            )));
        }
        Ok(Blob {
            r#ref: b.link,
            mime_type: b.mime_type,
            size: b.size.0,
            legacy: false,
        })
    }
}

impl Validate for Blob {
    fn validate_at(&self, path: &Path<'_>, errors: &mut ValidationErrors) {
        if errors.is_lenient() {
            if parse_cid(&self.r#ref.0).is_none() {
                errors.push(
                    &path.field("ref"),
                    Violation::InvalidCidLink {
                        value: self.r#ref.0.clone(),
                    },
                );
            }
            return;
        }
        if self.legacy {
            errors.push(
                path,
                Violation::InvalidBlob {
                    reason: "legacy {cid, mimeType} blobs are refused",
                },
            );
            return;
        }
        let raw = parse_cid(&self.r#ref.0)
            .is_some_and(|(version, codec)| version == 1 && codec == RAW_CODEC);
        if !raw {
            errors.push(
                &path.field("ref"),
                Violation::InvalidBlob {
                    reason: "ref must be a CIDv1 with the raw codec",
                },
            );
        }
        if !self.mime_type.contains('/') {
            errors.push(
                &path.field("mimeType"),
                Violation::InvalidBlob {
                    reason: "mimeType must contain `/`",
                },
            );
        }
        if self.size < 0 {
            errors.push(
                &path.field("size"),
                Violation::InvalidBlob {
                    reason: "size must not be negative",
                },
            );
        }
        crate::check::safe_integer(self.size, &path.field("size"), errors);
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
