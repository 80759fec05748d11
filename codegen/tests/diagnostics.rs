//! Every document rule has a broken lexicon in `tests/data/bad-lexicons/<rule>/`; generation must
//! fail with a diagnostic naming the file, the JSON pointer and the rule, never panic.

use std::path::{Path, PathBuf};

use lexicon_codegen::{generate, Diagnostic, Options};

fn bad(rule: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data/bad-lexicons")
        .join(rule)
}

fn diagnostics(dir: &Path) -> Vec<Diagnostic> {
    match generate(&Options::new().lexicons(dir)) {
        Ok(_) => panic!("{} generated without error", dir.display()),
        Err(d) => d.iter().cloned().collect(),
    }
}

/// Asserts one diagnostic has `rule`, `pointer` and a file named `file`, and returns it.
fn expect(rule: &str, file: &str, pointer: &str) -> Diagnostic {
    let diags = diagnostics(&bad(rule));
    diags
        .iter()
        .find(|d| d.rule == rule && d.pointer == pointer && d.file.ends_with(file))
        .cloned()
        .unwrap_or_else(|| panic!("no {rule} diagnostic at {file}{pointer}; got:\n{diags:#?}"))
}

#[test]
fn invalid_json_names_line_and_column() {
    let d = expect("json", "doc.json", "");
    assert_eq!(d.position, Some((4, 40)));
    assert!(d.to_string().contains("doc.json:4:40"), "{d}");
}

#[test]
fn unknown_type_lists_the_types() {
    let d = expect(
        "unknown-type",
        "doc.json",
        "/defs/main/properties/name/type",
    );
    assert!(
        d.message.contains("\"strnig\"") && d.message.contains("string, integer"),
        "{d}"
    );
}

#[test]
fn missing_id() {
    expect("id", "doc.json", "");
}

#[test]
fn unresolved_ref_suggests_the_nearest_def() {
    let d = expect(
        "unresolved-ref",
        "doc.json",
        "/defs/main/properties/price/ref",
    );
    assert!(d.message.contains("did you mean `#money`?"), "{d}");
}

#[test]
fn duplicate_id_names_both_files() {
    let d = expect("duplicate-id", "b.json", "/id");
    assert!(d.message.contains("a.json"), "{d}");
}

#[test]
fn required_field_not_in_properties() {
    expect(
        "required-not-in-properties",
        "doc.json",
        "/defs/main/required/1",
    );
}

#[test]
fn defaults_must_obey_their_constraints() {
    expect(
        "default-breaks-constraints",
        "doc.json",
        "/defs/main/properties/count/default",
    );
    expect(
        "default-breaks-constraints",
        "doc.json",
        "/defs/main/properties/name/default",
    );
}

#[test]
fn other_document_rules() {
    expect("lexicon-version", "doc.json", "/lexicon");
    expect("primary-not-main", "doc.json", "/defs/post");
    expect("record-key", "doc.json", "/defs/main/key");
    expect("min-greater-than-max", "doc.json", "/defs/main");
    expect("empty-closed-union", "doc.json", "/defs/main/properties/u");
    expect("unknown-format", "doc.json", "/defs/main/format");
    expect("document", "doc.json", "/revision");
    expect("document", "doc.json", "/description");
    expect("defs", "doc.json", "/defs");
    expect("nested-array", "doc.json", "/defs/main/items");
    expect(
        "params-type",
        "doc.json",
        "/defs/main/parameters/properties/b",
    );
    expect("body-schema", "doc.json", "/defs/main/input/schema");
    expect("ref-target", "doc.json", "/defs/main/properties/t/ref");
    expect("union-member", "doc.json", "/defs/main/properties/u/refs/0");
    expect(
        "const-breaks-constraints",
        "doc.json",
        "/defs/main/properties/s/const",
    );
    expect(
        "const-breaks-constraints",
        "doc.json",
        "/defs/main/properties/f/const",
    );
    expect(
        "const-breaks-constraints",
        "doc.json",
        "/defs/main/properties/i/const",
    );
    expect("unknown-def", "doc.json", "/defs/main/type");
    let d = diagnostics(&bad("two-hashes"));
    assert!(
        d.iter()
            .any(|d| d.rule == "unresolved-ref" && d.message.contains("more than one `#`")),
        "{d:#?}"
    );
}

#[test]
fn shape_errors_in_every_def_are_reported() {
    let diags = diagnostics(&bad("schema"));
    let pointers: Vec<&str> = diags
        .iter()
        .filter(|d| d.rule == "schema")
        .map(|d| d.pointer.as_str())
        .collect();
    for p in [
        "/defs/main/errors/0",
        "/defs/len/maxLength",
        "/defs/kv/knownValues/1",
        "/defs/sub/properties/x/minimum",
    ] {
        assert!(pointers.contains(&p), "{p} missing from {pointers:?}");
    }
}

#[test]
fn all_errors_of_a_run_are_reported_together() {
    let dirs: Vec<PathBuf> = [
        "json",
        "unknown-type",
        "unresolved-ref",
        "default-breaks-constraints",
    ]
    .iter()
    .map(|r| bad(r))
    .collect();
    let diags = match generate(&dirs.iter().fold(Options::new(), |o, d| o.lexicons(d))) {
        Ok(_) => panic!("generated"),
        Err(d) => d,
    };
    let rules: Vec<&str> = diags.iter().map(|d| d.rule).collect();
    for rule in ["json", "unknown-type", "default-breaks-constraints"] {
        assert!(rules.contains(&rule), "{rule} missing from {rules:?}");
    }
    assert!(diags
        .to_string()
        .ends_with(&format!("{} errors in lexicons", diags.len())));
}

#[test]
fn an_empty_or_missing_folder_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("empty.json"), "").unwrap();
    std::fs::write(dir.path().join("binary.json"), [0xff, 0xfe, 0x00]).unwrap();
    let diags = diagnostics(dir.path());
    assert_eq!(diags.len(), 2, "{diags:#?}");
    let missing = diagnostics(&dir.path().join("nope"));
    assert_eq!(missing[0].rule, "lexicon-folder");
}
