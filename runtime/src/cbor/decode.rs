//! Strict DAG-CBOR to the JSON data model. Refuses everything that is not the one canonical
//! encoding of an atproto data-model value: indefinite lengths, non-shortest heads, map keys out
//! of order or repeated, keys that are not strings, floats, `undefined` and other simple values,
//! tags other than 42, malformed CIDs, invalid UTF-8 and trailing bytes. No length read from the
//! input is trusted for allocation before the bytes it claims are known to be there.

use std::cmp::Ordering;

use serde_json::{Map, Number, Value};

use super::encode::canonical_order;
use super::model::check_typed;
use super::MAX_DEPTH;
use crate::{base64, CborError, Path};

/// Decodes canonical DAG-CBOR of a data-model object into its JSON form (`$bytes`, `$link`).
pub fn decode(bytes: &[u8]) -> Result<Value, CborError> {
    let mut reader = Reader { bytes, pos: 0 };
    if bytes.first().is_some_and(|b| b >> 5 != 5) {
        return Err(reader.error(&Path::ROOT, "the top level must be a map".into()));
    }
    let value = reader.value(&Path::ROOT, 0)?;
    if reader.pos != bytes.len() {
        let extra = bytes.len() - reader.pos;
        return Err(reader.error(
            &Path::ROOT,
            format!("{extra} bytes after the end of the value"),
        ));
    }
    Ok(value)
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

/// One item's head: major type, the additional-information bits, and the argument.
struct Head {
    major: u8,
    info: u8,
    arg: u64,
}

impl<'a> Reader<'a> {
    fn error(&self, path: &Path<'_>, message: String) -> CborError {
        CborError {
            path: path.to_string(),
            offset: Some(self.pos),
            message,
        }
    }

    fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    /// The next `n` bytes, or an error when the input is shorter.
    fn take(&mut self, n: u64, path: &Path<'_>) -> Result<&'a [u8], CborError> {
        match usize::try_from(n) {
            Ok(n) if n <= self.remaining() => {
                let slice = &self.bytes[self.pos..self.pos + n];
                self.pos += n;
                Ok(slice)
            }
            _ => Err(self.error(
                path,
                format!("truncated: {n} bytes claimed, {} left", self.remaining()),
            )),
        }
    }

    fn head(&mut self, path: &Path<'_>) -> Result<Head, CborError> {
        let start = self.pos;
        let first = self.take(1, path)?[0];
        let (major, info) = (first >> 5, first & 0x1f);
        let arg = match info {
            0..=23 => u64::from(info),
            24..=27 => {
                let width = 1u64 << (info - 24);
                let raw = self.take(width, path)?;
                let arg = raw.iter().fold(0u64, |acc, b| acc << 8 | u64::from(*b));
                let shortest = match info {
                    24 => arg >= 24,
                    25 => arg > u64::from(u8::MAX),
                    26 => arg > u64::from(u16::MAX),
                    _ => arg > u64::from(u32::MAX),
                };
                // Major type 7 uses these widths for floats, refused by the caller.
                if major != 7 && !shortest {
                    self.pos = start;
                    return Err(
                        self.error(path, format!("{arg} is not written in its shortest form"))
                    );
                }
                arg
            }
            31 if major == 7 => {
                self.pos = start;
                return Err(self.error(path, "unexpected `break` byte".into()));
            }
            31 => {
                self.pos = start;
                return Err(self.error(path, "indefinite-length items are not allowed".into()));
            }
            _ => {
                self.pos = start;
                return Err(self.error(path, format!("reserved additional information {info}")));
            }
        };
        Ok(Head { major, info, arg })
    }

    fn value(&mut self, path: &Path<'_>, depth: usize) -> Result<Value, CborError> {
        let start = self.pos;
        let head = self.head(path)?;
        match head.major {
            0 => Ok(Value::Number(Number::from(head.arg))),
            1 => match i64::try_from(head.arg) {
                Ok(n) => Ok(Value::Number(Number::from(-1 - n))),
                Err(_) => {
                    self.pos = start;
                    Err(self.error(path, "negative integer below -2^63".into()))
                }
            },
            2 => {
                let bytes = self.take(head.arg, path)?;
                let mut map = Map::with_capacity(1);
                map.insert("$bytes".into(), Value::String(base64::encode(bytes)));
                Ok(Value::Object(map))
            }
            3 => Ok(Value::String(self.text(head.arg, path)?.to_owned())),
            4 => self.array(head.arg, path, depth, start),
            5 => self.map(head.arg, path, depth, start),
            6 => self.link(head.arg, path, start),
            _ => match head.info {
                20 => Ok(Value::Bool(false)),
                21 => Ok(Value::Bool(true)),
                22 => Ok(Value::Null),
                info => {
                    self.pos = start;
                    Err(self.error(path, simple_message(info)))
                }
            },
        }
    }

    fn text(&mut self, len: u64, path: &Path<'_>) -> Result<&'a str, CborError> {
        let start = self.pos;
        let bytes = self.take(len, path)?;
        std::str::from_utf8(bytes).map_err(|e| {
            self.pos = start + e.valid_up_to();
            self.error(path, "a text string is not valid UTF-8".into())
        })
    }

    fn nest(&self, path: &Path<'_>, depth: usize, start: usize) -> Result<(), CborError> {
        if depth >= MAX_DEPTH {
            return Err(CborError {
                offset: Some(start),
                ..self.error(path, format!("nested deeper than {MAX_DEPTH} levels"))
            });
        }
        Ok(())
    }

    fn array(
        &mut self,
        len: u64,
        path: &Path<'_>,
        depth: usize,
        start: usize,
    ) -> Result<Value, CborError> {
        self.nest(path, depth, start)?;
        // Every item takes at least one byte.
        if len > self.remaining() as u64 {
            return Err(self.error(
                path,
                format!(
                    "truncated: {len} items claimed, {} bytes left",
                    self.remaining()
                ),
            ));
        }
        let mut items = Vec::with_capacity(len as usize);
        for i in 0..len as usize {
            items.push(self.value(&path.index(i), depth + 1)?);
        }
        Ok(Value::Array(items))
    }

    fn map(
        &mut self,
        len: u64,
        path: &Path<'_>,
        depth: usize,
        start: usize,
    ) -> Result<Value, CborError> {
        self.nest(path, depth, start)?;
        // Every entry takes at least two bytes.
        if len > self.remaining() as u64 / 2 {
            return Err(self.error(
                path,
                format!(
                    "truncated: {len} entries claimed, {} bytes left",
                    self.remaining()
                ),
            ));
        }
        let mut map = Map::with_capacity(len as usize);
        let mut previous: Option<&str> = None;
        for _ in 0..len {
            let key_start = self.pos;
            let head = self.head(path)?;
            if head.major != 3 {
                self.pos = key_start;
                return Err(self.error(path, "map keys must be text strings".into()));
            }
            let key = self.text(head.arg, path)?;
            if let Some(previous) = previous {
                let problem = match canonical_order(previous, key) {
                    Ordering::Less => None,
                    Ordering::Equal => Some(format!("duplicate map key {key:?}")),
                    Ordering::Greater => Some(format!(
                        "map keys out of canonical order: {key:?} after {previous:?}"
                    )),
                };
                if let Some(message) = problem {
                    self.pos = key_start;
                    return Err(self.error(path, message));
                }
            }
            if key == "$link" || key == "$bytes" {
                self.pos = key_start;
                return Err(self.error(
                    path,
                    format!("a map key {key:?} is reserved for the JSON form of links and bytes"),
                ));
            }
            let value = self.value(&path.field(key), depth + 1)?;
            map.insert(key.to_owned(), value);
            previous = Some(key);
        }
        check_typed(&map).map_err(|m| CborError {
            offset: Some(start),
            ..self.error(path, m)
        })?;
        Ok(Value::Object(map))
    }

    fn link(&mut self, tag: u64, path: &Path<'_>, start: usize) -> Result<Value, CborError> {
        if tag != 42 {
            self.pos = start;
            return Err(self.error(
                path,
                format!("tag {tag} is not allowed (only tag 42, a CID link)"),
            ));
        }
        let content_start = self.pos;
        let head = self.head(path)?;
        if head.major != 2 {
            self.pos = content_start;
            return Err(self.error(path, "tag 42 must hold a byte string".into()));
        }
        let bytes = self.take(head.arg, path)?;
        let cid = match bytes.split_first() {
            Some((0, cid_bytes)) => cid::Cid::try_from(cid_bytes)
                .ok()
                .filter(|cid| cid.to_bytes() == cid_bytes),
            _ => None,
        };
        let Some(cid) = cid else {
            self.pos = content_start;
            return Err(self.error(
                path,
                "tag 42 must hold a 0x00 byte then exactly one binary CID".into(),
            ));
        };
        let mut map = Map::with_capacity(1);
        map.insert("$link".into(), Value::String(cid.to_string()));
        Ok(Value::Object(map))
    }
}

/// Why a major-type-7 item other than `false`, `true` and `null` is refused.
fn simple_message(info: u8) -> String {
    match info {
        23 => "`undefined` is not in the data model".into(),
        25..=27 => "floats are not allowed in the atproto data model".into(),
        _ => format!("simple value {info} is not in the data model"),
    }
}
