//! Rust-level breaks between two versions of a lexicon set: names the generator decides (a def's
//! type, a property's field, a known value's variant) that change although the lexicon change
//! itself is compatible, for instance when a new property or def takes a name first and an old
//! one gets a number. Code that names the old Rust item stops compiling, so `diff` reports each.

use std::collections::BTreeMap;

use crate::catalog::Catalog;
use crate::evolution::Change;
use crate::ir::{Ir, Item, TypePath};

/// Every Rust name that an item present in both versions changes.
pub fn renames(old: &Catalog, new: &Catalog) -> Vec<Change> {
    let (Some(old), Some(new)) = (lowered(old), lowered(new)) else {
        return Vec::new();
    };
    let new_paths: BTreeMap<&str, &TypePath> = new
        .defs
        .iter()
        .map(|d| (d.type_id.as_str(), &d.path))
        .collect();
    let mut out = Vec::new();
    for def in &old.defs {
        let Some(&new_path) = new_paths.get(def.type_id.as_str()) else {
            continue;
        };
        let (nsid, name) = def
            .type_id
            .split_once('#')
            .unwrap_or((&def.type_id, "main"));
        let change = |message: String| Change::new(nsid, format!("/defs/{name}"), true, message);
        if def.path != *new_path {
            out.push(change(format!(
                "Rust type `{}` is now `{}`: code that names it breaks",
                rust_path(&def.path),
                rust_path(new_path)
            )));
            continue;
        }
        for (what, old_name, new_name) in member_names(&old, &new, &def.path) {
            out.push(change(format!(
                "Rust {what} `{}::{old_name}` is now `{new_name}`: code that names it breaks",
                def.path.name
            )));
        }
    }
    out
}

/// The lowered set, or `None` when it does not lower (its diagnostics are reported by
/// generation, not by `diff`).
fn lowered(catalog: &Catalog) -> Option<Ir> {
    let mut diags = Vec::new();
    let ir = crate::lower::lower(catalog, &[], &Default::default(), &mut diags);
    diags.is_empty().then_some(ir)
}

fn rust_path(path: &TypePath) -> String {
    let mut segments = path.module.clone();
    segments.push(path.name.clone());
    segments.join("::")
}

/// The item a path names.
fn item<'a>(ir: &'a Ir, path: &TypePath) -> Option<&'a Item> {
    ir.modules
        .get(&path.module)?
        .items
        .iter()
        .find(|i| match i {
            Item::Struct(s) => s.name == path.name,
            Item::StringEnum(e) => e.name == path.name,
            _ => false,
        })
}

/// Fields (by property) and variants (by value) of one type whose Rust names differ.
fn member_names(old: &Ir, new: &Ir, path: &TypePath) -> Vec<(&'static str, String, String)> {
    let names = |ir: &Ir| -> BTreeMap<String, String> {
        match item(ir, path) {
            Some(Item::Struct(s)) => s
                .fields
                .iter()
                .map(|f| (f.json.clone(), f.name.clone()))
                .collect(),
            Some(Item::StringEnum(e)) => e
                .variants
                .iter()
                .map(|(name, value)| (value.clone(), name.clone()))
                .collect(),
            _ => BTreeMap::new(),
        }
    };
    let what = match item(old, path) {
        Some(Item::Struct(_)) => "field",
        _ => "variant",
    };
    let (old_names, new_names) = (names(old), names(new));
    old_names
        .into_iter()
        .filter_map(|(key, old_name)| {
            let new_name = new_names.get(&key)?;
            (*new_name != old_name).then(|| (what, old_name, new_name.clone()))
        })
        .collect()
}
