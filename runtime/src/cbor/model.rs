//! The data model's rules on a map, shared by the reader and the writer: what `$type` may be, and
//! what a blob (`"$type": "blob"`) must hold. Both sides judge values by their encoding: a link
//! starts with tag 42, a string has major type 3, an integer major type 0 or 1. And the canonical
//! order of map keys.

use std::cmp::Ordering;

/// Checks a `$type` value (its text, when it is a string); says whether it makes the map a blob.
pub(super) fn type_is_blob(text: Option<&str>) -> Result<bool, String> {
    match text {
        None => Err("`$type` must be a string".into()),
        Some("") => Err("`$type` must not be empty".into()),
        Some(t) => Ok(t == "blob"),
    }
}

/// What a map holds of a blob's properties, checked when its `$type` is `"blob"`.
#[derive(Default)]
pub(super) struct BlobShape<'a> {
    /// Whether the map's `$type` is `"blob"`.
    pub(super) is_blob: bool,
    other_key: Option<&'a str>,
    link_ref: Option<bool>,
    text_mime: Option<bool>,
    int_size: Option<bool>,
}

impl<'a> BlobShape<'a> {
    /// Notes one entry other than `$type`: its key, and its value's encoding (at least its start).
    pub(super) fn note(&mut self, key: &'a str, value: &[u8]) {
        let major = value.first().map(|b| b >> 5);
        match key {
            "ref" => self.link_ref = Some(value.starts_with(&[0xd8, 42])),
            "mimeType" => self.text_mime = Some(major == Some(3)),
            "size" => self.int_size = Some(matches!(major, Some(0 | 1))),
            other => {
                self.other_key.get_or_insert(other);
            }
        }
    }

    /// Whether the entries noted make a blob: exactly `$type`, `ref` (a link), `mimeType` (a
    /// string) and `size` (an integer).
    pub(super) fn check(&self) -> Result<(), String> {
        if let Some(key) = &self.other_key {
            return Err(format!(
                "a blob has only `$type`, `ref`, `mimeType` and `size`, not `{key}`"
            ));
        }
        match (self.link_ref, self.text_mime, self.int_size) {
            (None, _, _) => Err("a blob needs `ref`".into()),
            (Some(false), _, _) => Err("a blob's `ref` must be a link".into()),
            (_, None, _) => Err("a blob needs `mimeType`".into()),
            (_, Some(false), _) => Err("a blob's `mimeType` must be a string".into()),
            (_, _, None) => Err("a blob needs `size`".into()),
            (_, _, Some(false)) => Err("a blob's `size` must be an integer".into()),
            _ => Ok(()),
        }
    }
}

/// DAG-CBOR map key order: shorter keys first, then bytewise.
pub(super) fn canonical_order(a: &str, b: &str) -> Ordering {
    canonical_order_bytes(a.as_bytes(), b.as_bytes())
}

/// [`canonical_order`] of raw key bytes.
pub(super) fn canonical_order_bytes(a: &[u8], b: &[u8]) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}
