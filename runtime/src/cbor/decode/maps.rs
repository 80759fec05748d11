//! Reading a DAG-CBOR map: canonical key order, the data model's rules on keys and blobs, and
//! `$type` given to the visitor first.
//!
//! Canonical order puts shorter keys first, so a union member's `$type` usually follows keys such
//! as `did` or `uri`. Generated unions read the member directly when `$type` comes first and
//! buffer it otherwise; so when a map has a `$type` after shorter keys, the reader looks ahead
//! (skipping those entries without building anything), hands `$type` over first, then the other
//! entries in input order. Order is still checked in input order.

use std::cmp::Ordering;

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, DeserializeSeed};

use super::{DeError, Deserializer};
use crate::cbor::model::{canonical_order, type_is_blob, BlobShape};

/// A `$type` entry handed over before the entries that precede it in the input.
struct Hoisted {
    /// Offset of its key.
    entry: usize,
    /// Its index among the map's entries.
    index: u64,
    /// Offset after its value, once read.
    end: Option<usize>,
    /// Where to continue after its value (the first entry of the map), while it is being read.
    resume: Option<usize>,
    /// Whether it has been handed over.
    given: bool,
    /// Whether the in-order pass has stepped over it.
    passed: bool,
}

/// The entries of a map.
pub(super) struct MapReader<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    /// Offset of the map's head, for errors about the whole map.
    start: usize,
    /// Entries not yet handed over.
    left: u64,
    /// Entries read so far in input order.
    index: u64,
    previous: Option<&'de str>,
    blob: BlobShape<'de>,
    hoisted: Option<Hoisted>,
    done: bool,
}

impl<'a, 'de> MapReader<'a, 'de> {
    /// A reader for the `len` entries that follow the map head read at `start`.
    pub(super) fn new(de: &'a mut Deserializer<'de>, start: usize, len: u64) -> Self {
        let hoisted = find_late_type(de, len).map(|(entry, index)| Hoisted {
            entry,
            index,
            end: None,
            resume: None,
            given: false,
            passed: false,
        });
        MapReader {
            de,
            start,
            left: len,
            index: 0,
            previous: None,
            blob: BlobShape::default(),
            hoisted,
            done: false,
        }
    }

    /// Whether every entry was read and the map's checks passed.
    pub(super) fn is_done(&self) -> bool {
        self.done
    }

    /// Reads a key: a text string.
    fn read_key(&mut self) -> Result<(&'de str, usize), DeError> {
        let start = self.de.pos;
        let head = self.de.head()?;
        if head.major != 3 {
            return Err(self
                .de
                .error_at(start, "map keys must be text strings".into()));
        }
        Ok((self.de.text(head.arg)?, start))
    }

    /// Checks that `key` follows the previous key in canonical order.
    fn check_order(&mut self, key: &'de str, start: usize) -> Result<(), DeError> {
        if let Some(previous) = self.previous {
            match canonical_order(previous, key) {
                Ordering::Less => {}
                Ordering::Equal => {
                    return Err(self
                        .de
                        .error_at(start, format!("duplicate map key {key:?}")))
                }
                Ordering::Greater => {
                    return Err(self.de.error_at(
                        start,
                        format!("map keys out of canonical order: {key:?} after {previous:?}"),
                    ))
                }
            }
        }
        self.previous = Some(key);
        Ok(())
    }

    /// Checks the data model's rules on a key and notes what the blob check needs of its value.
    fn note(&mut self, key: &'de str, start: usize) -> Result<(), DeError> {
        let de = &mut *self.de;
        match key {
            "$link" | "$bytes" => {
                return Err(de.error_at(
                    start,
                    format!("a map key {key:?} is reserved for the JSON form of links and bytes"),
                ))
            }
            "$type" => {
                self.blob.is_blob =
                    type_is_blob(de.peek_text()).map_err(|m| de.error_at(de.pos, m))?;
            }
            _ => self.blob.note(key, &de.bytes[de.pos..]),
        }
        Ok(())
    }

    /// In the in-order pass, steps over the hoisted `$type` entry when it is next, checking its
    /// key's order.
    fn step_over_hoisted(&mut self) -> Result<(), DeError> {
        let Some(h) = &self.hoisted else {
            return Ok(());
        };
        if h.passed || h.index != self.index {
            return Ok(());
        }
        let end = h.end.ok_or_else(|| {
            self.de.error_at(
                self.start,
                "`$type` was not read before the entries after it".into(),
            )
        })?;
        let (key, start) = self.read_key()?;
        self.check_order(key, start)?;
        self.de.pos = end;
        self.index += 1;
        if let Some(h) = &mut self.hoisted {
            h.passed = true;
        }
        Ok(())
    }
}

/// Where a map's `$type` entry is when shorter keys precede it: its offset and index. Looks only
/// at keys shorter than 5 bytes (canonical order puts `$type` after no longer key) and stops at
/// anything irregular, which the in-order pass then reports.
fn find_late_type(de: &mut Deserializer<'_>, len: u64) -> Option<(usize, u64)> {
    let first = de.pos;
    let mut found = None;
    // Items the look-ahead may step over: a constant per map, so that nested maps do not make
    // reading quadratic. Past it, the member is buffered as without the look-ahead.
    let mut budget = LOOK_AHEAD_ITEMS;
    for index in 0..len {
        let entry = de.pos;
        let Ok(head) = de.head() else { break };
        if head.major != 3 || head.arg > 5 {
            break;
        }
        let Ok(key) = de.take(head.arg) else { break };
        if key == b"$type" {
            found = (index > 0).then_some((entry, index));
            break;
        }
        // Past the keys shorter than `$type`, it is first among its length or (rarely, after a
        // key such as "!abcd") not worth looking for.
        if key.len() == 5 {
            break;
        }
        if skip_item(de, &mut budget).is_err() {
            break;
        }
    }
    de.pos = first;
    found
}

/// How many items the look-ahead for `$type` may step over in one map.
const LOOK_AHEAD_ITEMS: u32 = 32;

/// Moves past one item and everything nested in it, without recursion or allocation, reading at
/// most `budget` heads.
fn skip_item(de: &mut Deserializer<'_>, budget: &mut u32) -> Result<(), DeError> {
    let mut pending: u64 = 1;
    while pending > 0 {
        pending -= 1;
        *budget = budget
            .checked_sub(1)
            .ok_or_else(|| de.error_at(de.pos, "look-ahead budget spent".into()))?;
        let head = de.head()?;
        let more = match head.major {
            2 | 3 => {
                de.take(head.arg)?;
                0
            }
            4 => head.arg,
            5 => head.arg.saturating_mul(2),
            6 => 1,
            _ => 0,
        };
        pending = pending.saturating_add(more);
        if pending > de.remaining() as u64 {
            return Err(de.error_at(de.pos, "truncated".into()));
        }
    }
    Ok(())
}

impl<'de> de::MapAccess<'de> for MapReader<'_, 'de> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        if self.left == 0 {
            if !self.done {
                self.step_over_hoisted()?;
                if self.blob.is_blob {
                    if let Err(message) = self.blob.check() {
                        return Err(self.de.error_at(self.start, message));
                    }
                }
                self.done = true;
            }
            return Ok(None);
        }
        self.left -= 1;
        let hoist_now = self.hoisted.as_ref().map(|h| (h.given, h.entry));
        let key = match hoist_now {
            Some((false, entry)) => {
                let resume = self.de.pos;
                self.de.pos = entry;
                let (key, start) = self.read_key()?;
                self.note(key, start)?;
                if let Some(h) = &mut self.hoisted {
                    h.given = true;
                    h.resume = Some(resume);
                }
                key
            }
            _ => {
                self.step_over_hoisted()?;
                let (key, start) = self.read_key()?;
                self.check_order(key, start)?;
                self.note(key, start)?;
                self.index += 1;
                key
            }
        };
        seed.deserialize(BorrowedStrDeserializer::new(key))
            .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let value = seed.deserialize(&mut *self.de)?;
        if let Some(h) = &mut self.hoisted {
            if let Some(resume) = h.resume.take() {
                h.end = Some(self.de.pos);
                self.de.pos = resume;
            }
        }
        Ok(value)
    }

    fn size_hint(&self) -> Option<usize> {
        usize::try_from(self.left).ok()
    }
}
