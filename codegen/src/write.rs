//! Writing generated files (whole, and only when changed) and checking them for drift.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::assemble::GENERATED_MARKER;
use crate::GeneratedFile;

/// What a write did.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct WriteReport {
    /// Files created or replaced.
    pub written: Vec<PathBuf>,
    /// Files already up to date (left untouched, so their timestamps stay).
    pub unchanged: Vec<PathBuf>,
    /// Generated files with no source any more, removed.
    pub removed: Vec<PathBuf>,
}

/// What a check found.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct CheckReport {
    /// Files whose content differs, with a unified diff (committed -> regenerated).
    pub stale: Vec<(PathBuf, String)>,
    /// Files that would be created.
    pub missing: Vec<PathBuf>,
    /// Files with the generated marker that nothing generates any more.
    pub extra: Vec<PathBuf>,
}

impl CheckReport {
    /// Whether the output folder is current.
    pub fn is_current(&self) -> bool {
        self.stale.is_empty() && self.missing.is_empty() && self.extra.is_empty()
    }
}

/// Writes `files` under `out`: each through a temporary file and a rename, and only when its
/// content changed; removes generated files that nothing generates any more.
pub fn write_files(out: &Path, files: &[GeneratedFile]) -> io::Result<WriteReport> {
    let mut report = WriteReport::default();
    for file in files {
        if write_file(out, file)? {
            report.written.push(file.path.clone());
        } else {
            report.unchanged.push(file.path.clone());
        }
    }
    for path in extra_files(out, files) {
        fs::remove_file(out.join(&path))?;
        report.removed.push(path);
    }
    Ok(report)
}

/// Writes one file under `out` through a temporary file and a rename, only when its content
/// changed, leaving every other file alone; says whether it wrote.
pub fn write_file(out: &Path, file: &GeneratedFile) -> io::Result<bool> {
    let target = out.join(&file.path);
    if fs::read(&target).ok().as_deref() == Some(file.contents.as_bytes()) {
        return Ok(false);
    }
    let dir = target.parent().unwrap_or(out);
    fs::create_dir_all(dir)?;
    // A temporary file beside the target (removed if anything fails), renamed over it.
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    io::Write::write_all(&mut tmp, file.contents.as_bytes())?;
    tmp.persist(&target).map_err(|e| e.error)?;
    Ok(true)
}

/// Compares `files` with what is under `out`, writing nothing.
pub fn check_files(out: &Path, files: &[GeneratedFile]) -> CheckReport {
    let mut report = CheckReport::default();
    for file in files {
        match fs::read_to_string(out.join(&file.path)) {
            Ok(current) if current == file.contents => {}
            Ok(current) => {
                let name = file.path.display().to_string();
                let diff = similar::TextDiff::from_lines(&current, &file.contents)
                    .unified_diff()
                    .context_radius(3)
                    .header(&format!("a/{name}"), &format!("b/{name}"))
                    .to_string();
                report.stale.push((file.path.clone(), diff));
            }
            Err(_) => report.missing.push(file.path.clone()),
        }
    }
    report.extra = extra_files(out, files);
    report
}

/// Files under `out` that carry the generated marker but are not in `files`.
fn extra_files(out: &Path, files: &[GeneratedFile]) -> Vec<PathBuf> {
    let wanted: BTreeSet<&Path> = files.iter().map(|f| f.path.as_path()).collect();
    let mut found = Vec::new();
    collect_rs(out, Path::new(""), &mut found);
    found.sort();
    found
        .into_iter()
        .filter(|rel| !wanted.contains(rel.as_path()))
        .filter(|rel| {
            fs::read_to_string(out.join(rel))
                .map(|text| {
                    text.lines()
                        .next()
                        .is_some_and(|l| l.contains(GENERATED_MARKER))
                })
                .unwrap_or(false)
        })
        .collect()
}

fn collect_rs(base: &Path, rel: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(base.join(rel)) else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let path = rel.join(entry.file_name());
        if kind.is_dir() {
            collect_rs(base, &path, out);
        } else if kind.is_file() && path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}
