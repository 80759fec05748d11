//! The interop lexicon documents: `lexicon-valid.json` entries load, `lexicon-invalid.json` entries
//! are refused under the rule that names what is wrong, and the catalog lexicons load.

use std::path::{Path, PathBuf};

use lexicon_codegen::{generate, Options};
use serde_json::Value;

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data")
}

fn entries(file: &str) -> Vec<(String, Value)> {
    let text = std::fs::read_to_string(data().join("interop/lexicon").join(file)).unwrap();
    let cases: Vec<Value> = serde_json::from_str(&text).unwrap();
    cases
        .into_iter()
        .map(|c| (c["name"].as_str().unwrap().to_owned(), c["lexicon"].clone()))
        .collect()
}

fn generate_one(doc: &Value) -> Result<(), lexicon_codegen::Diagnostics> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("doc.json"), doc.to_string()).unwrap();
    let options = Options::new().lexicons(dir.path()).rustfmt(false);
    generate(&options).map(drop)
}

#[test]
fn valid_documents_load() {
    let cases = entries("lexicon-valid.json");
    assert_eq!(cases.len(), 3);
    for (name, doc) in cases {
        generate_one(&doc).unwrap_or_else(|d| panic!("{name}: {d}"));
    }
}

#[test]
fn invalid_documents_are_refused_under_the_named_rule() {
    let expected = [
        ("invalid lexicon field", "lexicon-version", "/lexicon"),
        ("invalid id field", "id", "/id"),
        ("invalid NSID", "id", "/id"),
        ("defined unknown", "unknown-def", "/defs/demo/type"),
        ("defined ref", "unknown-type", "/defs/demo/type"),
        ("non-main primary", "primary-not-main", "/defs/demo"),
        ("record missing type object", "schema", "/defs/main/record"),
    ];
    let cases = entries("lexicon-invalid.json");
    assert_eq!(cases.len(), expected.len());
    for (name, doc) in cases {
        let (_, rule, pointer) = expected
            .iter()
            .find(|(n, _, _)| *n == name)
            .unwrap_or_else(|| panic!("unexpected case {name}"));
        let diags = generate_one(&doc)
            .err()
            .unwrap_or_else(|| panic!("{name} was accepted"));
        assert!(
            diags.iter().any(|d| d.rule == *rule
                && d.pointer.starts_with(pointer)
                && d.file.ends_with("doc.json")),
            "{name}: expected {rule} at {pointer}, got:\n{diags}"
        );
    }
}

#[test]
fn catalog_documents_load() {
    // procedure.json's input refers to app.bsky.actor.defs, so the corpus is loaded alongside.
    let options = Options::new()
        .lexicons(data().join("interop/lexicon/catalog"))
        .lexicons(data().join("corpus/atproto"))
        .rustfmt(false);
    let files = generate(&options).unwrap_or_else(|d| panic!("{d}")).files;
    for nsid in [
        "record",
        "query",
        "procedure",
        "subscription",
        "permission_set",
    ] {
        let name = format!("example/lexicon/{nsid}.rs");
        assert!(
            files.iter().any(|f| f.path.ends_with(&name)
                || f.path
                    .ends_with(name.replace("permission_set", "permissionset"))),
            "{name}"
        );
    }
}
