//! Snapshots of what a person sees when a lexicon is wrong: `tests/snapshots/<case>.txt` holds the
//! CLI's error output. To accept a change on purpose: `UPDATE_SNAPSHOTS=1 cargo test -p
//! lexicon-codegen --test snapshots`, then review the diff.

use std::path::Path;
use std::process::Command;

fn snapshot(name: &str, args: &[&str]) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = lexicon_test_support::process::output(
        Command::new(env!("CARGO_BIN_EXE_lexicon-codegen"))
            .args(args)
            .current_dir(&repo),
        lexicon_test_support::process::CLI_LIMIT,
    );
    let actual = format!(
        "exit code: {:?}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    let path = repo.join("tests/snapshots").join(format!("{name}.txt"));
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        expected, actual,
        "snapshot {name} differs; update with UPDATE_SNAPSHOTS=1"
    );
}

fn bad(rule: &str) -> String {
    format!("tests/data/bad-lexicons/{rule}")
}

#[test]
fn typo_in_a_ref_suggests_the_def() {
    snapshot(
        "unresolved-ref",
        &["generate", "--check", "--lexicons", &bad("unresolved-ref")],
    );
}

#[test]
fn unknown_format_lists_the_formats() {
    snapshot(
        "unknown-format",
        &["generate", "--check", "--lexicons", &bad("unknown-format")],
    );
}

#[test]
fn invalid_json_points_at_the_character() {
    snapshot("json", &["generate", "--check", "--lexicons", &bad("json")]);
}

#[test]
fn several_errors_in_one_document() {
    snapshot(
        "schema",
        &["generate", "--check", "--lexicons", &bad("schema")],
    );
}

#[test]
fn unknown_type_lists_the_types() {
    snapshot(
        "unknown-type",
        &["generate", "--check", "--lexicons", &bad("unknown-type")],
    );
}
