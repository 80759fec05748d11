//! `diff`: the real upstream cocore change, and one crafted pair per evolution rule.

use std::path::{Path, PathBuf};

use lexicon_codegen::{diff as compare_dirs, Change};
use serde_json::{json, Value};

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/lexicons")
}

#[test]
fn upstream_cocore_change_is_not_breaking() {
    let changes = compare_dirs(
        &[data().join("cocore-original")],
        &[data().join("cocore-upstream")],
    )
    .unwrap();
    let summary: Vec<(String, bool)> = changes
        .iter()
        .map(|c| (format!("{} {}", c.nsid, c.pointer), c.breaking))
        .collect();
    let job = "dev.cocore.compute.job /defs/main/record/properties/";
    let mut expected: Vec<(String, bool)> = [
        "inputFormat",
        "outputSchema",
        "toolChoice",
        "toolChoiceFunction",
        "tools",
    ]
    .iter()
    .map(|p| (format!("{job}{p}"), false))
    .collect();
    expected.insert(0, ("dev.cocore.compute.defs /defs/tier".into(), false));
    assert_eq!(summary, expected);
}

/// Compares two versions of one record's properties (and extra defs).
fn diff(old: Value, new: Value) -> Vec<Change> {
    let dir = tempfile::tempdir().unwrap();
    let doc = |props: &Value| {
        json!({"lexicon": 1, "id": "test.evolve.thing", "defs": {
            "main": {"type": "record", "key": "tid", "record": props},
            "a": {"type": "object", "properties": {}},
            "b": {"type": "object", "properties": {}}
        }})
    };
    for (name, v) in [("old", &old), ("new", &new)] {
        std::fs::create_dir_all(dir.path().join(name)).unwrap();
        std::fs::write(dir.path().join(name).join("doc.json"), doc(v).to_string()).unwrap();
    }
    compare_dirs(&[dir.path().join("old")], &[dir.path().join("new")]).unwrap()
}

fn obj(required: &[&str], props: Value) -> Value {
    json!({"type": "object", "required": required, "properties": props})
}

fn one(changes: &[Change]) -> (&str, bool) {
    assert_eq!(changes.len(), 1, "{changes:#?}");
    (changes[0].message.as_str(), changes[0].breaking)
}

#[test]
fn each_rule() {
    let s = |extra: Value| {
        let mut base = json!({"type": "string"});
        base.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        base
    };
    let cases: Vec<(&str, Value, Value, bool)> = vec![
        (
            "new required property",
            obj(&[], json!({})),
            obj(&["x"], json!({"x": s(json!({}))})),
            true,
        ),
        (
            "new optional property",
            obj(&[], json!({})),
            obj(&[], json!({"x": s(json!({}))})),
            false,
        ),
        (
            "required property removed",
            obj(&["x"], json!({"x": s(json!({}))})),
            obj(&[], json!({})),
            true,
        ),
        (
            "optional property removed",
            obj(&[], json!({"x": s(json!({}))})),
            obj(&[], json!({})),
            false,
        ),
        (
            "optional property made required",
            obj(&[], json!({"x": s(json!({}))})),
            obj(&["x"], json!({"x": s(json!({}))})),
            true,
        ),
        (
            "required property made optional",
            obj(&["x"], json!({"x": s(json!({}))})),
            obj(&[], json!({"x": s(json!({}))})),
            true,
        ),
        (
            "type changed",
            obj(&[], json!({"x": s(json!({}))})),
            obj(&[], json!({"x": {"type": "integer"}})),
            true,
        ),
        (
            "tightened",
            obj(&[], json!({"x": s(json!({"maxLength": 10}))})),
            obj(&[], json!({"x": s(json!({"maxLength": 5}))})),
            true,
        ),
        (
            "loosened",
            obj(&[], json!({"x": s(json!({"maxLength": 10}))})),
            obj(&[], json!({"x": s(json!({"maxLength": 20}))})),
            true,
        ),
        (
            "`format` changed",
            obj(&[], json!({"x": s(json!({}))})),
            obj(&[], json!({"x": s(json!({"format": "did"}))})),
            true,
        ),
        (
            "enum grown",
            obj(&[], json!({"x": s(json!({"enum": ["a"]}))})),
            obj(&[], json!({"x": s(json!({"enum": ["a", "b"]}))})),
            true,
        ),
        (
            "knownValues grown",
            obj(&[], json!({"x": s(json!({"knownValues": ["a"]}))})),
            obj(&[], json!({"x": s(json!({"knownValues": ["a", "b"]}))})),
            false,
        ),
        (
            "property made nullable",
            obj(&[], json!({"x": s(json!({}))})),
            json!({"type": "object", "nullable": ["x"], "properties": {"x": s(json!({}))}}),
            true,
        ),
        (
            "members added to an open union",
            obj(&[], json!({"u": {"type": "union", "refs": ["#a"]}})),
            obj(&[], json!({"u": {"type": "union", "refs": ["#a", "#b"]}})),
            false,
        ),
        (
            "members added to a closed union",
            obj(
                &[],
                json!({"u": {"type": "union", "refs": ["#a"], "closed": true}}),
            ),
            obj(
                &[],
                json!({"u": {"type": "union", "refs": ["#a", "#b"], "closed": true}}),
            ),
            true,
        ),
        (
            "union members removed",
            obj(&[], json!({"u": {"type": "union", "refs": ["#a", "#b"]}})),
            obj(&[], json!({"u": {"type": "union", "refs": ["#a"]}})),
            true,
        ),
        (
            "union closed changed",
            obj(&[], json!({"u": {"type": "union", "refs": ["#a"]}})),
            obj(
                &[],
                json!({"u": {"type": "union", "refs": ["#a"], "closed": true}}),
            ),
            true,
        ),
        (
            "`maximum`",
            obj(&[], json!({"n": {"type": "integer", "maximum": 5}})),
            obj(&[], json!({"n": {"type": "integer", "maximum": 4}})),
            true,
        ),
        (
            "`maxSize`",
            obj(&[], json!({"b": {"type": "blob", "maxSize": 5}})),
            obj(&[], json!({"b": {"type": "blob", "maxSize": 4}})),
            true,
        ),
    ];
    for (expected, old, new, breaking) in cases {
        let changes = diff(old, new);
        let (message, is_breaking) = one(&changes);
        assert!(message.contains(expected), "{expected}: got {message}");
        assert_eq!(is_breaking, breaking, "{expected}: {message}");
    }
}

#[test]
fn removed_defs_and_added_lexicons() {
    let dir = tempfile::tempdir().unwrap();
    let write = |sub: &str, name: &str, v: Value| {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        std::fs::write(dir.path().join(sub).join(name), v.to_string()).unwrap();
    };
    write(
        "old",
        "a.json",
        json!({"lexicon": 1, "id": "test.evolve.a", "defs": {"main": {"type": "token"}, "gone": {"type": "token"}}}),
    );
    write(
        "new",
        "a.json",
        json!({"lexicon": 1, "id": "test.evolve.a", "defs": {"main": {"type": "token"}}}),
    );
    write(
        "new",
        "b.json",
        json!({"lexicon": 1, "id": "test.evolve.b", "defs": {"main": {"type": "token"}}}),
    );
    let changes = compare_dirs(&[dir.path().join("old")], &[dir.path().join("new")]).unwrap();
    let got: Vec<(&str, &str, bool)> = changes
        .iter()
        .map(|c| (c.nsid.as_str(), c.message.as_str(), c.breaking))
        .collect();
    assert_eq!(
        got,
        [
            ("test.evolve.a", "def `gone` removed", true),
            ("test.evolve.b", "lexicon added", false)
        ]
    );
}

#[test]
fn a_compatible_change_that_renames_a_rust_field_is_breaking() {
    // A new property `foo_bar`, put before the old `fooBar`, takes the field name `foo_bar`.
    let old = obj(&[], json!({"fooBar": {"type": "string"}}));
    let new = obj(
        &[],
        json!({"foo_bar": {"type": "string"}, "fooBar": {"type": "string"}}),
    );
    let changes = diff(old, new);
    let summary: Vec<(&str, bool)> = changes
        .iter()
        .map(|c| (c.message.as_str(), c.breaking))
        .collect();
    assert_eq!(
        summary,
        [
            (
                "Rust field `Thing::foo_bar` is now `foo_bar_2`: code that names it breaks",
                true
            ),
            ("new optional property", false),
        ],
        "{changes:#?}"
    );
}

#[test]
fn a_new_def_that_takes_an_old_defs_type_name_is_breaking_for_rust() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, defs: Value| {
        let doc = json!({"lexicon": 1, "id": "test.evolve.names", "defs": defs});
        std::fs::create_dir_all(dir.path().join(name)).unwrap();
        std::fs::write(dir.path().join(name).join("doc.json"), doc.to_string()).unwrap();
    };
    let object = json!({"type": "object", "properties": {}});
    write("old", json!({"fooBar": object}));
    write("new", json!({"foo_bar": object, "fooBar": object}));
    let changes = compare_dirs(&[dir.path().join("old")], &[dir.path().join("new")]).unwrap();
    let rename = changes
        .iter()
        .find(|c| c.pointer == "/defs/fooBar")
        .expect("the old def is reported");
    assert!(rename.breaking);
    assert_eq!(
        rename.message,
        "Rust type `test::evolve::names::FooBar` is now `test::evolve::names::FooBar2`: code that names it breaks"
    );
    assert!(changes
        .iter()
        .any(|c| c.pointer == "/defs/foo_bar" && !c.breaking));
}
