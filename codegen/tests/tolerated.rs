//! Input the document schema refuses but the reference tooling builds: generated with a warning
//! that says what was assumed, or refused with `--deny-warnings` / `Options::deny_warnings`.
//! What the reference cannot build either stays an error.

use std::path::{Path, PathBuf};
use std::process::Command;

use lexicon_codegen::{generate, generate_sources, Options, Severity};

fn tolerated() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/lexicons/tolerated")
}

fn keyless() -> (PathBuf, String) {
    let path = tolerated().join("com/example/tolerated/keyless.json");
    let text = std::fs::read_to_string(&path).unwrap();
    (path, text)
}

#[test]
fn a_record_without_key_generates_with_key_any_and_a_warning() {
    let generated = generate_sources(&[keyless()], &Options::new()).unwrap();
    let warnings: Vec<_> = generated.warnings.iter().collect();
    assert_eq!(warnings.len(), 1, "{}", generated.warnings);
    let w = warnings[0];
    assert_eq!(
        (w.rule, w.severity, w.pointer.as_str()),
        ("record-key-missing", Severity::Warning, "/defs/main/key")
    );
    assert!(
        w.position.is_some() && w.message.contains("assumed \"any\""),
        "{w}"
    );
    assert!(
        w.to_string().starts_with("warning[record-key-missing]"),
        "{w}"
    );
    let code: String = generated
        .files
        .iter()
        .map(|f| f.contents.as_str())
        .collect();
    assert!(code.contains(r#"pub const KEY: &str = "any";"#));
}

#[test]
fn deny_warnings_makes_them_errors() {
    let options = Options::new().deny_warnings(true);
    let errors = generate_sources(&[keyless()], &options).unwrap_err();
    let all: Vec<_> = errors.iter().collect();
    assert_eq!(all.len(), 1);
    assert!(
        all[0].is_error() && all[0].rule == "record-key-missing",
        "{errors}"
    );
    assert!(
        errors.to_string().ends_with("1 error in lexicons"),
        "{errors}"
    );
}

#[test]
fn a_named_union_def_generates_one_union_type_with_a_warning() {
    let generated = generate(&Options::new().lexicons(tolerated()).rustfmt(false)).unwrap();
    let rules: Vec<_> = generated.warnings.iter().map(|d| d.rule).collect();
    assert_eq!(rules, ["named-union", "record-key-missing"]);
    let blocks = generated
        .files
        .iter()
        .find(|f| f.path.ends_with("com/example/tolerated/blocks.rs"))
        .unwrap();
    assert!(
        blocks.contents.contains("pub enum Block {"),
        "{}",
        blocks.contents
    );
    assert!(blocks
        .contents
        .contains("pub body: crate::com::example::tolerated::blocks::Block,"));
}

#[test]
fn what_the_reference_cannot_build_stays_an_error() {
    let doc = r#"{"lexicon": 1, "id": "com.example.broken", "defs": {"thing": {"type": "tuple"}}}"#;
    let errors = generate_sources(
        &[keyless(), (PathBuf::from("broken.json"), doc.to_owned())],
        &Options::new(),
    )
    .unwrap_err();
    let found: Vec<_> = errors.iter().map(|d| (d.rule, d.severity)).collect();
    assert_eq!(
        found,
        [
            ("record-key-missing", Severity::Warning),
            ("unknown-type", Severity::Error)
        ],
        "{errors}"
    );
    assert!(
        errors
            .to_string()
            .ends_with("1 error and 1 warning in lexicons"),
        "{errors}"
    );
}

#[test]
fn the_cli_prints_warnings_and_denies_them_on_request() {
    let out = tempfile::tempdir().unwrap();
    let cli = |extra: &[&str]| {
        lexicon_test_support::process::output(
            Command::new(env!("CARGO_BIN_EXE_lexicon-codegen"))
                .arg("generate")
                .arg("--lexicons")
                .arg(tolerated())
                .arg("--out")
                .arg(out.path())
                .args(extra),
            lexicon_test_support::process::CLI_LIMIT,
        )
    };
    let denied = cli(&["--deny-warnings", "--format", "json"]);
    assert_eq!(denied.status.code(), Some(2));
    let report: serde_json::Value = serde_json::from_slice(&denied.stdout).unwrap();
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{report}");
    assert!(errors.iter().all(|e| e["severity"] == "error"), "{report}");
    assert_eq!(
        std::fs::read_dir(out.path()).unwrap().count(),
        0,
        "nothing written"
    );

    let allowed = cli(&[]);
    let stderr = String::from_utf8_lossy(&allowed.stderr);
    assert_eq!(allowed.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("warning[named-union]") && stderr.contains("warning[record-key-missing]"),
        "{stderr}"
    );
    assert!(stderr.contains("2 warnings in lexicons"), "{stderr}");
    assert!(out.path().join("com/example/tolerated/blocks.rs").exists());
}
