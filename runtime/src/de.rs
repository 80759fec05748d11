//! Helpers for the `Deserialize` impls that the generator writes. Not a stable API.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};

/// An object key, borrowed from the input when it can be.
pub struct Key<'de>(pub Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string key")
            }

            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
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
                // 2^63 is exactly representable; anything at or past it does not fit an i64.
                const LIMIT: f64 = 9_223_372_036_854_775_808.0;
                if v.fract() != 0.0 || !v.is_finite() {
                    Err(E::invalid_type(de::Unexpected::Float(v), &self))
                } else if !(-LIMIT..LIMIT).contains(&v) {
                    Err(E::custom(format_args!("integer {v} is out of range")))
                } else {
                    Ok(Int(v as i64))
                }
            }
        }
        d.deserialize_any(IntVisitor)
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

/// Checks the `$type` of an object against the one its schema names.
pub fn check_type<E: de::Error>(actual: &str, expected: &str) -> Result<(), E> {
    if actual == expected {
        Ok(())
    } else {
        Err(E::custom(format_args!(
            "wrong $type: expected {expected:?}, got {actual:?}"
        )))
    }
}

/// Reads the value of a declared property into its slot, through [`Shape`]; a property given
/// twice is an error naming it.
pub fn field<'de, A: de::MapAccess<'de>, T: Shape<'de>>(
    map: &mut A,
    slot: &mut Option<T>,
    name: &'static str,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(de::Error::duplicate_field(name));
    }
    *slot = Some(map.next_value::<Lenient<T>>()?.0);
    Ok(())
}

/// Takes a required property or fails naming it.
pub fn required<T, E: de::Error>(value: Option<T>, name: &'static str) -> Result<T, E> {
    value.ok_or_else(|| E::missing_field(name))
}

/// A type that can be read from JSON checking only its shape, leaving constraints (formats,
/// lengths, ranges) to [`crate::Validate`], so that validation can report every violation.
pub trait Shape<'de>: Sized {
    /// Reads the value, checking its shape only.
    fn deserialize_shape<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error>;
}

/// Reads a `T` through [`Shape`].
#[repr(transparent)]
pub struct Lenient<T>(pub T);

impl<'de, T: Shape<'de>> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize_shape(d).map(Lenient)
    }
}

impl<'de> Shape<'de> for String {
    fn deserialize_shape<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)
    }
}

impl<'de> Shape<'de> for bool {
    fn deserialize_shape<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        bool::deserialize(d)
    }
}

impl<'de> Shape<'de> for i64 {
    fn deserialize_shape<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Int::deserialize(d).map(|i| i.0)
    }
}

impl<'de, T: Shape<'de>> Shape<'de> for Vec<T> {
    fn deserialize_shape<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let items = Vec::<Lenient<T>>::deserialize(d)?;
        Ok(items.into_iter().map(|item| item.0).collect())
    }
}

impl<'de, T: Shape<'de>> Shape<'de> for Option<T> {
    fn deserialize_shape<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Option::<Lenient<T>>::deserialize(d)?.map(|v| v.0))
    }
}

impl<'de, T: Shape<'de>> Shape<'de> for Box<T> {
    fn deserialize_shape<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize_shape(d).map(Box::new)
    }
}

impl<'de> Shape<'de> for crate::CidLink {
    fn deserialize_shape<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::CidLink::deserialize(d)
    }
}

impl<'de> Shape<'de> for crate::Bytes {
    fn deserialize_shape<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::Bytes::deserialize(d)
    }
}

impl<'de> Shape<'de> for crate::Blob {
    fn deserialize_shape<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::Blob::deserialize(d)
    }
}

impl<'de> Shape<'de> for crate::Unknown {
    fn deserialize_shape<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::Unknown::deserialize(d)
    }
}

impl<'de> Shape<'de> for serde_json::Value {
    fn deserialize_shape<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde_json::Value::deserialize(d)
    }
}

/// Checks a `$type` read as raw JSON: it must be a string naming the expected type (`nsid` and
/// `nsid#main` name the same main def).
pub fn check_type_value<E: de::Error>(actual: &serde_json::Value, expected: &str) -> Result<(), E> {
    match actual {
        serde_json::Value::String(s)
            if !expected.contains('#') && s.strip_suffix("#main") == Some(expected) =>
        {
            Ok(())
        }
        serde_json::Value::String(s) => check_type(s, expected),
        _ => Err(E::custom(format_args!(
            "wrong $type: expected {expected:?}, got {actual}"
        ))),
    }
}

/// Keeps an undeclared property, refusing a key given twice.
pub fn insert_extra<E: de::Error>(
    extra: &mut crate::Extra,
    key: Cow<'_, str>,
    value: serde_json::Value,
) -> Result<(), E> {
    use serde_json::map::Entry;
    match extra.entry(key.into_owned()) {
        Entry::Vacant(slot) => {
            slot.insert(value);
            Ok(())
        }
        Entry::Occupied(slot) => Err(E::custom(format_args!(
            "duplicate property `{}`",
            slot.key()
        ))),
    }
}

/// The `$type` of a union member: the value must be an object with a string `$type`.
pub fn union_type<E: de::Error>(value: &serde_json::Value) -> Result<&str, E> {
    match value.get("$type") {
        Some(serde_json::Value::String(t)) => Ok(t),
        Some(other) => Err(E::custom(format_args!(
            "expected `$type` to be a string, found {other}"
        ))),
        None if value.is_object() => Err(E::custom("a union member must have a `$type`")),
        None => Err(E::custom(
            "expected an object with a `$type` (a union member)",
        )),
    }
}

/// Reads a union member from its buffered JSON.
pub fn from_value<'de, T: Shape<'de>, E: de::Error>(value: serde_json::Value) -> Result<T, E>
where
    serde_json::Value: Deserializer<'de>,
{
    T::deserialize_shape(value).map_err(E::custom)
}

/// The error for a `$type` that a closed union does not list.
pub fn closed_union<E: de::Error>(actual: &str, expected: &'static [&'static str]) -> E {
    E::custom(format_args!(
        "$type {actual:?} is not a member of this closed union: expected one of {expected:?}"
    ))
}

/// An object type that can be read from a map whose `$type` a union has already read.
pub trait FromMap<'de>: Sized {
    /// Reads the rest of the object; `type_id` is the `$type` already read, if any.
    fn from_map<A: de::MapAccess<'de>>(map: A, type_id: Option<&str>) -> Result<Self, A::Error>;
}

/// Reads an object type through its [`FromMap`] impl; `expecting` names the type in errors.
pub fn deserialize_object<'de, T: FromMap<'de>, D: Deserializer<'de>>(
    d: D,
    expecting: &'static str,
) -> Result<T, D::Error> {
    struct ObjectVisitor<T>(&'static str, std::marker::PhantomData<T>);

    impl<'de, T: FromMap<'de>> Visitor<'de> for ObjectVisitor<T> {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }

        fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            T::from_map(map, None)
        }
    }

    d.deserialize_map(ObjectVisitor(expecting, std::marker::PhantomData))
}

/// Reads the rest of a map into JSON, after `first` (a key and its value already read).
pub fn rest_into_value<'de, A: de::MapAccess<'de>>(
    first: (String, serde_json::Value),
    mut map: A,
) -> Result<serde_json::Value, A::Error> {
    let mut object = serde_json::Map::new();
    object.insert(first.0, first.1);
    while let Some(key) = map.next_key::<Key<'de>>()? {
        let value = map.next_value::<serde_json::Value>()?;
        insert_extra::<A::Error>(&mut object, key.0, value)?;
    }
    Ok(serde_json::Value::Object(object))
}
