//! `lexicon-codegen validate`: records checked against lexicons, every violation listed.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use lexicon_runtime::Mode;
use lexicon_schema::records::{validate_paths, validate_text, InputError, RecordReport};
use lexicon_schema::Validator;

/// Loads the lexicons, validates the records of `files` (or standard input), prints the reports
/// and returns 0 (all valid), 1 (some invalid) or 2 (unreadable input, lexicon errors).
pub fn run(lexicons: Vec<PathBuf>, lenient: bool, json: bool, files: &[PathBuf]) -> ExitCode {
    let dirs = crate::lexicon_dirs(lexicons);
    let validator = match Validator::from_dirs(&dirs) {
        Ok(v) => v.with_mode(if lenient { Mode::Lenient } else { Mode::Strict }),
        Err(diags) => {
            eprintln!("{diags}");
            return ExitCode::from(2);
        }
    };
    let (reports, errors) = if files.is_empty() {
        from_stdin(&validator)
    } else {
        validate_paths(&validator, files)
    };
    let mut out = std::io::stdout().lock();
    for report in &reports {
        let line = if json {
            json_line(report)
        } else if report.is_valid() {
            continue;
        } else {
            text_line(report)
        };
        if writeln!(out, "{line}").is_err() {
            // stdout closed (`| head`): the exit code still tells.
            break;
        }
    }
    for e in &errors {
        eprintln!("error: {e}");
    }
    let invalid = reports.iter().filter(|r| !r.is_valid()).count();
    if !json {
        let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
        eprintln!(
            "{} checked: {} valid, {} invalid{}",
            plural(reports.len(), "record"),
            reports.len() - invalid,
            invalid,
            match errors.len() {
                0 => String::new(),
                n => format!(", {} unreadable", plural(n, "input")),
            }
        );
    }
    match (errors.is_empty(), invalid) {
        (false, _) => ExitCode::from(2),
        (true, 0) => ExitCode::SUCCESS,
        (true, _) => ExitCode::from(1),
    }
}

/// Standard input: one record, or one per line if the whole is not one JSON value.
fn from_stdin(validator: &Validator) -> (Vec<RecordReport>, Vec<InputError>) {
    let (mut reports, mut errors) = (Vec::new(), Vec::new());
    let mut text = String::new();
    let file = PathBuf::from("-");
    if let Err(e) = std::io::stdin().read_to_string(&mut text) {
        errors.push(InputError {
            file,
            line: None,
            message: format!("cannot read standard input: {e}"),
        });
        return (reports, errors);
    }
    let one = serde_json::from_str::<serde_json::Value>(&text).is_ok();
    validate_text(validator, &file, &text, !one, &mut reports, &mut errors);
    (reports, errors)
}

/// `file:line: invalid <collection>: $.a: message; $.b: message`.
fn text_line(r: &RecordReport) -> String {
    let what = match &r.collection {
        Some(c) => format!("invalid {c} record"),
        None => "invalid record".to_owned(),
    };
    let violations: Vec<String> = r
        .violations()
        .into_iter()
        .map(|(path, message)| format!("{path}: {message}"))
        .collect();
    format!(
        "{}:{}: {what}: {}",
        r.file.display(),
        r.line,
        violations.join("; ")
    )
}

/// `{"file", "line", "valid", "violations": [{"path", "message"}]}`.
fn json_line(r: &RecordReport) -> String {
    let violations: Vec<serde_json::Value> = r
        .violations()
        .into_iter()
        .map(|(path, message)| serde_json::json!({"path": path, "message": message}))
        .collect();
    serde_json::json!({
        "file": r.file.display().to_string(),
        "line": r.line,
        "valid": r.is_valid(),
        "violations": violations,
    })
    .to_string()
}
