//! Helpers for the `Deserialize` impls that the generator writes. Not a stable API: reached
//! through `lexicon_runtime::__private`.
//!
//! Two ways in: [`Shape`] reads a value checking its shape only (types, required properties,
//! `$type`), leaving constraints to [`Validate`] so that validation can report every violation;
//! `Deserialize` of a generated type is [`checked`]: its shape, then strict validation, so that a
//! value obtained through serde has passed validation.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};

pub use crate::number::{Int, IntJson};
use crate::{Mode, Validate, ValidationErrors};

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

/// Checks the `$type` of an object against the one its schema names; the error is at the
/// object's `$type`.
pub fn check_type<E: de::Error>(actual: &str, expected: &str) -> Result<(), E> {
    if actual == expected {
        Ok(())
    } else {
        Err(below(
            ".$type",
            format_args!("wrong $type: expected {expected:?}, got {actual:?}"),
        ))
    }
}

/// The error for a record without `$type`, at its `$type`.
pub fn missing_type<E: de::Error>() -> E {
    below(".$type", "missing field `$type`")
}

/// An error about a value below the one being read, at `suffix` (`.$type`, `.external.uri`).
///
/// Serde errors carry only a message, so the path travels beside it, as a value: the error is
/// recorded on this thread (as `serde_path_to_error` records the path it tracks), and
/// `json::parse` and CBOR decoding, which read again tracking the path when a read fails, take
/// it (`take_below`) and put the suffix on the path. The message itself starts with the
/// suffix (`.$type: ...`) for code that shows a plain serde error as it is.
pub fn below<E: de::Error>(suffix: &str, message: impl fmt::Display) -> E {
    let message = message.to_string();
    let text = format!("{suffix}: {message}");
    let error = E::custom(&text);
    BELOW.with(|below| {
        *below.borrow_mut() = Some(Below {
            suffix: suffix.to_owned(),
            text,
            message,
        })
    });
    error
}

/// The last error [`below`] made on this thread.
struct Below {
    /// Where, below the value that raised it.
    suffix: String,
    /// The message the error was given (suffix and message).
    text: String,
    /// The message without the suffix.
    message: String,
}

thread_local! {
    static BELOW: std::cell::RefCell<Option<Below>> = const { std::cell::RefCell::new(None) };
}

/// Forgets the error [`below`] made last on this thread: called before a read whose error may
/// then be taken with [`take_below`].
pub(crate) fn clear_below() {
    BELOW.with(|below| below.borrow_mut().take());
}

/// The path suffix and the message of `error` (an error's text, as the reader shows it), when
/// [`below`] made it since [`clear_below`]: the reader may add to the text (serde_json's ` at
/// line L column C`), which is kept after the message.
pub(crate) fn take_below(error: &str) -> Option<(String, String)> {
    let below = BELOW.with(|below| below.borrow_mut().take())?;
    let rest = error.strip_prefix(below.text.as_str())?;
    Some((below.suffix, below.message + rest))
}

/// Reads the value of a declared property into its slot, through [`Shape`]; a property given
/// twice is an error naming it.
#[inline]
pub fn field<'de, A: de::MapAccess<'de>, T: Shape<'de>>(
    map: &mut A,
    slot: &mut Option<T>,
    name: &'static str,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(de::Error::duplicate_field(name));
    }
    *slot = Some(map.next_value::<Unchecked<T>>()?.into_unchecked());
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

    /// Where this type's schema is, so that a value that fails to read gets every violation
    /// listed (not only the first shape error): generated types name their def; others have
    /// none.
    fn lexicon() -> Option<crate::dynamic::LexiconRef> {
        None
    }
}

/// Every violation of a value that failed to read as `T`, when `T` names its schema and the
/// walker finds any; `value` gives the value as JSON, if it is data at all.
#[cold]
pub(crate) fn explain<T: ShapeOwned>(
    value: impl FnOnce() -> Option<serde_json::Value>,
    mode: Mode,
) -> Option<ValidationErrors> {
    let lexicon = <T as Shape<'static>>::lexicon()?;
    lexicon.explain(&value()?, mode)
}

/// A type that can be read from any input checking its shape only, then validated: every
/// generated type and the runtime's value types. The bound of `from_json`, `from_cbor` and
/// [`Unchecked`] reading; implemented automatically.
pub trait ShapeOwned: for<'de> Shape<'de> {}

impl<T: for<'de> Shape<'de>> ShapeOwned for T {}

/// Reads a `T` through [`Shape`], then validates it in strict mode: what `Deserialize` of a
/// generated type does. Violations become one custom error listing them all.
pub fn checked<'de, T: Shape<'de> + Validate, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    let value = T::deserialize_shape(d)?;
    match value.validate() {
        Ok(()) => Ok(value),
        Err(errors) => Err(de::Error::custom(errors)),
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
        let items = Vec::<Unchecked<T>>::deserialize(d)?;
        Ok(items.into_iter().map(Unchecked::into_unchecked).collect())
    }
}

impl<'de, T: Shape<'de>> Shape<'de> for Option<T> {
    fn deserialize_shape<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Option::<Unchecked<T>>::deserialize(d)?.map(Unchecked::into_unchecked))
    }
}

impl<'de, T: Shape<'de>> Shape<'de> for Box<T> {
    fn deserialize_shape<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize_shape(d).map(Box::new)
    }
}

/// The runtime's value types: `Shape` reads the JSON form, `Deserialize` also validates.
macro_rules! value_types {
    ($($name:ident),*) => {$(
        impl<'de> Shape<'de> for crate::$name {
            fn deserialize_shape<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                crate::$name::deserialize_shape(d)
            }
        }

        impl<'de> Deserialize<'de> for crate::$name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                checked(d)
            }
        }
    )*};
}

value_types!(CidLink, Bytes, Blob, Unknown);

/// Generated types read formats without checking them; validation checks them (with the
/// lenient rules in lenient mode). Their own `Deserialize` checks them in strict mode.
macro_rules! format_shapes {
    ($($name:ident),*) => {$(
        impl<'de> Shape<'de> for crate::$name {
            fn deserialize_shape<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                String::deserialize(d).map(<crate::$name as crate::Format>::new_unchecked)
            }
        }
    )*};
}

crate::formats::for_each_format_type!(format_shapes);

impl<'de> Shape<'de> for serde_json::Value {
    fn deserialize_shape<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde_json::Value::deserialize(d)
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

/// Reads a union member from its buffered JSON. An error keeps the path below the member (the
/// member is read apart from the input, so the path would otherwise stop at the union).
pub fn from_value<T: ShapeOwned, E: de::Error>(value: serde_json::Value) -> Result<T, E> {
    match Unchecked::<T>::deserialize(&value) {
        Ok(v) => Ok(v.into_unchecked()),
        Err(_) => {
            clear_below();
            let e = match serde_path_to_error::deserialize::<_, Unchecked<T>>(&value) {
                Ok(v) => return Ok(v.into_unchecked()),
                Err(e) => e,
            };
            let inner = crate::json::path_text(e.path());
            let message = e.into_inner().to_string();
            // `$.a.b` below the member, and whatever the inner error itself carried.
            let (deeper, message) = take_below(&message).unwrap_or((String::new(), message));
            match format!("{}{deeper}", &inner[1..]) {
                suffix if suffix.is_empty() => Err(E::custom(message)),
                suffix => Err(below(&suffix, message)),
            }
        }
    }
}

/// The error for a `$type` that a closed union does not list.
pub fn closed_union<E: de::Error>(actual: &str, expected: &'static [&'static str]) -> E {
    below(
        ".$type",
        format_args!(
            "$type {actual:?} is not a member of this closed union: expected one of {expected:?}"
        ),
    )
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

/// An open union's member of a type it does not list, kept as raw JSON (validation checks it).
pub fn unknown(value: serde_json::Value) -> crate::Unknown {
    crate::Unknown::unchecked(value)
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

/// A value read checking its shape only (types, required properties, `$type`), not its
/// constraints (lengths, formats, ranges): what to deserialize when the constraints should be
/// checked later, or in lenient mode, or not at all.
///
/// `Deserialize` of a generated type (and of the runtime's format and value types) validates in
/// strict mode, so `serde_json::from_str::<Job>` hands out only valid values. To keep reading
/// what the schema refuses, ask for `Unchecked<Job>`; the type says that it was not checked.
///
/// ```
/// use lexicon_runtime::{Did, Unchecked};
///
/// let raw: Unchecked<Did> = serde_json::from_str(r#""not a did""#).unwrap();
/// assert!(raw.validate().is_err());
/// assert!(serde_json::from_str::<Did>(r#""not a did""#).is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
#[repr(transparent)]
pub struct Unchecked<T>(T);

impl<T: Validate> Unchecked<T> {
    /// Validates in strict mode: the value, or every violation.
    pub fn validate(self) -> Result<T, ValidationErrors> {
        self.validate_with(Mode::Strict)
    }

    /// Validates as `mode`'s validator would: the value, or every violation.
    pub fn validate_with(self, mode: Mode) -> Result<T, ValidationErrors> {
        self.0.validate_with(mode).map(|()| self.0)
    }
}

impl<T> Unchecked<T> {
    /// Wraps a value, marking it as not validated.
    pub fn new(value: T) -> Self {
        Unchecked(value)
    }

    /// The value, not validated.
    pub fn into_unchecked(self) -> T {
        self.0
    }

    /// The value, not validated.
    pub fn as_unchecked(&self) -> &T {
        &self.0
    }
}

impl<'de, T: Shape<'de>> Deserialize<'de> for Unchecked<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize_shape(d).map(Unchecked)
    }
}

impl<T: serde::Serialize> serde::Serialize for Unchecked<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An object that must have `$type` `"a"`: the error is below it, at its `$type`.
    struct Typed;

    impl<'de> Shape<'de> for Typed {
        fn deserialize_shape<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            match serde_json::Value::deserialize(d)?.get("$type") {
                Some(t) if t == "a" => Ok(Typed),
                Some(_) => Err(below(".$type", "not a")),
                None => Err(missing_type()),
            }
        }
    }

    /// `{"x": Typed}`, read as a map of them.
    struct Holder;

    impl<'de> Shape<'de> for Holder {
        fn deserialize_shape<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            std::collections::BTreeMap::<String, Unchecked<Typed>>::deserialize(d).map(|_| Holder)
        }
    }

    /// A [`Holder`] buffered first, then read apart from the input, as union members are.
    struct Member;

    impl<'de> Shape<'de> for Member {
        fn deserialize_shape<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let value = serde_json::Value::deserialize(d)?;
            from_value::<Holder, D::Error>(value).map(|_| Member)
        }
    }

    fn parse_error(json: &str) -> (String, String) {
        match crate::json::parse::<Vec<Member>>(json) {
            Err(crate::Error::Parse { path, message }) => (path, message),
            other => panic!("expected a parse error, got {:?}", other.map(|_| ())),
        }
    }

    #[test]
    fn a_path_below_a_buffered_member_reaches_the_error_as_a_value() {
        assert!(crate::json::parse::<Vec<Member>>(r#"[{"x": {"$type": "a"}}]"#).is_ok());
        assert_eq!(
            parse_error(r#"[{"x": {"$type": "a"}}, {"x": {}}]"#),
            (
                "$[1].x.$type".to_owned(),
                "missing required property `$type`".to_owned()
            )
        );
        assert_eq!(
            parse_error(r#"[{"x": {"$type": "b"}}]"#),
            ("$[0].x.$type".to_owned(), "not a".to_owned())
        );
    }

    #[test]
    fn a_plain_serde_error_shows_the_path_below_in_its_message() {
        let e = serde_json::from_str::<Unchecked<Member>>(r#"{"x": {}}"#)
            .err()
            .expect("no $type");
        assert!(
            e.to_string().starts_with(".x.$type: missing field `$type`"),
            "{e}"
        );
    }

    #[test]
    fn an_error_not_made_below_leaves_the_path_as_tracked() {
        // A recorded error whose text is not the error's is not taken.
        let _ = below::<serde_json::Error>(".$type", "earlier");
        assert_eq!(take_below("something else"), None);
        assert_eq!(
            parse_error("[7]").0,
            "$[0]",
            "a type error in a buffered member is at the member"
        );
    }
}
