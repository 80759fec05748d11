//! `lexicon-codegen lint`: every finding for lexicon folders, as text or JSON.

use std::path::PathBuf;
use std::process::ExitCode;

use lexicon_schema::lint::{lint_dirs, UNREADABLE};

/// Lints the lexicons under `lexicons` (default `lexicons`), prints every finding and returns 0
/// (no errors), 1 (errors, or warnings with `deny`) or 2 (a file or folder could not be read or
/// is not JSON).
pub fn run(lexicons: Vec<PathBuf>, deny: bool, json: bool) -> ExitCode {
    let dirs = crate::lexicon_dirs(lexicons);
    let mut diags = lint_dirs(&dirs);
    if deny {
        diags = diags.denied();
    }
    let unreadable = diags.iter().any(|d| UNREADABLE.contains(&d.rule));
    let errors = diags.iter().filter(|d| d.is_error()).count();
    if json {
        let (e, w): (Vec<_>, Vec<_>) = diags.iter().partition(|d| d.is_error());
        println!(
            "{}",
            serde_json::json!({
                "errors": crate::json_diagnostics(e),
                "warnings": crate::json_diagnostics(w),
            })
        );
    } else if diags.is_empty() {
        println!("no findings");
    } else {
        // The list ends with a count of errors and warnings.
        println!("{diags}");
    }
    if unreadable {
        ExitCode::from(2)
    } else if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
