//! Record files validated against a [`Validator`]: a `.json` file holds one record, a `.jsonl`
//! file one per line, a folder every such file under it (walked as lexicon folders are:
//! `load::files_under`); one report per record.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use lexicon_runtime::Error;
use serde_json::Value;

use crate::{load, Validator};

/// The verdict on one record.
#[derive(Debug)]
pub struct RecordReport {
    /// The file it was read from (`-` for standard input).
    pub file: PathBuf,
    /// Its line, from 1 (1 for a `.json` file).
    pub line: usize,
    /// The record's collection (its `$type`), if it names one.
    pub collection: Option<String>,
    /// Every violation, or nothing.
    pub result: Result<(), Error>,
}

impl RecordReport {
    /// Whether the record is valid.
    pub fn is_valid(&self) -> bool {
        self.result.is_ok()
    }

    /// Each violation as (JSON path, message); a collection no lexicon defines is a violation
    /// of `$.$type`.
    pub fn violations(&self) -> Vec<(String, String)> {
        match &self.result {
            Ok(()) => Vec::new(),
            Err(Error::Invalid(errors)) => errors
                .iter()
                .map(|e| (e.path.clone(), e.violation.to_string()))
                .collect(),
            Err(Error::UnknownCollection(c)) => vec![(
                "$.$type".into(),
                format!("no lexicon defines the record collection {c:?}"),
            )],
            Err(e) => {
                let path = e.paths().first().map_or("$", |p| p).to_owned();
                vec![(path, e.to_string())]
            }
        }
    }
}

/// Input that could not be read as records: a file that cannot be read, a line that is not
/// JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The file.
    pub file: PathBuf,
    /// The line, from 1, when the problem is one line.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file.display(), self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

/// Every record of `paths` (files and folders, folders walked for `*.json` and `*.jsonl` in
/// sorted order), validated; and every input that could not be read.
pub fn validate_paths(
    validator: &Validator,
    paths: &[PathBuf],
) -> (Vec<RecordReport>, Vec<InputError>) {
    let (mut reports, mut errors) = (Vec::new(), Vec::new());
    for path in paths {
        let mut files = Vec::new();
        if path.is_dir() {
            let mut problems = Vec::new();
            let suffixes = [".json", ".jsonl"];
            load::files_under(
                path,
                &suffixes,
                &mut HashSet::new(),
                &mut files,
                &mut problems,
            );
            errors.extend(problems.into_iter().map(|(file, message)| InputError {
                file,
                line: None,
                message,
            }));
        } else {
            files.push(path.clone());
        }
        for file in files {
            match std::fs::read_to_string(&file) {
                Ok(text) => {
                    let lines = file.extension().is_some_and(|e| e == "jsonl");
                    validate_text(validator, &file, &text, lines, &mut reports, &mut errors);
                }
                Err(e) => errors.push(InputError {
                    file,
                    line: None,
                    message: format!("cannot read: {e}"),
                }),
            }
        }
    }
    (reports, errors)
}

/// Records in `text`: one per non-empty line when `lines`, else one for the whole text.
pub fn validate_text(
    validator: &Validator,
    file: &Path,
    text: &str,
    lines: bool,
    reports: &mut Vec<RecordReport>,
    errors: &mut Vec<InputError>,
) {
    let records: Vec<(usize, &str)> = if lines {
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| (i + 1, l))
            .collect()
    } else {
        vec![(1, text)]
    };
    for (line, json) in records {
        match serde_json::from_str::<Value>(json) {
            Ok(value) => reports.push(RecordReport {
                file: file.to_owned(),
                line,
                collection: value
                    .get("$type")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                result: validator.validate_record(&value),
            }),
            Err(e) => errors.push(InputError {
                file: file.to_owned(),
                line: Some(if lines { line } else { e.line() }),
                message: format!("not JSON: {e}"),
            }),
        }
    }
}
