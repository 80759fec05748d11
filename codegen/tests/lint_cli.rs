//! `lexicon-codegen lint` end to end: text and JSON output, and the exit codes: 0 no errors
//! (warnings listed), 1 errors or denied warnings, 2 input that cannot be read.

use std::path::Path;
use std::process::{Command, Output};

use lexicon_test_support::process::Bounded;
use serde_json::{json, Value};

fn lint(dir: &Path, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lexicon-codegen"));
    command.arg("lint").arg("--lexicons").arg(dir).args(args);
    Bounded::new(
        &mut command,
        "lexicon-codegen lint",
        lexicon_test_support::process::CLI_LIMIT,
    )
    .output()
    .unwrap_or_else(|e| panic!("{e}"))
}

fn folder(docs: &[(&str, String)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in docs {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn record(description: Option<&str>) -> String {
    let mut doc = json!({"lexicon": 1, "id": "com.example.thing", "defs": {"main": {
        "type": "record", "key": "tid",
        "record": {"type": "object", "properties": {
            "name": {"type": "string", "maxLength": 100}}}}}});
    if let Some(d) = description {
        doc["defs"]["main"]["description"] = json!(d);
    }
    serde_json::to_string_pretty(&doc).unwrap()
}

#[test]
fn clean_lexicons_pass_and_say_so() {
    let dir = folder(&[("thing.json", record(Some("A thing.")))]);
    let out = lint(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "no findings");
}

#[test]
fn warnings_are_listed_and_pass_unless_denied() {
    let dir = folder(&[("thing.json", record(None))]);
    let out = lint(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("warning[missing-primary-description]"),
        "{text}"
    );
    assert!(
        text.contains("thing.json:5:13 at /defs/main"),
        "the line and column: {text}"
    );
    assert!(text.contains("add one"), "the fix: {text}");

    let out = lint(dir.path(), &["--deny", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["warnings"], json!([]));
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{report}");
    assert_eq!(errors[0]["rule"], "missing-primary-description");
    assert_eq!(errors[0]["pointer"], "/defs/main");
    assert!(
        errors[0]["line"].is_number() && errors[0]["column"].is_number(),
        "{report}"
    );
}

#[test]
fn errors_fail_and_unreadable_input_is_exit_2() {
    let broken = record(Some("A thing.")).replace("\"tid\"", "\"nope\"");
    let dir = folder(&[("thing.json", broken)]);
    let out = lint(dir.path(), &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!report["errors"].as_array().unwrap().is_empty(), "{report}");

    let dir = folder(&[("thing.json", "{\"lexicon\": 1,".to_owned())]);
    assert_eq!(lint(dir.path(), &[]).status.code(), Some(2));
    let missing = dir.path().join("missing");
    assert_eq!(lint(&missing, &[]).status.code(), Some(2));
}
