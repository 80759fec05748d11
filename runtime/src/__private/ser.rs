//! Helpers for the `Serialize` impls that the generator writes. Not a stable API.

use serde::ser::{Serialize, SerializeMap, Serializer};

/// Writes an object's properties (declared, then undeclared) into a map already begun, without
/// `$type`, so that a union can put its own `$type` first.
pub trait SerializeFields {
    /// Writes the properties.
    fn serialize_fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error>;
}

impl<T: SerializeFields> SerializeFields for Box<T> {
    fn serialize_fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        (**self).serialize_fields(map)
    }
}

/// Serializes `value` as an object whose first property is `"$type": type_id`.
pub fn tagged<S: Serializer, T: SerializeFields>(
    serializer: S,
    type_id: &str,
    value: &T,
) -> Result<S::Ok, S::Error> {
    object(serializer, Some(type_id), value)
}

/// Serializes `value` as an object: `"$type"` first when there is one, then its properties.
pub fn object<S: Serializer, T: SerializeFields, Id: Serialize + ?Sized>(
    serializer: S,
    type_id: Option<&Id>,
    value: &T,
) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(None)?;
    if let Some(t) = type_id {
        map.serialize_entry("$type", t)?;
    }
    value.serialize_fields(&mut map)?;
    map.end()
}

/// Writes the undeclared properties kept in `extra`, except `$type` (written first, if at all).
pub fn extra<M: SerializeMap>(map: &mut M, extra: &crate::Extra) -> Result<(), M::Error> {
    for (k, v) in extra {
        if k != "$type" {
            map.serialize_entry(k, v)?;
        }
    }
    Ok(())
}
