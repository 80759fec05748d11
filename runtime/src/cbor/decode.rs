//! Strict DAG-CBOR read through serde, presenting the JSON form of the data model: byte strings
//! as `{"$bytes": base64}`, tag 42 as `{"$link": cid}`. Generated types deserialize from it
//! directly (no intermediate tree), and [`decode`] builds a `serde_json::Value` with it.
//!
//! It refuses everything that is not the one canonical encoding of an atproto data-model value:
//! indefinite lengths, non-shortest heads, map keys out of order or repeated, keys that are not
//! strings, floats, `undefined` and other simple values, tags other than 42, malformed CIDs,
//! invalid UTF-8, `$link`/`$bytes` keys, a `$type` that is not a non-empty string, a malformed
//! `"$type": "blob"` map, nesting past [`MAX_DEPTH`] and trailing bytes. No length read from the
//! input is trusted for allocation before the bytes it claims are known to be there.

use std::fmt;

use serde::de::value::MapDeserializer;
use serde::de::{self, Deserialize, IntoDeserializer, Visitor};
use serde_json::Value;

mod maps;

use maps::MapReader;

use super::MAX_DEPTH;
use crate::de::{ShapeOwned, Unchecked};
use crate::{base64, CborError, Error, Mode};

/// Decodes canonical DAG-CBOR of a data-model object into its JSON form (`$bytes`, `$link`).
pub fn decode(bytes: &[u8]) -> Result<Value, CborError> {
    match parse::<Value>(bytes) {
        Ok(value) => Ok(value.into_unchecked()),
        Err(Error::Cbor(e)) => Err(e),
        Err(other) => Err(CborError {
            path: "$".into(),
            offset: None,
            message: other.to_string(),
        }),
    }
}

/// Decodes DAG-CBOR as `T` checking its shape only, with the JSON path of the first problem.
///
/// For a generated type, a value that fails to read gets every violation listed instead
/// ([`Error::Invalid`]), as strict validation sees them.
pub fn parse<T: ShapeOwned>(bytes: &[u8]) -> Result<Unchecked<T>, Error> {
    parse_with(Mode::Strict, bytes)
}

/// [`parse`], listing the violations of a value that fails to read as `mode` sees them.
pub(crate) fn parse_with<T: ShapeOwned>(mode: Mode, bytes: &[u8]) -> Result<Unchecked<T>, Error> {
    if bytes.first().map(|b| b >> 5) != Some(5) {
        let message = match bytes.is_empty() {
            true => "truncated: no bytes",
            false => "the top level must be a map",
        };
        return Err(Error::Cbor(CborError {
            path: "$".into(),
            offset: Some(0),
            message: message.into(),
        }));
    }
    let mut de = Deserializer::new(bytes);
    match Unchecked::<T>::deserialize(&mut de).and_then(|value| de.end().map(|()| value)) {
        Ok(value) => Ok(value),
        // The fast path tracks no path; on failure read again, tracking it.
        Err(first) => Err(parse_error::<T>(mode, bytes, first)),
    }
}

#[cold]
fn parse_error<T: ShapeOwned>(mode: Mode, bytes: &[u8], first: DeError) -> Error {
    crate::de::clear_below();
    let mut de = Deserializer::new(bytes);
    let (path, e) = match serde_path_to_error::deserialize::<_, Unchecked<T>>(&mut de) {
        Err(e) => (crate::json::path_text(e.path()), e.into_inner()),
        // The value was read: the end check failed (reading is deterministic, so `first` is that).
        Ok(_) => ("$".to_owned(), de.end().err().unwrap_or(first)),
    };
    let (path, message) = crate::json::joined(path, e.message);
    match e.offset {
        Some(offset) => Error::Cbor(CborError {
            path,
            offset: Some(offset),
            message,
        }),
        None => {
            // A shape error in well-formed DAG-CBOR: list every violation if the type can.
            let value = || decode(bytes).ok();
            match crate::de::explain::<T>(value, mode) {
                Some(errors) => Error::Invalid(errors),
                None => Error::Parse {
                    path,
                    message: crate::json::lexicon_words(&message),
                },
            }
        }
    }
}

/// An error while reading: a DAG-CBOR problem (with the byte offset) or a shape problem reported
/// by the type being read (no offset).
#[derive(Debug)]
pub struct DeError {
    message: String,
    offset: Option<usize>,
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(offset) = self.offset {
            write!(f, " (at byte {offset})")?;
        }
        Ok(())
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError {
            message: msg.to_string(),
            offset: None,
        }
    }
}

/// One item's head: major type, the additional-information bits, and the argument.
#[derive(Clone, Copy)]
pub(super) struct Head {
    pub(super) major: u8,
    pub(super) info: u8,
    pub(super) arg: u64,
}

/// A serde `Deserializer` over strict DAG-CBOR.
pub struct Deserializer<'de> {
    pub(super) bytes: &'de [u8],
    pub(super) pos: usize,
    depth: usize,
}

impl<'de> Deserializer<'de> {
    /// Reads `bytes`, which must hold one map.
    pub fn new(bytes: &'de [u8]) -> Self {
        Deserializer {
            bytes,
            pos: 0,
            depth: 0,
        }
    }

    /// Checks that nothing follows the value read.
    pub fn end(&self) -> Result<(), DeError> {
        match self.bytes.len() - self.pos {
            0 => Ok(()),
            extra => Err(self.error_at(
                self.pos,
                format!("{extra} bytes after the end of the value"),
            )),
        }
    }

    pub(super) fn error_at(&self, offset: usize, message: String) -> DeError {
        DeError {
            message,
            offset: Some(offset),
        }
    }

    pub(super) fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    /// The next `n` bytes, or an error when the input is shorter.
    pub(super) fn take(&mut self, n: u64) -> Result<&'de [u8], DeError> {
        match usize::try_from(n) {
            Ok(n) if n <= self.remaining() => {
                let slice = &self.bytes[self.pos..self.pos + n];
                self.pos += n;
                Ok(slice)
            }
            _ => Err(self.error_at(
                self.pos,
                format!("truncated: {n} bytes claimed, {} left", self.remaining()),
            )),
        }
    }

    /// Reads the head at the current position.
    #[inline]
    pub(super) fn head(&mut self) -> Result<Head, DeError> {
        let start = self.pos;
        let Some(&first) = self.bytes.get(start) else {
            return Err(self.error_at(start, "truncated: 1 byte claimed, 0 left".into()));
        };
        let (major, info) = (first >> 5, first & 0x1f);
        if info < 24 {
            self.pos = start + 1;
            return Ok(Head {
                major,
                info,
                arg: u64::from(info),
            });
        }
        self.pos = start + 1;
        self.long_head(start, major, info)
    }

    /// A head whose argument follows in 1, 2, 4 or 8 bytes, or an invalid one.
    fn long_head(&mut self, start: usize, major: u8, info: u8) -> Result<Head, DeError> {
        let arg = match info {
            24..=27 => {
                let width = 1usize << (info - 24);
                let raw = self.take(width as u64)?;
                let mut be = [0u8; 8];
                be[8 - width..].copy_from_slice(raw);
                let arg = u64::from_be_bytes(be);
                let shortest = match info {
                    24 => arg >= 24,
                    25 => arg > u64::from(u8::MAX),
                    26 => arg > u64::from(u16::MAX),
                    _ => arg > u64::from(u32::MAX),
                };
                // Major type 7 uses these widths for floats, refused by the caller.
                if major != 7 && !shortest {
                    return Err(
                        self.error_at(start, format!("{arg} is not written in its shortest form"))
                    );
                }
                arg
            }
            31 if major == 7 => return Err(self.error_at(start, "unexpected `break` byte".into())),
            31 => {
                return Err(self.error_at(start, "indefinite-length items are not allowed".into()))
            }
            _ => {
                return Err(self.error_at(start, format!("reserved additional information {info}")))
            }
        };
        Ok(Head { major, info, arg })
    }

    /// A text string's bytes as UTF-8.
    pub(super) fn text(&mut self, len: u64) -> Result<&'de str, DeError> {
        let start = self.pos;
        let bytes = self.take(len)?;
        std::str::from_utf8(bytes).map_err(|e| {
            self.error_at(
                start + e.valid_up_to(),
                "a text string is not valid UTF-8".into(),
            )
        })
    }

    /// The text string at the current position, if there is one, without moving.
    pub(super) fn peek_text(&mut self) -> Option<&'de str> {
        let start = self.pos;
        let text = match self.head() {
            Ok(h) if h.major == 3 => self.text(h.arg).ok(),
            _ => None,
        };
        self.pos = start;
        text
    }

    fn enter(&mut self, start: usize) -> Result<(), DeError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error_at(start, format!("nested deeper than {MAX_DEPTH} levels")));
        }
        self.depth += 1;
        Ok(())
    }

    /// The CID string of a tag-42 link whose tag head was read at `start`.
    fn link(&mut self, tag: u64, start: usize) -> Result<String, DeError> {
        if tag != 42 {
            return Err(self.error_at(
                start,
                format!("tag {tag} is not allowed (only tag 42, a CID link)"),
            ));
        }
        let content = self.pos;
        let head = self.head()?;
        if head.major != 2 {
            return Err(self.error_at(content, "tag 42 must hold a byte string".into()));
        }
        let bytes = self.take(head.arg)?;
        let cid = match bytes.split_first() {
            Some((0, cid_bytes)) => cid::Cid::try_from(cid_bytes)
                .ok()
                // Its minimal encoding is exactly as long as the bytes: nothing left over, no
                // over-long varint (the bytes are never shorter than what was read from them).
                .filter(|cid| cid.encoded_len() == cid_bytes.len()),
            _ => None,
        };
        cid.map(|cid| cid.to_string()).ok_or_else(|| {
            self.error_at(
                content,
                "tag 42 must hold a 0x00 byte then exactly one binary CID".into(),
            )
        })
    }
}

/// A one-property map: `{"$bytes": ...}` or `{"$link": ...}`.
fn special<'de, V: Visitor<'de>>(
    visitor: V,
    key: &'static str,
    value: String,
) -> Result<V::Value, DeError> {
    visitor.visit_map(MapDeserializer::new(std::iter::once((key, value))))
}

impl<'de> de::Deserializer<'de> for &mut Deserializer<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let start = self.pos;
        let head = self.head()?;
        match head.major {
            0 => visitor.visit_u64(head.arg),
            1 => match i64::try_from(head.arg) {
                Ok(n) => visitor.visit_i64(-1 - n),
                Err(_) => Err(self.error_at(start, "negative integer below -2^63".into())),
            },
            2 => {
                let bytes = self.take(head.arg)?;
                special(visitor, "$bytes", base64::encode(bytes))
            }
            3 => visitor.visit_borrowed_str(self.text(head.arg)?),
            4 => {
                // Every item takes at least one byte.
                if head.arg > self.remaining() as u64 {
                    return Err(self.error_at(
                        start,
                        format!(
                            "truncated: {} items claimed, {} bytes left",
                            head.arg,
                            self.remaining()
                        ),
                    ));
                }
                self.enter(start)?;
                let mut seq = SeqReader {
                    de: &mut *self,
                    left: head.arg,
                };
                let value = visitor.visit_seq(&mut seq)?;
                let left = seq.left;
                self.depth -= 1;
                if left != 0 {
                    return Err(self.error_at(start, "an array was not read to its end".into()));
                }
                Ok(value)
            }
            5 => {
                // Every entry takes at least two bytes.
                if head.arg > self.remaining() as u64 / 2 {
                    return Err(self.error_at(
                        start,
                        format!(
                            "truncated: {} entries claimed, {} bytes left",
                            head.arg,
                            self.remaining()
                        ),
                    ));
                }
                self.enter(start)?;
                let mut map = MapReader::new(&mut *self, start, head.arg);
                let value = visitor.visit_map(&mut map)?;
                if !map.is_done() {
                    return Err(self.error_at(start, "a map was not read to its end".into()));
                }
                self.depth -= 1;
                Ok(value)
            }
            6 => {
                let cid = self.link(head.arg, start)?;
                special(visitor, "$link", cid)
            }
            _ => match head.info {
                20 => visitor.visit_bool(false),
                21 => visitor.visit_bool(true),
                22 => visitor.visit_unit(),
                23 => Err(self.error_at(start, "`undefined` is not in the data model".into())),
                25..=27 => Err(self.error_at(
                    start,
                    "floats are not allowed in the atproto data model".into(),
                )),
                info => Err(self.error_at(
                    start,
                    format!("simple value {info} is not in the data model"),
                )),
            },
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.bytes.get(self.pos) == Some(&0xf6) {
            self.pos += 1;
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        // `Bytes` takes a byte string as it is (not as `{"$bytes"}` in base64, which it would
        // decode again).
        let byte_string = self
            .bytes
            .get(self.pos)
            .is_some_and(|first| first >> 5 == 2);
        if name == crate::special::BYTES_TOKEN && byte_string {
            let head = self.head()?;
            return visitor.visit_borrowed_bytes(self.take(head.arg)?);
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let start = self.pos;
        match self.peek_text() {
            Some(_) => {
                let head = self.head()?;
                let name = self.text(head.arg)?;
                visitor.visit_enum(name.into_deserializer())
            }
            None => Err(self.error_at(start, "expected a string".into())),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

/// The elements of an array.
struct SeqReader<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    left: u64,
}

impl<'de> de::SeqAccess<'de> for SeqReader<'_, 'de> {
    type Error = DeError;

    fn next_element_seed<T: de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(&mut *self.de).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        usize::try_from(self.left).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::Deserializer as Cbor;
    use crate::special::Bytes;
    use serde::Deserialize;

    #[test]
    fn bytes_are_read_from_a_byte_string_as_they_are_and_from_base64_json() {
        // A DAG-CBOR byte string of three bytes.
        let cbor = [0x43, 1, 2, 3];
        let read = Bytes::deserialize_shape(&mut Cbor::new(&cbor)).unwrap();
        assert_eq!(read.0, [1, 2, 3]);
        let json = Bytes::deserialize_shape(serde_json::json!({ "$bytes": "AQID" })).unwrap();
        assert_eq!(json, read);
        let text = r#"{"$bytes": "AQID"}"#;
        let parsed = Bytes::deserialize_shape(&mut serde_json::Deserializer::from_str(text));
        assert_eq!(parsed.unwrap(), read);
        assert!(Bytes::deserialize_shape(serde_json::json!({ "$bytes": "A" })).is_err());
        assert!(Bytes::deserialize_shape(&mut Cbor::new(&[0x63, b'a', b'b', b'c'])).is_err());
        // Data-model values read from DAG-CBOR keep the JSON form.
        let value: serde_json::Value = Deserialize::deserialize(&mut Cbor::new(&cbor)).unwrap();
        assert_eq!(value, serde_json::json!({ "$bytes": "AQID" }));
    }
}
