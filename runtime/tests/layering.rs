//! The runtime's modules depend on each other in one direction: paths and error kinds -> string
//! syntax -> value types -> validation -> serde glue -> CBOR. A module may name its own layer
//! and the layers below it, never one above.

use std::collections::BTreeMap;
use std::path::Path;

/// Each module (by its path below `src/`, without `.rs`) and its layer.
const LAYERS: &[(&str, u8)] = &[
    ("path", 0),
    ("kind", 0),
    ("error", 0),
    ("cause", 0),
    ("formats", 1),
    ("base64", 2),
    ("number", 2),
    ("special", 2),
    ("data", 2),
    ("lexicon", 2),
    ("validate", 3),
    ("__private/check", 3),
    ("__private/de", 4),
    ("__private/ser", 4),
    ("json", 4),
    ("dynamic", 4),
    ("query", 4),
    ("record", 4),
    ("xrpc", 4),
    ("__private", 4),
    ("cbor", 5),
];

/// Names re-exported at the crate root, and the module that defines each.
const ROOT_NAMES: &[(&str, &str)] = &[
    ("Path", "path"),
    ("FormatKind", "kind"),
    ("Error", "error"),
    ("CborError", "error"),
    ("Mode", "error"),
    ("ValidationError", "error"),
    ("ValidationErrors", "error"),
    ("Violation", "error"),
    ("Format", "formats"),
    ("FormatError", "formats"),
    ("AtIdentifier", "formats"),
    ("AtUri", "formats"),
    ("Cid", "formats"),
    ("Datetime", "formats"),
    ("Did", "formats"),
    ("Handle", "formats"),
    ("Language", "formats"),
    ("Nsid", "formats"),
    ("RecordKey", "formats"),
    ("Tid", "formats"),
    ("Uri", "formats"),
    ("Extra", "data"),
    ("Unknown", "data"),
    ("Blob", "special"),
    ("Bytes", "special"),
    ("CidLink", "special"),
    ("Validate", "validate"),
    ("check", "__private/check"),
    ("de", "__private/de"),
    ("Unchecked", "__private/de"),
    ("ser", "__private/ser"),
];

fn layer_of(module: &str) -> u8 {
    LAYERS
        .iter()
        .filter(|(m, _)| module == *m || module.starts_with(&format!("{m}/")))
        .max_by_key(|(m, _)| m.len())
        .map(|(_, l)| *l)
        .unwrap_or_else(|| panic!("module {module} has no layer in LAYERS"))
}

/// The modules a `crate::...` path names: `crate::formats::x` -> formats, `crate::Blob` -> special.
fn named_modules(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices("crate::") {
        let rest = &text[i + "crate::".len()..];
        let items: Vec<&str> = if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            group[..end].split(',').map(str::trim).collect()
        } else {
            vec![rest]
        };
        for item in items {
            let name: String = item
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if name.is_empty() || name == "self" {
                continue;
            }
            let module = match ROOT_NAMES.iter().find(|(n, _)| *n == name) {
                Some((_, m)) => m.to_string(),
                None if name == "__private" => {
                    let after = item.trim_start_matches("__private::");
                    let sub: String = after
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    format!("__private/{sub}")
                }
                None => name,
            };
            out.push(module);
        }
    }
    out
}

fn modules(dir: &Path, base: &Path, out: &mut BTreeMap<String, String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            modules(&path, base, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix(base).unwrap().with_extension("");
            let name = rel.to_string_lossy().replace('\\', "/");
            let name = name.trim_end_matches("/mod").to_owned();
            out.insert(name, std::fs::read_to_string(&path).unwrap());
        }
    }
}

#[test]
fn modules_depend_only_on_their_layer_and_below() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = BTreeMap::new();
    modules(&src, &src, &mut all);
    let mut upward = Vec::new();
    for (module, text) in &all {
        if module == "lib" {
            continue;
        }
        let own = layer_of(module);
        for named in named_modules(text) {
            if layer_of(&named) > own {
                upward.push(format!(
                    "{module} (layer {own}) names {named} (layer {})",
                    layer_of(&named)
                ));
            }
        }
    }
    upward.sort();
    upward.dedup();
    assert!(
        upward.is_empty(),
        "upward dependencies:\n{}",
        upward.join("\n")
    );
}

#[test]
fn the_check_sees_an_upward_dependency() {
    assert_eq!(
        named_modules("use crate::{Blob, Validate};"),
        ["special", "validate"]
    );
    assert_eq!(
        named_modules("crate::__private::de::Shape"),
        ["__private/de"]
    );
    assert!(layer_of("validate") > layer_of("special"));
}
