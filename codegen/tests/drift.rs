//! The committed bindings in `generated/src` are exactly what `lexicons/` generates now.

use std::path::Path;

use std::time::Duration;

use lexicon_codegen::{check_files, generate, Options};
use lexicon_test_support::process::Bounded;

#[test]
fn committed_bindings_match_the_lexicons() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    // The committed bindings are formatted by rustfmt, as `cargo run -- generate` does when it
    // is installed; without it the comparison would fail for a reason that is not drift.
    let mut rustfmt = std::process::Command::new("rustfmt");
    rustfmt.arg("--version");
    let found = Bounded::new(&mut rustfmt, "rustfmt --version", Duration::from_secs(60)).run();
    assert!(
        found.is_ok(),
        "the drift test needs rustfmt, which formats the committed bindings: rustup component add rustfmt"
    );
    let out = repo.join("generated/src");
    let options = Options::new()
        .lexicons(repo.join("lexicons"))
        .rustfmt_config_from(&out)
        .extern_paths_from_manifest(&out)
        .unwrap();
    let files = generate(&options).unwrap_or_else(|d| panic!("{d}")).files;
    let report = check_files(&out, &files);
    let diffs: Vec<String> = report
        .stale
        .iter()
        .map(|(p, d)| format!("{}:\n{d}", p.display()))
        .collect();
    assert!(
        report.is_current(),
        "generated/src is out of date; run `cargo run -- generate`.\nstale:\n{}\nmissing: {:?}\nextra: {:?}",
        diffs.join("\n"),
        report.missing,
        report.extra
    );
}

#[test]
fn output_does_not_depend_on_input_order() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = tempfile::tempdir().unwrap();
    // The same documents, flat and under other names, in two folders given in reverse order.
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    let lex = repo.join("lexicons");
    std::fs::copy(
        lex.join("dev/cocore/compute/job.json"),
        b.join("0-job.json"),
    )
    .unwrap();
    std::fs::copy(
        lex.join("dev/cocore/compute/defs.json"),
        a.join("z-defs.json"),
    )
    .unwrap();
    std::fs::copy(
        lex.join("com/atproto/repo/strongRef.json"),
        a.join("ref.json"),
    )
    .unwrap();
    let opts = Options::new().lexicons(b).lexicons(a).rustfmt(false);
    let shuffled = generate(&opts).unwrap().files;
    let opts = Options::new().lexicons(lex).rustfmt(false);
    let original = generate(&opts).unwrap().files;
    assert_eq!(shuffled, original);
}

#[test]
fn names_are_stable_when_unrelated_lexicons_are_added() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let alone = Options::new()
        .lexicons(repo.join("lexicons"))
        .rustfmt(false);
    let more = Options::new()
        .lexicons(repo.join("lexicons"))
        .lexicons(repo.join("tests/golden/lexicons/features"))
        .rustfmt(false);
    let before = generate(&alone).unwrap().files;
    let after = generate(&more).unwrap().files;
    for file in before
        .iter()
        .filter(|f| f.path.ends_with("job.rs") || f.path.ends_with("defs.rs"))
    {
        let same = after
            .iter()
            .find(|f| f.path == file.path)
            .expect("still generated");
        assert_eq!(
            same.contents,
            file.contents,
            "{} changed",
            file.path.display()
        );
    }
    assert!(after.len() > before.len());
}
