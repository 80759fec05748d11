//! `lexicon-codegen validate` end to end: records in `.json`, `.jsonl`, folders and standard
//! input checked against the upstream cocore lexicons; every violation listed (type mismatches
//! with the rest), text and JSON output, exit codes 0 (valid), 1 (invalid), 2 (unreadable input,
//! broken lexicons).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use lexicon_test_support::process::Bounded;

use serde_json::{json, Value};

fn lexicons() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/lexicons/cocore-upstream-all")
}

fn validate(args: &[&str], stdin: Option<&str>) -> Output {
    let lexicons = lexicons();
    let mut command = Command::new(env!("CARGO_BIN_EXE_lexicon-codegen"));
    command
        .arg("validate")
        .arg("--lexicons")
        .arg(&lexicons)
        .args(args);
    Bounded::new(
        &mut command,
        "lexicon-codegen validate",
        lexicon_test_support::process::CLI_LIMIT,
    )
    .stdin(stdin.unwrap_or(""))
    .output()
    .unwrap_or_else(|e| panic!("{e}"))
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// An attestation as cocore's producers write it: `selfSignature` as plain base64 (not
/// `{"$bytes"}`), `attestedAt` missing, and a hash one character short.
fn attestation_as_written() -> Value {
    json!({
        "$type": "dev.cocore.compute.attestation",
        "publicKey": "BOr2aXPq",
        "encryptionPubKey": "x25519:abc",
        "chipName": "Apple M3 Max",
        "hardwareModel": "Mac15,9",
        "serialNumberHash": "a".repeat(63),
        "osVersion": "15.1",
        "binaryHash": "b".repeat(64),
        "sipEnabled": true,
        "secureBootEnabled": true,
        "secureEnclaveAvailable": "yes",
        "authenticatedRootEnabled": true,
        "selfSignature": "MEUCIQDx".repeat(20),
        "expiresAt": "2026-12-01T00:00:00.000Z"
    })
}

fn valid_attestation() -> Value {
    let mut v = attestation_as_written();
    v["serialNumberHash"] = json!("a".repeat(64));
    v["secureEnclaveAvailable"] = json!(true);
    v["selfSignature"] = json!({"$bytes": "MEUCIQDx"});
    v["attestedAt"] = json!("2026-11-01T00:00:00.000Z");
    v
}

fn fixtures() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("records/nested")).unwrap();
    fs::write(
        dir.path().join("records/good.json"),
        valid_attestation().to_string(),
    )
    .unwrap();
    let lines = format!("{}\n\n{}\n", valid_attestation(), attestation_as_written());
    fs::write(dir.path().join("records/nested/mixed.jsonl"), lines).unwrap();
    fs::write(dir.path().join("records/notes.txt"), "not a record").unwrap();
    dir
}

#[test]
fn every_violation_of_an_invalid_record_is_listed_in_text() {
    let dir = fixtures();
    let out = validate(&[dir.path().join("records").to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "one line per invalid record: {text}");
    let mixed = dir.path().join("records/nested/mixed.jsonl");
    assert_eq!(
        lines[0],
        format!(
            "{}:3: invalid dev.cocore.compute.attestation record: \
             $.serialNumberHash: string too short: expected at least 64 UTF-8 bytes, got 63; \
             $.secureEnclaveAvailable: expected a boolean, got a string (\"yes\"); \
             $.selfSignature: expected bytes ({{\"$bytes\": \"<base64>\"}}), got a string \
             (\"MEUCIQDxMEUCIQDxMEUCIQDxMEUCIQDxMEUCIQD…); \
             $: missing required property `attestedAt`",
            mixed.display()
        )
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("3 records checked: 2 valid, 1 invalid"),
        "{stderr}"
    );
}

#[test]
fn json_output_has_one_line_per_record() {
    let dir = fixtures();
    let good = dir.path().join("records/good.json");
    let mixed = dir.path().join("records/nested/mixed.jsonl");
    let out = validate(
        &[
            "--format",
            "json",
            good.to_str().unwrap(),
            mixed.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(
        lines[0],
        json!({"file": good.display().to_string(), "line": 1, "valid": true, "violations": []})
    );
    assert_eq!(lines[1]["line"], 1);
    assert_eq!(lines[2]["line"], 3);
    assert_eq!(lines[2]["valid"], false);
    let paths: Vec<&str> = lines[2]["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "$.serialNumberHash",
            "$.secureEnclaveAvailable",
            "$.selfSignature",
            "$"
        ]
    );
    assert_eq!(
        lines[2]["violations"][3]["message"],
        "missing required property `attestedAt`"
    );
}

#[test]
fn valid_records_exit_0_and_lenient_mode_is_an_option() {
    let dir = fixtures();
    let good = dir.path().join("records/good.json");
    let out = validate(&[good.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(stdout(&out), "");
    // A datetime without a timezone: refused by the strict reference, accepted by the lenient.
    let mut record = valid_attestation();
    record["expiresAt"] = json!("2026-12-01T00:00:00");
    let strict = validate(&[], Some(&record.to_string()));
    assert_eq!(strict.status.code(), Some(1), "{strict:?}");
    assert!(stdout(&strict).starts_with(
        "-:1: invalid dev.cocore.compute.attestation record: $.expiresAt: invalid datetime"
    ));
    let lenient = validate(&["--lenient"], Some(&record.to_string()));
    assert_eq!(lenient.status.code(), Some(0), "{lenient:?}");
}

#[test]
fn standard_input_holds_one_record_or_one_per_line() {
    let lines = format!("{}\n{}\n", valid_attestation(), attestation_as_written());
    let out = validate(&["--format", "json"], Some(&lines));
    assert_eq!(out.status.code(), Some(1));
    let verdicts: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["valid"].clone())
        .collect();
    assert_eq!(verdicts, [json!(true), json!(false)]);
    let pretty = serde_json::to_string_pretty(&valid_attestation()).unwrap();
    assert_eq!(validate(&[], Some(&pretty)).status.code(), Some(0));
}

#[test]
fn unknown_collections_and_records_without_type_are_invalid() {
    let input = concat!(
        r#"{"$type": "com.example.nope", "a": 1}"#,
        "\n",
        r#"{"a": 1}"#,
        "\n",
        "[1, 2]\n"
    );
    let out = validate(&[], Some(input));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout(&out),
        "-:1: invalid com.example.nope record: $.$type: no lexicon defines the record collection \"com.example.nope\"\n\
         -:2: invalid record: $.$type: missing required property `$type`\n\
         -:3: invalid record: $: expected a record (an object with a `$type`)\n"
    );
}

#[test]
fn unreadable_input_and_broken_lexicons_exit_2() {
    let dir = fixtures();
    let broken = dir.path().join("broken.jsonl");
    fs::write(&broken, format!("{}\n{{\"$type\": \n", valid_attestation())).unwrap();
    let out = validate(&[broken.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{}:2: not JSON", broken.display())),
        "{stderr}"
    );
    let missing = dir.path().join("missing.json");
    let out = validate(&[missing.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
    // Lexicons with errors: every one listed, nothing validated.
    let lexicons = dir.path().join("lexicons");
    fs::create_dir_all(&lexicons).unwrap();
    fs::write(
        lexicons.join("a.json"),
        r#"{"lexicon": 1, "id": "com.example.a", "defs": {"main": {"type": "record", "key": "tid", "record": {"type": "object", "properties": {"x": {"type": "ref", "ref": "com.example.gone"}}}}}}"#,
    )
    .unwrap();
    fs::write(
        lexicons.join("b.json"),
        r#"{"lexicon": 1, "id": "com.example.b"}"#,
    )
    .unwrap();
    let out = lexicon_test_support::process::output(
        Command::new(env!("CARGO_BIN_EXE_lexicon-codegen"))
            .args(["validate", "--lexicons", lexicons.to_str().unwrap()])
            .arg(dir.path().join("records/good.json")),
        lexicon_test_support::process::CLI_LIMIT,
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("a.json") && stderr.contains("b.json"),
        "{stderr}"
    );
    assert!(stderr.contains("2 errors in lexicons"), "{stderr}");
}
