//! `lint::lint_dirs`: one small document per rule, each finding at its JSON pointer, and a
//! clean document with no finding at all.

use std::path::Path;

use lexicon_schema::lint::lint_dirs;
use lexicon_schema::Severity;
use serde_json::{json, Value};

/// A record lexicon that breaks no rule.
fn clean() -> Value {
    json!({"lexicon": 1, "id": "com.example.thing", "defs": {"main": {
        "type": "record", "key": "tid", "description": "A thing.",
        "record": {"type": "object", "required": ["name"], "properties": {
            "name": {"type": "string", "maxLength": 100, "maxGraphemes": 10}}}}}})
}

/// Every (severity, rule, pointer) of `docs`, written to a folder of their own.
fn findings(docs: &[Value]) -> Vec<(Severity, String, String)> {
    let dir = tempfile::tempdir().unwrap();
    for (i, doc) in docs.iter().enumerate() {
        std::fs::write(dir.path().join(format!("{i}.json")), doc.to_string()).unwrap();
    }
    lint_dirs(&[dir.path().to_owned()])
        .iter()
        .map(|d| (d.severity, d.rule.to_owned(), d.pointer.clone()))
        .collect()
}

/// `clean()` with `pointer` set to `value`.
fn with(pointer: &str, value: Value) -> Value {
    let mut doc = clean();
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    doc.pointer_mut(parent).unwrap()[key] = value;
    doc
}

#[test]
fn a_clean_lexicon_has_no_findings() {
    assert_eq!(findings(&[clean()]), []);
}

#[test]
fn each_rule_finds_its_problem_where_it_is() {
    let prop = "/defs/main/record/properties/name";
    let query =
        |def: Value| json!({"lexicon": 1, "id": "com.example.getThing", "defs": {"main": def}});
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "missing-primary-description",
            with("/defs/main/description", Value::Null),
            "/defs/main",
        ),
        (
            "unlimited-string",
            with(prop, json!({"type": "string"})),
            prop,
        ),
        (
            "record-key-any",
            with("/defs/main/key", json!("any")),
            "/defs/main/key",
        ),
        (
            "large-string",
            with(prop, json!({"type": "string", "maxLength": 30000})),
            prop,
        ),
        (
            "graphemes-without-length",
            with(prop, json!({"type": "string", "maxGraphemes": 10})),
            prop,
        ),
        (
            "closed-enum",
            with(prop, json!({"type": "string", "enum": ["a", "b"]})),
            prop,
        ),
        (
            "unlimited-bytes",
            with(prop, json!({"type": "bytes"})),
            prop,
        ),
        (
            "large-bytes",
            with(prop, json!({"type": "bytes", "maxLength": 30000})),
            prop,
        ),
        (
            "known-string-local-ref",
            with(
                prop,
                json!({"type": "string", "maxLength": 10, "knownValues": ["#fast"]}),
            ),
            prop,
        ),
        (
            "nullable-and-optional",
            with("/defs/main/record/nullable", json!(["other"])),
            "/defs/main/record/properties/other",
        ),
        (
            "field-name-syntax",
            with(
                "/defs/main/record/properties/Name",
                json!({"type": "integer"}),
            ),
            "/defs/main/record/properties/Name",
        ),
        (
            "field-name-syntax",
            with(
                "/defs/main/record/properties/id",
                json!({"type": "integer"}),
            ),
            "/defs/main/record/properties/id",
        ),
        (
            "def-name-syntax",
            with("/defs/Extra", json!({"type": "token", "description": "x"})),
            "/defs/Extra",
        ),
        (
            "unused-def",
            with("/defs/extra", json!({"type": "integer"})),
            "/defs/extra",
        ),
        (
            "undescribed-token",
            with("/defs/fast", json!({"type": "token"})),
            "/defs/fast",
        ),
        (
            "nsid-authority-case",
            with("/id", json!("com.Example.thing")),
            "/id",
        ),
        (
            "nsid-hyphen",
            with("/id", json!("com.ex-ample.thing")),
            "/id",
        ),
        (
            "nsid-name-case",
            with("/id", json!("com.example.Thing")),
            "/id",
        ),
        (
            "endpoint-output-undefined",
            query(json!({"type": "query", "description": "Gets a thing."})),
            "/defs/main",
        ),
        (
            "unspecified-encoding",
            query(
                json!({"type": "query", "description": "Gets a thing.", "output": {"encoding": ""}}),
            ),
            "/defs/main/output",
        ),
        (
            "subscription-no-messages",
            query(json!({"type": "subscription", "description": "Things as they come."})),
            "/defs/main",
        ),
        (
            "permissionset-no-title",
            query(
                json!({"type": "permission-set", "permissions": [{"type": "permission", "resource": "repo", "collection": ["com.example.thing"]}]}),
            ),
            "/defs/main",
        ),
        (
            "permissionset-no-permissions",
            query(json!({"type": "permission-set", "title": "Things", "permissions": []})),
            "/defs/main",
        ),
        (
            "defs-main-definition",
            json!({"lexicon": 1, "id": "com.example.defs", "defs": {"main": {"type": "token", "description": "x"}}}),
            "/defs/main",
        ),
    ];
    let mut missed = Vec::new();
    for (rule, doc, pointer) in &cases {
        let found = findings(std::slice::from_ref(doc));
        let hit = found
            .iter()
            .any(|(severity, r, p)| *severity == Severity::Warning && r == rule && p == pointer);
        if !hit {
            missed.push(format!("{rule} at {pointer}: found {found:?}"));
        }
    }
    assert!(missed.is_empty(), "{}", missed.join("\n"));
}

#[test]
fn refs_and_known_values_count_as_uses_across_lexicons() {
    let shared = json!({"lexicon": 1, "id": "com.example.other", "defs": {
        "main": {"type": "record", "key": "tid", "description": "Another.", "record": {
            "type": "object", "properties": {
                "thing": {"type": "ref", "ref": "com.example.thing#part"},
                "speed": {"type": "string", "maxLength": 10, "knownValues": ["com.example.thing#fast"]}}}}}});
    let thing = with("/defs/part", json!({"type": "object", "properties": {}}));
    let thing = {
        let mut t = thing;
        t["defs"]["fast"] = json!({"type": "token", "description": "Fast."});
        t
    };
    assert_eq!(findings(&[shared, thing]), []);
}

#[test]
fn what_the_loader_refuses_is_an_error() {
    let found = findings(&[with(
        "/defs/other",
        json!({"type": "record", "key": "tid", "description": "x", "record": {"type": "object", "properties": {}}}),
    )]);
    assert!(
        found.iter().any(|(s, r, p)| *s == Severity::Error
            && r == "primary-not-main"
            && p == "/defs/other"),
        "{found:?}"
    );
    let found = findings(&[with(
        "/defs/main/record/properties/name",
        json!({"type": "ref", "ref": "#gone"}),
    )]);
    assert!(
        found
            .iter()
            .any(|(s, r, _)| *s == Severity::Error && r == "unresolved-ref"),
        "{found:?}"
    );
}

/// The corpus lints with warnings only, exactly those the README lists and explains.
#[test]
fn the_corpus_lints_with_the_warnings_the_readme_lists() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/corpus/atproto");
    let found = findings_in(&corpus);
    assert!(
        found.iter().all(|(s, _, _)| *s == Severity::Warning),
        "{:?}",
        found.iter().find(|f| f.0 == Severity::Error)
    );
    let mut counts = std::collections::BTreeMap::new();
    for (_, rule, _) in &found {
        *counts.entry(rule.as_str()).or_insert(0) += 1;
    }
    let listed = std::collections::BTreeMap::from([
        ("unlimited-string", 848),
        ("endpoint-output-undefined", 48),
        ("field-name-syntax", 31),
        ("closed-enum", 9),
        ("missing-primary-description", 6),
        ("unlimited-bytes", 4),
        ("large-string", 3),
        ("graphemes-without-length", 2),
        ("nullable-and-optional", 1),
        ("large-bytes", 1),
        ("unused-def", 1),
        ("record-key-any", 1),
    ]);
    assert_eq!(counts, listed);
}

fn findings_in(dir: &Path) -> Vec<(Severity, String, String)> {
    lint_dirs(&[dir.to_owned()])
        .iter()
        .map(|d| (d.severity, d.rule.to_owned(), d.pointer.clone()))
        .collect()
}
