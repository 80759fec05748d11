//! Canonical DAG-CBOR written through serde from the JSON form of the data model: map keys
//! ordered by length then bytes, shortest integer and length heads, `{"$bytes"}` as byte strings,
//! `{"$link"}` as tag 42, whole numbers written as floats as integers, and every other float, a
//! malformed special object, a `$type` that is not a non-empty string, a malformed blob or
//! nesting past [`MAX_DEPTH`] refused.

use std::fmt;
use std::ops::Range;

use serde::ser::{self, Impossible, Serialize};
use serde_json::Value;

use super::model::{canonical_order_bytes, type_is_blob, BlobShape};
use super::MAX_DEPTH;
use crate::{base64, CborError};

/// Encodes a data-model value (a JSON object) as canonical DAG-CBOR.
pub fn encode(value: &Value) -> Result<Vec<u8>, CborError> {
    to_vec(value)
}

/// Encodes any serializable value whose JSON form is a data-model object.
pub(super) fn to_vec<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, CborError> {
    let mut out = Vec::with_capacity(512);
    match value.serialize(Encoder {
        out: &mut out,
        depth: 0,
    }) {
        Ok(()) if out.first().map(|b| b >> 5) == Some(5) => Ok(out),
        Ok(()) => Err(CborError {
            path: "$".into(),
            offset: None,
            message: "the top level must be an object".into(),
        }),
        Err(_) => Err(to_vec_error(value)),
    }
}

/// The error of a failed encoding, with its path: the value is encoded again, tracking it.
#[cold]
fn to_vec_error<T: Serialize + ?Sized>(value: &T) -> CborError {
    let mut out = Vec::new();
    let encoder = Encoder {
        out: &mut out,
        depth: 0,
    };
    match serde_path_to_error::serialize(value, encoder) {
        Err(e) => CborError {
            path: crate::json::path_text(e.path()),
            offset: None,
            message: e.into_inner().0,
        },
        Ok(()) => CborError {
            path: "$".into(),
            offset: None,
            message: "encoding is not deterministic".into(),
        },
    }
}

/// Writes a head: major type and argument in the shortest form.
fn head(out: &mut Vec<u8>, major: u8, arg: u64) {
    let m = major << 5;
    if arg < 24 {
        out.push(m | arg as u8);
    } else if arg <= u64::from(u8::MAX) {
        out.extend_from_slice(&[m | 24, arg as u8]);
    } else if arg <= u64::from(u16::MAX) {
        out.push(m | 25);
        out.extend_from_slice(&(arg as u16).to_be_bytes());
    } else if arg <= u64::from(u32::MAX) {
        out.push(m | 26);
        out.extend_from_slice(&(arg as u32).to_be_bytes());
    } else {
        out.push(m | 27);
        out.extend_from_slice(&arg.to_be_bytes());
    }
}

/// The text of an encoded text string (as written by this encoder: one definite-length item).
fn as_text(item: &[u8]) -> Option<&str> {
    let (&first, rest) = item.split_first()?;
    if first >> 5 != 3 {
        return None;
    }
    let skip = match first & 0x1f {
        0..=23 => 0,
        info @ 24..=27 => 1usize << (info - 24),
        _ => return None,
    };
    std::str::from_utf8(rest.get(skip..)?).ok()
}

/// Why a value cannot be encoded.
#[derive(Debug)]
pub struct EnError(String);

impl fmt::Display for EnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EnError {}

impl ser::Error for EnError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        EnError(msg.to_string())
    }
}

fn fail<T>(message: impl Into<String>) -> Result<T, EnError> {
    Err(EnError(message.into()))
}

/// A serde `Serializer` writing canonical DAG-CBOR into `out`.
struct Encoder<'a> {
    out: &'a mut Vec<u8>,
    depth: usize,
}

impl<'a> Encoder<'a> {
    fn nested(self) -> Result<(&'a mut Vec<u8>, usize), EnError> {
        if self.depth >= MAX_DEPTH {
            return fail(format!("nested deeper than {MAX_DEPTH} levels"));
        }
        Ok((self.out, self.depth + 1))
    }

    fn integer(self, n: i128) -> Result<(), EnError> {
        match n {
            0.. => head(self.out, 0, n as u64),
            _ => head(self.out, 1, (-1 - n) as u64),
        }
        Ok(())
    }
}

impl<'a> ser::Serializer for Encoder<'a> {
    type Ok = ();
    type Error = EnError;
    type SerializeSeq = SeqWriter<'a>;
    type SerializeTuple = SeqWriter<'a>;
    type SerializeTupleStruct = SeqWriter<'a>;
    type SerializeTupleVariant = Impossible<(), EnError>;
    type SerializeMap = MapWriter<'a>;
    type SerializeStruct = MapWriter<'a>;
    type SerializeStructVariant = Impossible<(), EnError>;

    fn serialize_bool(self, v: bool) -> Result<(), EnError> {
        self.out.push(if v { 0xf5 } else { 0xf4 });
        Ok(())
    }

    fn serialize_i8(self, v: i8) -> Result<(), EnError> {
        self.integer(i128::from(v))
    }

    fn serialize_i16(self, v: i16) -> Result<(), EnError> {
        self.integer(i128::from(v))
    }

    fn serialize_i32(self, v: i32) -> Result<(), EnError> {
        self.integer(i128::from(v))
    }

    fn serialize_i64(self, v: i64) -> Result<(), EnError> {
        self.integer(i128::from(v))
    }

    fn serialize_u8(self, v: u8) -> Result<(), EnError> {
        self.integer(i128::from(v))
    }

    fn serialize_u16(self, v: u16) -> Result<(), EnError> {
        self.integer(i128::from(v))
    }

    fn serialize_u32(self, v: u32) -> Result<(), EnError> {
        self.integer(i128::from(v))
    }

    fn serialize_u64(self, v: u64) -> Result<(), EnError> {
        self.integer(i128::from(v))
    }

    fn serialize_f32(self, v: f32) -> Result<(), EnError> {
        self.serialize_f64(f64::from(v))
    }

    /// A whole number written as a float (`1.0`, `1e2`) is the integer it denotes (Part A.2).
    fn serialize_f64(self, v: f64) -> Result<(), EnError> {
        const MAX_SAFE: f64 = 9_007_199_254_740_991.0;
        if v.fract() == 0.0 && v.abs() <= MAX_SAFE {
            self.integer(v as i128)
        } else {
            fail(format!(
                "{v} is not an integer (the data model has no floats)"
            ))
        }
    }

    fn serialize_char(self, v: char) -> Result<(), EnError> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }

    fn serialize_str(self, v: &str) -> Result<(), EnError> {
        head(self.out, 3, v.len() as u64);
        self.out.extend_from_slice(v.as_bytes());
        Ok(())
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<(), EnError> {
        head(self.out, 2, v.len() as u64);
        self.out.extend_from_slice(v);
        Ok(())
    }

    fn serialize_none(self) -> Result<(), EnError> {
        self.out.push(0xf6);
        Ok(())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), EnError> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), EnError> {
        self.serialize_none()
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), EnError> {
        self.serialize_none()
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), EnError> {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), EnError> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _value: &T,
    ) -> Result<(), EnError> {
        fail(format!(
            "enum variant `{variant}` with data has no data-model form"
        ))
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<SeqWriter<'a>, EnError> {
        let (out, depth) = self.nested()?;
        Ok(match len {
            Some(len) => {
                head(out, 4, len as u64);
                SeqWriter {
                    out,
                    depth,
                    buffered: None,
                }
            }
            None => SeqWriter {
                out,
                depth,
                buffered: Some((Vec::new(), 0)),
            },
        })
    }

    fn serialize_tuple(self, len: usize) -> Result<SeqWriter<'a>, EnError> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<SeqWriter<'a>, EnError> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, EnError> {
        fail(format!(
            "enum variant `{variant}` with data has no data-model form"
        ))
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<MapWriter<'a>, EnError> {
        let (out, depth) = self.nested()?;
        Ok(MapWriter {
            out,
            depth,
            buf: Vec::with_capacity(128),
            entries: Vec::new(),
            key: None,
        })
    }

    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<MapWriter<'a>, EnError> {
        self.serialize_map(Some(len))
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, EnError> {
        fail(format!(
            "enum variant `{variant}` with data has no data-model form"
        ))
    }
}

/// The items of an array: written in place when the length is known, else buffered.
pub struct SeqWriter<'a> {
    out: &'a mut Vec<u8>,
    depth: usize,
    buffered: Option<(Vec<u8>, u64)>,
}

impl ser::SerializeSeq for SeqWriter<'_> {
    type Ok = ();
    type Error = EnError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), EnError> {
        let out = match &mut self.buffered {
            Some((buf, count)) => {
                *count += 1;
                buf
            }
            None => &mut *self.out,
        };
        value.serialize(Encoder {
            out,
            depth: self.depth,
        })
    }

    fn end(self) -> Result<(), EnError> {
        if let Some((buf, count)) = self.buffered {
            head(self.out, 4, count);
            self.out.extend_from_slice(&buf);
        }
        Ok(())
    }
}

impl ser::SerializeTuple for SeqWriter<'_> {
    type Ok = ();
    type Error = EnError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), EnError> {
        ser::SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result<(), EnError> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for SeqWriter<'_> {
    type Ok = ();
    type Error = EnError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), EnError> {
        ser::SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result<(), EnError> {
        ser::SerializeSeq::end(self)
    }
}

/// One entry of a map being written: where its key text and its encoded value lie in the buffer.
struct Entry {
    key: Range<usize>,
    value: Range<usize>,
}

/// The entries of a map, buffered so that they can be written in canonical order, and so that
/// `$link`, `$bytes`, `$type` and blobs can be checked and converted.
pub struct MapWriter<'a> {
    out: &'a mut Vec<u8>,
    depth: usize,
    buf: Vec<u8>,
    entries: Vec<Entry>,
    key: Option<Range<usize>>,
}

impl MapWriter<'_> {
    fn push_key(&mut self, key: &str) -> Range<usize> {
        let start = self.buf.len();
        self.buf.extend_from_slice(key.as_bytes());
        start..self.buf.len()
    }

    fn push_value<T: Serialize + ?Sized>(
        &mut self,
        key: Range<usize>,
        value: &T,
    ) -> Result<(), EnError> {
        let start = self.buf.len();
        value.serialize(Encoder {
            out: &mut self.buf,
            depth: self.depth,
        })?;
        self.entries.push(Entry {
            key,
            value: start..self.buf.len(),
        });
        Ok(())
    }

    /// The value of the only entry, when the map is a `$link` or `$bytes` object.
    fn only_text(&self, name: &str) -> Result<&str, EnError> {
        if self.entries.len() != 1 {
            return fail(format!("a `{name}` object has no other property"));
        }
        as_text(&self.buf[self.entries[0].value.clone()])
            .ok_or_else(|| EnError(format!("`{name}` must be a string")))
    }

    fn value_of(&self, key: &[u8]) -> Option<&[u8]> {
        self.entries
            .iter()
            .find(|e| &self.buf[e.key.clone()] == key)
            .map(|e| &self.buf[e.value.clone()])
    }

    /// The rules on `$type` and on blobs (`"$type": "blob"`).
    fn check_typed(&self) -> Result<(), EnError> {
        let Some(t) = self.value_of(b"$type") else {
            return Ok(());
        };
        if !type_is_blob(as_text(t)).map_err(EnError)? {
            return Ok(());
        }
        let mut shape = BlobShape::default();
        for e in &self.entries {
            // Keys were written from `&str`, so they are UTF-8.
            let key = std::str::from_utf8(&self.buf[e.key.clone()]).unwrap_or_default();
            if key != "$type" {
                shape.note(key, &self.buf[e.value.clone()]);
            }
        }
        shape.check().map_err(EnError)
    }
}

impl ser::SerializeMap for MapWriter<'_> {
    type Ok = ();
    type Error = EnError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), EnError> {
        // Written as an item into the buffer; the entry keeps the range of its text.
        let start = self.buf.len();
        key.serialize(Encoder {
            out: &mut self.buf,
            depth: self.depth,
        })?;
        let len = as_text(&self.buf[start..])
            .map(str::len)
            .ok_or_else(|| EnError("map keys must be strings".into()))?;
        self.key = Some(self.buf.len() - len..self.buf.len());
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), EnError> {
        let key = self
            .key
            .take()
            .ok_or_else(|| EnError("a value without a key".into()))?;
        self.push_value(key, value)
    }

    fn end(mut self) -> Result<(), EnError> {
        let buf = &self.buf;
        self.entries.sort_unstable_by(|a, b| {
            canonical_order_bytes(&buf[a.key.clone()], &buf[b.key.clone()])
        });
        if let Some(pair) = self
            .entries
            .windows(2)
            .find(|w| buf[w[0].key.clone()] == buf[w[1].key.clone()])
        {
            return fail(format!(
                "duplicate map key {:?}",
                String::from_utf8_lossy(&buf[pair[0].key.clone()])
            ));
        }
        if self.value_of(b"$link").is_some() {
            let text = self.only_text("$link")?;
            if text.len() > 2048 {
                return fail("`$link` is longer than 2,048 characters");
            }
            let cid = cid::Cid::try_from(text)
                .map_err(|e| EnError(format!("`$link` {text:?} is not a CID: {e}")))?;
            let bytes = cid.to_bytes();
            self.out.extend_from_slice(&[0xd8, 42]);
            head(self.out, 2, bytes.len() as u64 + 1);
            self.out.push(0);
            self.out.extend_from_slice(&bytes);
            return Ok(());
        }
        if self.value_of(b"$bytes").is_some() {
            let text = self.only_text("$bytes")?;
            let bytes = base64::decode(text)
                .ok_or_else(|| EnError(format!("`$bytes` {text:?} is not base64")))?;
            head(self.out, 2, bytes.len() as u64);
            self.out.extend_from_slice(&bytes);
            return Ok(());
        }
        self.check_typed()?;
        head(self.out, 5, self.entries.len() as u64);
        for e in &self.entries {
            head(self.out, 3, e.key.len() as u64);
            self.out.extend_from_slice(&self.buf[e.key.clone()]);
            self.out.extend_from_slice(&self.buf[e.value.clone()]);
        }
        Ok(())
    }
}

impl ser::SerializeStruct for MapWriter<'_> {
    type Ok = ();
    type Error = EnError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), EnError> {
        let key = self.push_key(key);
        self.push_value(key, value)
    }

    fn end(self) -> Result<(), EnError> {
        ser::SerializeMap::end(self)
    }
}
