//! Blobs: the current form `{"$type": "blob", "ref", "mimeType", "size"}` and the legacy
//! `{"cid", "mimeType"}`, read in one pass over the input, and the rules every blob follows.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Serialize, Serializer};
use serde_json::Value;

use super::{only_key, CidLink, LinkJson, RAW_CODEC};
use crate::error::{ValidationErrors, Violation};
use crate::formats::parse_cid;
use crate::number::{is_safe_integer, IntJson};
use crate::Path;

/// A blob reference: `{"$type": "blob", "ref": {"$link"}, "mimeType", "size"}`.
///
/// The legacy form `{"cid", "mimeType"}` is read too ([`Blob::is_legacy`], no size) and written
/// back as it was; strict validation refuses it, as the PDS does. [`Blob::new`] makes only
/// current, valid blobs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Blob {
    link: CidLink,
    mime_type: String,
    /// -1 for a legacy blob, which has none.
    size: i64,
    legacy: bool,
}

impl Blob {
    /// A blob of `size` bytes of type `mime_type` whose bytes have the CID `link` (a CIDv1 with
    /// the raw codec, as `com.atproto.repo.uploadBlob` returns). Every broken rule is reported.
    pub fn new(
        link: CidLink,
        mime_type: impl Into<String>,
        size: u64,
    ) -> Result<Self, ValidationErrors> {
        let blob = Blob {
            link,
            mime_type: mime_type.into(),
            size: i64::try_from(size).unwrap_or(i64::MAX),
            legacy: false,
        };
        let mut errors = ValidationErrors::new();
        blob.intrinsic_checks(&Path::ROOT, &mut errors);
        errors.into_result().map(|()| blob)
    }

    /// The CID of the blob's bytes.
    pub fn link(&self) -> &CidLink {
        &self.link
    }

    /// The MIME type.
    pub fn mime_type(&self) -> &str {
        &self.mime_type
    }

    /// The size in bytes; `None` for a legacy blob, which does not say.
    pub fn size(&self) -> Option<u64> {
        u64::try_from(self.size).ok().filter(|_| !self.legacy)
    }

    /// Whether this is a legacy `{cid, mimeType}` blob.
    pub fn is_legacy(&self) -> bool {
        self.legacy
    }

    /// The size as read, for the `maxSize` check (-1 for a legacy blob).
    pub(crate) fn raw_size(&self) -> i64 {
        self.size
    }

    /// Reads either JSON form checking the shape only (and, as the reference does while
    /// reading, that a legacy blob's `cid` is a CID), in one pass over the input.
    pub(crate) fn deserialize_shape<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(BlobVisitor)
    }

    /// The rules every blob follows, whatever its schema says: in strict mode a current blob
    /// with a raw-codec CIDv1, a MIME type with `/`, a size within 0..=2^53 − 1; in lenient
    /// mode a ref that parses as a CID.
    pub(crate) fn intrinsic_checks(&self, path: &Path<'_>, errors: &mut ValidationErrors) {
        if errors.is_lenient() {
            if parse_cid(&self.link.0).is_none() {
                errors.push(
                    &path.field("ref"),
                    Violation::InvalidCidLink {
                        value: self.link.0.clone(),
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
        let raw = parse_cid(&self.link.0)
            .is_some_and(|(version, codec)| version == 1 && codec == RAW_CODEC);
        // Paths as the reference gives them: the blob for its ref and size, `mimeType` below.
        if !raw {
            errors.push(
                path,
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
                path,
                Violation::InvalidBlob {
                    reason: "size must not be negative",
                },
            );
        }
        if !is_safe_integer(self.size) {
            errors.push(
                path,
                Violation::IntegerOutOfRange {
                    actual: self.size.to_string(),
                },
            );
        }
    }
}

/// The JSON form of a current blob, as written.
#[derive(Serialize)]
struct BlobJson {
    #[serde(rename = "$type")]
    kind: String,
    #[serde(rename = "ref", with = "link_string")]
    link: String,
    #[serde(rename = "mimeType")]
    mime_type: String,
    size: IntJson,
}

/// A blob's `ref` as `{"$link"}` around the CID string.
mod link_string {
    use serde::{Serialize, Serializer};

    pub fn serialize<S: Serializer>(link: &str, s: S) -> Result<S::Ok, S::Error> {
        super::LinkJson { link }.serialize(s)
    }
}

/// The JSON form of a legacy blob, as written.
#[derive(Serialize)]
struct LegacyBlobJson {
    cid: String,
    #[serde(rename = "mimeType")]
    mime_type: String,
}

impl Serialize for Blob {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.legacy {
            return LegacyBlobJson {
                cid: self.link.0.clone(),
                mime_type: self.mime_type.clone(),
            }
            .serialize(s);
        }
        BlobJson {
            kind: "blob".into(),
            link: self.link.0.clone(),
            mime_type: self.mime_type.clone(),
            size: IntJson(self.size),
        }
        .serialize(s)
    }
}

/// The properties a blob may have, in either form.
#[derive(Clone, Copy)]
enum Property {
    Type,
    Ref,
    MimeType,
    Size,
    Cid,
}

/// A key of a blob's object: one of its properties, or another key (which makes it invalid).
enum BlobKey {
    Known(Property),
    Other(String),
}

impl<'de> Deserialize<'de> for BlobKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;

        impl Visitor<'_> for KeyVisitor {
            type Value = BlobKey;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string key")
            }

            fn visit_str<E: de::Error>(self, key: &str) -> Result<BlobKey, E> {
                Ok(match key {
                    "$type" => BlobKey::Known(Property::Type),
                    "ref" => BlobKey::Known(Property::Ref),
                    "mimeType" => BlobKey::Known(Property::MimeType),
                    "size" => BlobKey::Known(Property::Size),
                    "cid" => BlobKey::Known(Property::Cid),
                    other => BlobKey::Other(other.to_owned()),
                })
            }
        }

        d.deserialize_identifier(KeyVisitor)
    }
}

/// A property's value as read: a string, a `{"$link": string}`, or other JSON. Which form the
/// blob has, and so what each value must be, shows only once every key is read, so values
/// are kept as they came and their types checked at the end: a wrong one is an error about
/// the blob, with the message the JSON value would get (as when blobs were read through
/// `serde_json::Value`). A key given twice keeps its last value, as `JSON.parse` does.
enum Slot {
    Text(String),
    Link(String),
    Json(Value),
}

impl Slot {
    /// The value as JSON.
    fn into_value(self) -> Value {
        match self {
            Slot::Text(text) => Value::String(text),
            Slot::Link(cid) => serde_json::json!({ "$link": cid }),
            Slot::Json(value) => value,
        }
    }

    /// A string property.
    fn text<E: de::Error>(self) -> Result<String, E> {
        match self {
            Slot::Text(text) => Ok(text),
            other => String::deserialize(other.into_value()).map_err(E::custom),
        }
    }

    /// The `ref`: `{"$link": cid}`.
    fn link<E: de::Error>(self) -> Result<String, E> {
        match self {
            Slot::Link(cid) => Ok(cid),
            other => only_key(other.into_value(), "$link").map_err(E::custom),
        }
    }

    /// The `size`: an integer.
    fn size<E: de::Error>(self) -> Result<i64, E> {
        IntJson::deserialize(self.into_value())
            .map(|size| size.0)
            .map_err(E::custom)
    }
}

impl<'de> Deserialize<'de> for Slot {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(SlotVisitor)
    }
}

/// Reads a [`Slot`]: any JSON value, strings and links without building a [`Value`].
struct SlotVisitor;

impl<'de> Visitor<'de> for SlotVisitor {
    type Value = Slot;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Slot, E> {
        Ok(Slot::Text(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Slot, E> {
        Ok(Slot::Text(v))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Slot, E> {
        Ok(Slot::Json(Value::Bool(v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Slot, E> {
        Ok(Slot::Json(Value::from(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Slot, E> {
        Ok(Slot::Json(Value::from(v)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Slot, E> {
        Ok(Slot::Json(
            serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number),
        ))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Slot, E> {
        Ok(Slot::Json(Value::Null))
    }

    fn visit_none<E: de::Error>(self) -> Result<Slot, E> {
        Ok(Slot::Json(Value::Null))
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Slot, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Slot, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Value>()? {
            items.push(item);
        }
        Ok(Slot::Json(Value::Array(items)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Slot, A::Error> {
        let mut object = serde_json::Map::new();
        let Some(first) = map.next_key::<String>()? else {
            return Ok(Slot::Json(Value::Object(object)));
        };
        let value = map.next_value::<Value>()?;
        match (first.as_str(), value) {
            ("$link", Value::String(cid)) => match map.next_key::<String>()? {
                None => return Ok(Slot::Link(cid)),
                Some(second) => {
                    object.insert(first, Value::String(cid));
                    let value = map.next_value::<Value>()?;
                    object.insert(second, value);
                }
            },
            (_, value) => {
                object.insert(first, value);
            }
        }
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value::<Value>()?;
            object.insert(key, value);
        }
        Ok(Slot::Json(Value::Object(object)))
    }
}

/// The properties of a current blob and of a legacy one.
const BLOB_FIELDS: &[&str] = &["$type", "ref", "mimeType", "size"];
const LEGACY_BLOB_FIELDS: &[&str] = &["cid", "mimeType"];

/// Reads a blob in either form: every key first, then the form (a legacy blob has `cid`) and
/// what its properties must be.
struct BlobVisitor;

impl<'de> Visitor<'de> for BlobVisitor {
    type Value = Blob;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(r#"a blob ({"$type": "blob", "ref", "mimeType", "size"})"#)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Blob, A::Error> {
        use de::Error;
        let mut slots: [Option<Slot>; 5] = Default::default();
        let mut undeclared: Option<String> = None;
        while let Some(key) = map.next_key::<BlobKey>()? {
            match key {
                BlobKey::Known(property) => slots[property as usize] = Some(map.next_value()?),
                BlobKey::Other(key) => {
                    undeclared.get_or_insert(key);
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        let [kind, link, mime_type, size, cid] = slots;
        let required = |slot: Option<Slot>, name: &'static str| {
            slot.ok_or_else(|| A::Error::missing_field(name))
        };
        if let Some(cid) = cid {
            // A legacy blob: `cid` and `mimeType`, nothing else.
            let other = [(&kind, "$type"), (&link, "ref"), (&size, "size")]
                .into_iter()
                .find_map(|(slot, name)| slot.as_ref().map(|_| name));
            if let Some(key) = undeclared.as_deref().or(other) {
                return Err(A::Error::unknown_field(key, LEGACY_BLOB_FIELDS));
            }
            let cid = cid.text()?;
            let mime_type = required(mime_type, "mimeType")?.text()?;
            if parse_cid(&cid).is_none() {
                return Err(A::Error::custom(format_args!(
                    "legacy blob cid is not a CID: {cid:?}"
                )));
            }
            return Ok(Blob {
                link: CidLink(cid),
                mime_type,
                size: -1,
                legacy: true,
            });
        }
        if let Some(key) = undeclared {
            return Err(A::Error::unknown_field(&key, BLOB_FIELDS));
        }
        let kind = required(kind, "$type")?.text()?;
        let link = required(link, "ref")?.link()?;
        let mime_type = required(mime_type, "mimeType")?.text()?;
        let size = required(size, "size")?.size()?;
        if kind != "blob" {
            return Err(A::Error::custom(format_args!(
                "wrong $type for a blob: {kind:?}"
            )));
        }
        Ok(Blob {
            link: CidLink(link),
            mime_type,
            size,
            legacy: false,
        })
    }
}
