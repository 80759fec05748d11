//! Names decided before lowering: module paths per NSID, type names per def, enum variants
//! and token constants.

use std::collections::{BTreeMap, HashMap};

use heck::ToShoutySnakeCase;

use crate::catalog::{Catalog, DefRef};
use crate::ir::*;
use crate::names::{def_type_name, pascal, snake, Scope};
use crate::schema::{self};

use super::Lowerer;

/// Module paths for every NSID: snake-case segments, siblings de-duplicated in NSID order.
pub(super) fn module_paths(catalog: &Catalog) -> BTreeMap<String, Vec<String>> {
    let mut by_raw: BTreeMap<Vec<String>, Vec<String>> = BTreeMap::new();
    let mut scopes: HashMap<Vec<String>, Scope> = HashMap::new();
    let mut out = BTreeMap::new();
    for loaded in catalog.docs() {
        let segments: Vec<String> = loaded.doc.id.split('.').map(str::to_owned).collect();
        let mut rust = Vec::new();
        for depth in 0..segments.len() {
            let raw = segments[..=depth].to_vec();
            let name = match by_raw.get(&raw) {
                Some(path) => path[depth].clone(),
                None => {
                    let parent = segments[..depth].to_vec();
                    let name = scopes
                        .entry(parent)
                        .or_default()
                        .claim(snake(&segments[depth]));
                    let mut path = rust.clone();
                    path.push(name.clone());
                    by_raw.insert(raw, path);
                    name
                }
            };
            rust.push(name);
        }
        out.insert(loaded.doc.id.clone(), rust);
    }
    out
}

impl Lowerer<'_> {
    /// Names every def's type first, so that nested types never take a def's name.
    pub(super) fn claim_names(&mut self) {
        for loaded in self.catalog.docs() {
            let doc = &loaded.doc;
            let module = self.modules[&doc.id].clone();
            let mut order: Vec<&String> = doc.defs.keys().filter(|n| *n == "main").collect();
            order.extend(doc.defs.keys().filter(|n| *n != "main"));
            for name in order {
                let def = &doc.defs[name];
                let r = DefRef {
                    nsid: doc.id.clone(),
                    name: name.clone(),
                };
                let wanted = def_type_name(&doc.id, name);
                if def.has_data_form() {
                    let ty_name = self.claim(&module, wanted);
                    self.types.insert(
                        r,
                        TypePath {
                            module: module.clone(),
                            name: ty_name,
                        },
                    );
                }
            }
        }
    }
}

/// Variant names and values of a string enum, and the name of the catch-all variant of an open
/// one. A pure function of the schema, so that defaults can name variants before the enum exists.
pub(super) fn enum_variants(s: &schema::StringSchema) -> (Vec<(String, String)>, Option<String>) {
    let mut scope = Scope::default();
    let values: Vec<&String> = match &s.enum_ {
        Some(values) => values.iter().collect(),
        None => s.known_values.iter().collect(),
    };
    let variants = values
        .into_iter()
        .map(|v| {
            // Token references (`nsid#name`) are named after their def name.
            let short = v.rsplit('#').next().unwrap_or(v);
            (scope.claim(pascal(short)), v.clone())
        })
        .collect();
    let other = s.enum_.is_none().then(|| scope.claim("Other".into()));
    (variants, other)
}

/// A `SHOUTY_SNAKE` constant name for a token.
pub(super) fn sanitize_const(name: &str) -> String {
    let s = name.to_shouty_snake_case();
    let s: String = s
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    match s.chars().next() {
        None => "TOKEN".into(),
        Some(c) if c.is_ascii_digit() => format!("_{s}"),
        Some(_) => s,
    }
}
