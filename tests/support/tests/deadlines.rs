//! Every end-to-end test starts a deadline (`lexicon_test_support::deadline`): the tests that
//! talk to the reference PDS, to servers on loopback or to the workspace's programs. A test
//! added without one fails here, naming it.

use std::fs;
use std::path::{Path, PathBuf};

/// The folders whose test files are end-to-end tests, below the repository's root, and the
/// single files that are. (`examples/shared-bindings` checks types only and talks to nothing.)
const FOLDERS: &[&str] = &[
    "tests/e2e/tests",
    "examples/cocore-appview/tests",
    "examples/index-jobs/tests",
    "examples/publish-job/tests",
    "examples/cocore-provider/tests",
    "index/tests",
];
const FILES: &[&str] = &[
    "xrpc/tests/loopback.rs",
    "identity/tests/resolve.rs",
    "oauth/tests/hostile_servers.rs",
    "oauth/tests/fake_servers.rs",
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = FILES.iter().map(|f| root().join(f)).collect();
    for folder in FOLDERS {
        let dir = root().join(folder);
        for entry in fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The tests of `text` (by name) whose first statement starts no deadline.
fn without_deadline(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut missing = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let attribute = line.trim();
        if !(attribute == "#[test]"
            || attribute == "#[tokio::test]"
            || attribute.starts_with("#[tokio::test("))
        {
            continue;
        }
        let Some(open) = (i + 1..lines.len()).find(|&j| lines[j].trim_end().ends_with('{')) else {
            missing.push(format!("the test after line {}", i + 1));
            continue;
        };
        let first = lines.get(open + 1).copied().unwrap_or_default();
        if !first.contains("Deadline::") {
            let name = lines[i + 1..=open]
                .iter()
                .find_map(|l| l.split("fn ").nth(1))
                .and_then(|rest| rest.split('(').next())
                .unwrap_or("?");
            missing.push(name.to_owned());
        }
    }
    missing
}

#[test]
fn every_end_to_end_test_starts_a_deadline() {
    let files = files();
    assert!(files.len() >= 15, "found only {files:?}");
    let mut missing = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).unwrap();
        for test in without_deadline(&text) {
            missing.push(format!("{}: {test}", file.display()));
        }
    }
    assert!(
        missing.is_empty(),
        "these tests start no deadline (`let _deadline = Deadline::start();` as their first \
         line):\n{}",
        missing.join("\n")
    );
}

#[test]
fn a_test_without_a_deadline_is_found() {
    let text = "#[tokio::test]\nasync fn talks() {\n    let x = 1;\n}\n\n#[test]\nfn waits() {\n    let _deadline = Deadline::start();\n}\n";
    assert_eq!(without_deadline(text), ["talks"]);
}
