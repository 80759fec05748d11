//! Helpers for the `Serialize` impls that the generator writes. Not a stable API.

use serde::ser::{SerializeMap, Serializer};

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
    let mut map = serializer.serialize_map(None)?;
    map.serialize_entry("$type", type_id)?;
    value.serialize_fields(&mut map)?;
    map.end()
}
