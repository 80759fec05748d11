//! `extern_path` / `--extern`: lexicons bound elsewhere are not generated and refs to them use
//! the given Rust path (compiled and used by `generated/` and `examples/shared-bindings`, on
//! `lexicon-atproto`).

use std::path::{Path, PathBuf};
use std::process::Command;

use lexicon_codegen::{generate, Options};

fn lexicons() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../lexicons")
}

fn code(options: &Options) -> Vec<(String, String)> {
    generate(options)
        .unwrap_or_else(|d| panic!("{d}"))
        .files
        .into_iter()
        .map(|f| (f.path.display().to_string(), f.contents))
        .collect()
}

#[test]
fn lexicons_matching_a_glob_are_not_generated_and_refs_use_the_path() {
    let files = code(
        &Options::new()
            .lexicons(lexicons())
            .rustfmt(false)
            .extern_path("com.atproto.*", "::base_lexicons::com::atproto"),
    );
    let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    assert!(paths.iter().all(|p| !p.starts_with("com")), "{paths:?}");
    let lib = &files.iter().find(|(p, _)| p == "lib.rs").unwrap().1;
    assert!(!lib.contains("pub mod com;"), "{lib}");
    assert!(
        !lib.contains("com.atproto.repo.strongRef#main"),
        "validate_json leaves it out: {lib}"
    );
    // The runtime's walker still needs the document: the registry holds it inline.
    assert!(
        lib.contains(r#""id":"com.atproto.repo.strongRef""#),
        "LEXICONS holds it: {lib}"
    );
    let job = &files.iter().find(|(p, _)| p.ends_with("job.rs")).unwrap().1;
    assert!(job.contains(
        "pub payment_authorization: ::base_lexicons::com::atproto::repo::strong_ref::StrongRef,"
    ));
}

#[test]
fn an_exact_nsid_stands_for_its_own_module() {
    let files = code(
        &Options::new()
            .lexicons(lexicons())
            .rustfmt(false)
            .extern_path("com.atproto.repo.strongRef", "::refs::strong"),
    );
    let job = &files.iter().find(|(p, _)| p.ends_with("job.rs")).unwrap().1;
    assert!(
        job.contains("pub payment_authorization: ::refs::strong::StrongRef,"),
        "{job}"
    );
}

#[test]
fn a_path_that_does_not_parse_is_an_option_error() {
    let errors = generate(
        &Options::new()
            .lexicons(lexicons())
            .extern_path("com.atproto.*", "not a path"),
    )
    .unwrap_err();
    let d = errors.iter().next().unwrap();
    assert_eq!(d.rule, "option");
    assert_eq!(d.origin, lexicon_codegen::Origin::Setting("extern path"));
    assert!(d.message.starts_with("for \"com.atproto.*\": "), "{d}");
    assert!(d.file.as_os_str().is_empty(), "{d}");
    assert!(d.to_string().contains("--> setting `extern path`"), "{d}");
}

#[test]
fn the_cli_takes_glob_equals_path() {
    let out = tempfile::tempdir().unwrap();
    let run = |value: &str| {
        lexicon_test_support::process::output(
            Command::new(env!("CARGO_BIN_EXE_lexicon-codegen"))
                .args(["generate", "--no-rustfmt", "--lexicons"])
                .arg(lexicons())
                .arg("--out")
                .arg(out.path())
                .args(["--extern", value]),
            lexicon_test_support::process::CLI_LIMIT,
        )
    };
    let bad = run("com.atproto.*");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("expected GLOB=PATH"));
    let good = run("com.atproto.*=::base_lexicons::com::atproto");
    assert_eq!(
        good.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&good.stderr)
    );
    assert!(!out.path().join("com").exists());
    assert!(out.path().join("dev/cocore/compute/job.rs").exists());
}
