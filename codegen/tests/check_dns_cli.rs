//! `lexicon-codegen check-dns` end to end, with DNS answers from a file: a record naming this
//! DID, another DID (an error that names it), none (an error naming the record to add), several;
//! exit codes 0, 1 and 2.

use std::path::Path;
use std::process::{Command, Output};

use lexicon_test_support::process::Bounded;
use serde_json::{json, Value};

const DID: &str = "did:plc:ewvi7nxzyoun6zhxrhs64oiz";
const OTHER: &str = "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa";

/// A folder with one lexicon under `compute.cocore.dev` and one under `thing.example.com`.
fn lexicons() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for id in ["dev.cocore.compute.job", "com.example.thing.item"] {
        let doc = json!({"lexicon": 1, "id": id, "defs": {"main": {"type": "token", "description": "x"}}});
        std::fs::write(dir.path().join(format!("{id}.json")), doc.to_string()).unwrap();
    }
    dir
}

fn check_dns(dir: &Path, answers: &Value, did: &str, json_output: bool) -> Output {
    let file = dir.join("answers.dns");
    std::fs::write(&file, answers.to_string()).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_lexicon-codegen"));
    command
        .arg("check-dns")
        .arg("--lexicons")
        .arg(dir)
        .args(["--did", did, "--dns-answers"])
        .arg(&file);
    if json_output {
        command.args(["--format", "json"]);
    }
    Bounded::new(
        &mut command,
        "lexicon-codegen check-dns",
        lexicon_test_support::process::CLI_LIMIT,
    )
    .output()
    .unwrap_or_else(|e| panic!("{e}"))
}

fn statuses(out: &Output) -> Vec<(String, String, Value)> {
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    report["authorities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["authority"].as_str().unwrap().to_owned(),
                a["status"].as_str().unwrap().to_owned(),
                a["found"].clone(),
            )
        })
        .collect()
}

#[test]
fn records_naming_this_did_pass() {
    let dir = lexicons();
    let answers = json!({
        "_lexicon.compute.cocore.dev": [format!("did={DID}")],
        "_lexicon.thing.example.com": ["v=spf1 -all", format!("did={DID}")],
    });
    let out = check_dns(dir.path(), &answers, DID, false);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("ok    compute.cocore.dev: _lexicon.compute.cocore.dev names {DID} (dev.cocore.compute.job)")), "{text}");
}

#[test]
fn another_did_missing_records_and_several_dids_fail_by_name() {
    let dir = lexicons();
    let answers = json!({"_lexicon.compute.cocore.dev": [format!("did={OTHER}")]});
    let out = check_dns(dir.path(), &answers, DID, true);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        statuses(&out),
        [
            (
                "compute.cocore.dev".to_owned(),
                "other-did".to_owned(),
                json!([OTHER])
            ),
            (
                "thing.example.com".to_owned(),
                "missing".to_owned(),
                json!([])
            ),
        ]
    );
    let out = check_dns(dir.path(), &answers, DID, false);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("names {OTHER}, not {DID}")),
        "{text}"
    );
    assert!(
        text.contains(&format!("add _lexicon.thing.example.com TXT \"did={DID}\"")),
        "{text}"
    );

    let answers = json!({
        "_lexicon.compute.cocore.dev": [format!("did={DID}"), format!("did={OTHER}")],
        "_lexicon.thing.example.com": [format!("did={DID}")],
    });
    let out = check_dns(dir.path(), &answers, DID, true);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(statuses(&out)[0].1, "several");
}

#[test]
fn bad_input_is_exit_2() {
    let dir = lexicons();
    assert_eq!(
        check_dns(dir.path(), &json!({}), "not-a-did", false)
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        check_dns(dir.path(), &json!(["a list"]), DID, false)
            .status
            .code(),
        Some(2)
    );
    std::fs::write(dir.path().join("broken.json"), "{").unwrap();
    assert_eq!(
        check_dns(dir.path(), &json!({}), DID, false).status.code(),
        Some(2)
    );
}
