//! Loading: finds lexicon files, parses them into [`Document`]s, reports every problem.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::diag::Diagnostic;
use crate::schema::Document;

/// A parsed document and the file it came from.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The file, as found under the lexicon folder.
    pub path: PathBuf,
    /// The document.
    pub doc: Document,
}

/// Lists every `*.json` file under `dirs` (recursively, symlinked folders followed once), sorted.
pub fn discover(dirs: &[PathBuf], diags: &mut Vec<Diagnostic>) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut seen = HashSet::new();
    let mut problems = Vec::new();
    for dir in dirs {
        if !dir.is_dir() {
            problems.push((dir.clone(), "not a readable folder".to_owned()));
            continue;
        }
        files_under(dir, &[".json"], &mut seen, &mut files, &mut problems);
    }
    for (dir, message) in problems {
        diags.push(Diagnostic::new(dir, "", "lexicon-folder", message));
    }
    files.sort();
    files.dedup();
    files
}

/// Adds every file under `dir` whose name ends with one of `suffixes` to `files`, recursively,
/// each folder's entries in sorted order. Hidden entries and `node_modules` are skipped;
/// symlinked folders are followed once (a folder in `seen`, however reached, is not read
/// again). Folders that cannot be read go to `problems` with what is wrong.
pub fn files_under(
    dir: &Path,
    suffixes: &[&str],
    seen: &mut HashSet<PathBuf>,
    files: &mut Vec<PathBuf>,
    problems: &mut Vec<(PathBuf, String)>,
) {
    // Canonical paths break symlink loops: a folder is read once however it is reached.
    let Ok(canonical) = fs::canonicalize(dir) else {
        problems.push((dir.to_owned(), "cannot resolve folder".to_owned()));
        return;
    };
    if !seen.insert(canonical) {
        return;
    }
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            problems.push((dir.to_owned(), format!("cannot read: {e}")));
            return;
        }
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') || name == "node_modules" {
            continue;
        }
        if path.is_dir() {
            files_under(&path, suffixes, seen, files, problems);
        } else if suffixes.iter().any(|s| name.ends_with(s)) && path.is_file() {
            files.push(path);
        }
    }
}

/// Reads and parses one file; problems go to `diags`, the text to `texts` (for positions).
pub fn load_file(
    path: &Path,
    diags: &mut Vec<Diagnostic>,
    texts: &mut std::collections::HashMap<PathBuf, String>,
) -> Option<Loaded> {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            diags.push(Diagnostic::new(
                path,
                "",
                "read",
                format!("cannot read file: {e}"),
            ));
            return None;
        }
    };
    let Ok(text) = String::from_utf8(bytes) else {
        diags.push(Diagnostic::new(path, "", "json", "file is not UTF-8 text"));
        return None;
    };
    let loaded = parse_document(path, &text, diags).map(|doc| Loaded {
        path: path.to_owned(),
        doc,
    });
    texts.insert(path.to_owned(), text);
    loaded
}

/// Parses the text of one lexicon document.
pub fn parse_document(path: &Path, text: &str, diags: &mut Vec<Diagnostic>) -> Option<Document> {
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let mut d = Diagnostic::new(
                path,
                "",
                "json",
                format!("invalid JSON: {}", strip_position(&e)),
            );
            d.position = Some(json_error_position(text, &e));
            diags.push(d);
            return None;
        }
    };
    match lexicon_runtime::lexicon::read_document(&value) {
        Ok(doc) => Some(doc),
        Err(problems) => {
            diags.extend(
                problems
                    .into_iter()
                    .map(|p| Diagnostic::new(path, p.pointer, p.rule, p.message)),
            );
            None
        }
    }
}

/// serde_json's 1-based line and column of a syntax error. Right after a line break it reports
/// column 0 of the next line (a raw newline inside a string, say); that is the end of the line
/// before, which is where the caret goes.
fn json_error_position(text: &str, e: &serde_json::Error) -> (usize, usize) {
    let (line, column) = (e.line().max(1), e.column());
    if column > 0 {
        return (line, column);
    }
    match line.checked_sub(2).and_then(|i| text.split('\n').nth(i)) {
        Some(before) => (line - 1, before.trim_end_matches('\r').chars().count() + 1),
        None => (line, 1),
    }
}

/// Removes serde_json's " at line L column C" (the position is reported separately).
fn strip_position(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_owned(),
        None => s,
    }
}

/// Lexicon folders loaded into a checked catalog, with every diagnostic of the loader and the
/// document checks, and the texts that locate them.
pub struct Checked {
    /// The documents that loaded.
    pub catalog: crate::catalog::Catalog,
    /// Every problem found, in the order found.
    pub diags: Vec<Diagnostic>,
    /// Each file's text, for line and column.
    pub texts: std::collections::HashMap<PathBuf, String>,
}

impl Checked {
    /// The diagnostics with their lines and columns, sorted.
    pub fn located(self) -> crate::Diagnostics {
        crate::Diagnostics::from(self.diags).located(&self.texts)
    }
}

/// Reads every lexicon under `dirs`, builds the catalog and runs the document checks.
pub fn load_checked(dirs: &[PathBuf]) -> Checked {
    let mut diags: Vec<Diagnostic> = Vec::new();
    let mut texts = std::collections::HashMap::new();
    let paths = discover(dirs, &mut diags);
    let loaded = paths
        .iter()
        .filter_map(|p| load_file(p, &mut diags, &mut texts))
        .collect();
    let catalog = crate::catalog::Catalog::build(loaded, &mut diags);
    crate::check::check_catalog(&catalog, &mut diags);
    Checked {
        catalog,
        diags,
        texts,
    }
}
