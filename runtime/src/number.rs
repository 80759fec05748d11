//! Lexicon integers: whole JSON numbers within the data model's range.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};

/// The largest integer atproto data may hold, 2^53 − 1.
pub const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// Whether `v` lies within ±(2^53 − 1), the integers atproto data may hold.
pub fn is_safe_integer(v: i64) -> bool {
    (-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(&v)
}

/// A Lexicon integer: a JSON number without a fractional part (`1`, `1.0` and `1e2` all count),
/// within the range of `i64`. The ±(2^53 − 1) bound is checked by validation.
pub struct Int(pub i64);

impl<'de> Deserialize<'de> for Int {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct IntVisitor;
        impl Visitor<'_> for IntVisitor {
            type Value = Int;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer")
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Int, E> {
                Ok(Int(v))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Int, E> {
                i64::try_from(v)
                    .map(Int)
                    .map_err(|_| E::custom(format_args!("integer {v} is out of range")))
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Int, E> {
                match whole_f64(v) {
                    Ok(i) => Ok(Int(i)),
                    Err(NotInt::Fraction) => Err(E::invalid_type(de::Unexpected::Float(v), &self)),
                    Err(NotInt::OutOfRange) => {
                        Err(E::custom(format_args!("integer {v} is out of range")))
                    }
                }
            }
        }
        d.deserialize_any(IntVisitor)
    }
}

/// Why a JSON number is not a Lexicon integer.
pub(crate) enum NotInt {
    /// It has a fractional part, or is not finite.
    Fraction,
    /// It is whole but outside the range of `i64`.
    OutOfRange,
}

/// The integer a float denotes (`1.0` and `1e2` count), as [`Int`] reads it.
pub(crate) fn whole_f64(v: f64) -> Result<i64, NotInt> {
    // 2^63 is exactly representable; anything at or past it does not fit an i64.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if v.fract() != 0.0 || !v.is_finite() {
        Err(NotInt::Fraction)
    } else if !(-LIMIT..LIMIT).contains(&v) {
        Err(NotInt::OutOfRange)
    } else {
        Ok(v as i64)
    }
}

/// An integer that serializes as a plain number and deserializes like [`Int`].
#[derive(serde::Serialize)]
#[serde(transparent)]
pub struct IntJson(pub i64);

impl<'de> Deserialize<'de> for IntJson {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Int::deserialize(d).map(|i| IntJson(i.0))
    }
}
