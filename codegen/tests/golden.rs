//! Golden tests: generated code for the fixture lexicons under `tests/golden/lexicons/` must equal
//! the committed files `tests/golden/*.rs` (which `tests/conformance` compiles under
//! `#![deny(warnings)]`). To accept a change on purpose: `UPDATE_GOLDEN=1 cargo test -p
//! lexicon-codegen --test golden`, then review the diff.

use std::path::{Path, PathBuf};

use lexicon_codegen::{generate, Layout, Options};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn check_golden(fixture: &str) {
    let golden = repo().join(format!("tests/golden/{fixture}.rs"));
    // prettyplease only: golden files do not depend on whether or which rustfmt is installed.
    let options = Options::new()
        .lexicons(repo().join(format!("tests/golden/lexicons/{fixture}")))
        .layout(Layout::SingleFile(format!("{fixture}.rs")))
        .module_path(format!("crate::golden_{fixture}"))
        .rustfmt(false);
    let files = generate(&options).unwrap_or_else(|d| panic!("{d}")).files;
    assert_eq!(files.len(), 1);
    let actual = &files[0].contents;
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&golden).unwrap_or_default();
    if &expected != actual {
        let diff = similar::TextDiff::from_lines(expected.as_str(), actual.as_str())
            .unified_diff()
            .header("committed", "generated")
            .to_string();
        panic!(
            "golden file {} is out of date:\n{diff}\nIf the change is intended, run \
             `UPDATE_GOLDEN=1 cargo test -p lexicon-codegen --test golden` and review the diff.",
            golden.display()
        );
    }
}

#[test]
fn golden_cocore() {
    check_golden("cocore");
}

#[test]
fn golden_features() {
    check_golden("features");
}
