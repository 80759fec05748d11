//! `lexicon-codegen` reads atproto Lexicon schemas and generates Rust types: serde impls that keep
//! undeclared fields, and `validate()` methods that check every constraint the schemas state,
//! agreeing with the strict atproto reference validator.
//!
//! One configuration type, [`Options`] (as prost-build's `Config`), and three ways in: its
//! [`Options::compile`] for build scripts (where it goes by [`Builder`]), [`generate`] with it
//! (then [`write_files`] or [`check_files`]) for tools, and the `lexicon-codegen` command line,
//! whose arguments map onto it. [`diff`]
//! says which changes between two versions of a lexicon set break old data or old readers.
//! With the `fetch` feature (on by default), [`fetch`] gets lexicons published on the network.
//!
//! ```no_run
//! let options = lexicon_codegen::Options::new()
//!     .lexicons("lexicons")
//!     .rustfmt_config_from("generated/src");
//! let generated = lexicon_codegen::generate(&options).expect("lexicons are valid");
//! for warning in &generated.warnings {
//!     eprintln!("{warning}");
//! }
//! lexicon_codegen::write_files("generated/src".as_ref(), &generated.files).unwrap();
//! ```
//!
//! Inside, one private module per stage: `load` (read and check documents) -> `catalog`
//! (resolve refs) -> `lower` (the Rust-shaped `ir`, where all names are decided) -> `emit`
//! (tokens) -> `assemble` (files) -> `format` -> `write` (write or check).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod assemble;
mod builder;
#[cfg(feature = "fetch")]
pub mod dns;
mod emit;
#[cfg(feature = "fetch")]
pub mod fetch;
mod format;
mod ir;
mod lower;
mod names;
mod options;
#[cfg(feature = "fetch")]
pub mod publish;
mod renames;
#[cfg(feature = "fetch")]
pub mod status;
mod write;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub use builder::{Builder, CompileError};
// The document model, loading, rules and catalog live in `lexicon-schema`; the generator reads
// them under their old module names.
use lexicon_schema::{catalog, check, diag, evolution, load, schema};

pub use evolution::Change;
pub use lexicon_schema::diag::{Diagnostic, Diagnostics, Origin, Severity};

/// Loads two lexicon sets and lists what changed between them: the lexicon-level changes
/// (breaking or not) and the Rust names the generator would change.
pub fn diff(
    old: &[std::path::PathBuf],
    new: &[std::path::PathBuf],
) -> Result<Vec<Change>, Diagnostics> {
    let (old, new, mut changes) = evolution::compare_dirs(old, new)?;
    changes.extend(renames::renames(&old, &new));
    changes.sort();
    Ok(changes)
}
pub use options::{Layout, Options};
pub use write::{check_files, write_files, CheckReport, WriteReport};

/// One generated file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GeneratedFile {
    /// Path relative to the output folder.
    pub path: PathBuf,
    /// The file's text.
    pub contents: String,
}

/// What a run generated, and the warnings it gave.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Generated {
    /// The generated files.
    pub files: Vec<GeneratedFile>,
    /// Input that the reference tooling tolerates and this run did too, saying what it
    /// assumed (a record without `key` gets `any`); errors with [`Options::deny_warnings`].
    pub warnings: Diagnostics,
}

/// Reads, checks and generates, in memory. All problems of the run are returned together
/// (warnings too, when there are errors).
pub fn generate(options: &Options) -> Result<Generated, Diagnostics> {
    let (ir, warnings) = build_ir(options)?;
    Ok(Generated {
        files: finish(ir, options)?,
        warnings,
    })
}

/// Emits, assembles and formats.
fn finish(ir: ir::Ir, options: &Options) -> Result<Vec<GeneratedFile>, Diagnostics> {
    let mut emit = options.emit_options()?;
    emit.set_externs(&ir.externs)
        .map_err(|e| Diagnostics::from(vec![Diagnostic::setting("extern path", e)]))?;
    let emitted = emit::emit(&ir, &emit);
    let files = match options.layout_ref() {
        Layout::Crate => assemble::module_tree(&ir, emitted, &emit, "lib.rs"),
        Layout::Module => assemble::module_tree(&ir, emitted, &emit, "mod.rs"),
        Layout::SingleFile(name) => vec![assemble::single_file(&ir, emitted, name, &emit)],
    };
    let mut out = Vec::with_capacity(files.len());
    for file in &files {
        let text = format::format_file(file, emit.docs).map_err(|e| {
            Diagnostics::from(vec![Diagnostic::internal("prettyplease", &file.path, e)])
        })?;
        out.push(GeneratedFile {
            path: file.path.clone(),
            contents: text,
        });
    }
    if options.runs_rustfmt() {
        if let Some(Err(e)) = format::rustfmt_all(&mut out, &options.rustfmt_style()) {
            let message = format!("rustfmt failed on the generated code: {e}");
            let diagnostic = Diagnostic::internal(
                "rustfmt",
                options.out_dir_ref().unwrap_or(Path::new("")),
                message,
            );
            return Err(Diagnostics::from(vec![diagnostic]));
        }
    }
    Ok(out)
}

/// For each namespace feature (`app-bsky`), the other namespace features its types refer to:
/// what a crate with feature gates needs in its `[features]` table.
pub fn namespace_features(
    options: &Options,
) -> Result<std::collections::BTreeMap<String, Vec<String>>, Diagnostics> {
    let (ir, _) = build_ir(options)?;
    Ok(ir
        .features
        .into_iter()
        .map(|(k, v)| (k, v.into_iter().collect()))
        .collect())
}

/// Generates from documents given as text (each with the path used in diagnostics), reading no
/// folder: the options' lexicon folders are ignored.
pub fn generate_sources(
    sources: &[(PathBuf, String)],
    options: &Options,
) -> Result<Generated, Diagnostics> {
    let mut diags = Vec::new();
    let texts: HashMap<PathBuf, String> = sources.iter().cloned().collect();
    let loaded = sources
        .iter()
        .filter_map(|(path, text)| {
            load::parse_document(path, text, &mut diags).map(|doc| load::Loaded {
                path: path.clone(),
                doc,
            })
        })
        .collect();
    let (ir, warnings) =
        lower_loaded(loaded, diags, &texts, options).map_err(|d| d.located(&texts))?;
    Ok(Generated {
        files: finish(ir, options)?,
        warnings: warnings.located(&texts),
    })
}

/// What a run read and produced: for build scripts, which must tell cargo what to watch.
struct Report {
    /// The generated files and warnings, or every problem found.
    result: Result<Generated, Diagnostics>,
    /// The lexicon files read.
    files: Vec<PathBuf>,
}

/// Like [`generate`], also saying which lexicon files were read.
fn generate_report(options: &Options) -> Report {
    let (ir, files) = build_ir_report(options);
    let result = ir.and_then(|(ir, warnings)| {
        Ok(Generated {
            files: finish(ir, options)?,
            warnings,
        })
    });
    Report { result, files }
}

/// Loads, checks and lowers: everything up to emission; the IR and the warnings.
fn build_ir(options: &Options) -> Result<(ir::Ir, Diagnostics), Diagnostics> {
    build_ir_report(options).0
}

#[allow(clippy::type_complexity)]
fn build_ir_report(
    options: &Options,
) -> (Result<(ir::Ir, Diagnostics), Diagnostics>, Vec<PathBuf>) {
    let mut diags = Vec::new();
    let mut texts = HashMap::new();
    let paths = load::discover(options.lexicon_dirs(), &mut diags);
    let loaded: Vec<load::Loaded> = paths
        .iter()
        .filter_map(|p| load::load_file(p, &mut diags, &mut texts))
        .collect();
    let ir = match lower_loaded(loaded, diags, &texts, options) {
        Ok((ir, warnings)) => Ok((ir, warnings.located(&texts))),
        Err(diags) => Err(diags.located(&texts)),
    };
    (ir, paths)
}

/// Selects documents (`only`/`exclude` and what they refer to), builds the catalog, checks it
/// and lowers it, adding to the diagnostics of loading. Warnings go on unless denied.
fn lower_loaded(
    loaded: Vec<load::Loaded>,
    mut diags: Vec<Diagnostic>,
    texts: &HashMap<PathBuf, String>,
    options: &Options,
) -> Result<(ir::Ir, Diagnostics), Diagnostics> {
    let loaded = catalog::select(loaded, options.only_globs(), options.exclude_globs());
    let catalog = catalog::Catalog::build(loaded, &mut diags);
    check::check_catalog(&catalog, &mut diags);
    let failed = |diags: Vec<Diagnostic>| {
        let diags = Diagnostics::from(diags);
        let diags = if options.denies_warnings() {
            diags.denied()
        } else {
            diags
        };
        diags.has_errors().then_some(diags)
    };
    if let Some(errors) = failed(diags.clone()) {
        return Err(errors);
    }
    let ir = lower::lower(&catalog, options.extern_paths(), texts, &mut diags);
    match failed(diags.clone()) {
        Some(errors) => Err(errors),
        None => Ok((ir, Diagnostics::from(diags))),
    }
}
