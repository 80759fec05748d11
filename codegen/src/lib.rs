//! `lexicon-codegen` reads atproto Lexicon schemas and generates Rust types: serde impls that keep
//! undeclared fields, and `validate()` methods that check every constraint the schemas state,
//! agreeing with the strict atproto reference validator.
//!
//! The pipeline, one module per stage: [`load`] (read and check documents) -> [`catalog`]
//! (resolve refs) -> [`lower`] (the Rust-shaped [`ir`], where all names are decided) ->
//! [`emit`] (tokens) -> [`assemble`] (files) -> [`format`] -> [`write`] (write or check).
//!
//! ```no_run
//! let options = lexicon_codegen::Options::new(["lexicons"]);
//! let files = lexicon_codegen::generate(&options).expect("lexicons are valid");
//! lexicon_codegen::write::write_files("generated/src".as_ref(), &files).unwrap();
//! ```

#![deny(missing_docs)]

pub mod assemble;
mod builder;
pub mod catalog;
pub mod check;
pub mod convert;
pub mod diag;
pub mod emit;
pub mod evolution;
pub mod format;
pub mod ir;
pub mod load;
pub mod lower;
pub mod names;
pub mod schema;
pub mod span;
pub mod write;

use std::collections::HashMap;
use std::path::PathBuf;

pub use builder::{BuildError, Builder};
pub use diag::{Diagnostic, Diagnostics};
pub use emit::EmitOptions;

/// How the output is laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    /// A module tree: `lib.rs`, `ns/mod.rs`, `ns/lexicon.rs`, ... (for a committed crate).
    Tree,
    /// One file of nested inline modules, for `include!` (for build scripts).
    SingleFile(String),
}

/// What to generate and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// Folders to read lexicons from (every `*.json` below them).
    pub lexicons: Vec<PathBuf>,
    /// Output layout.
    pub layout: Layout,
    /// Paths used in generated code.
    pub emit: EmitOptions,
    /// Whether to run `rustfmt` after prettyplease when it is installed.
    pub rustfmt: bool,
    /// NSID globs (`dev.cocore.*`) of the lexicons to emit; empty for all. The lexicons they
    /// refer to are emitted too.
    pub only: Vec<String>,
    /// NSID globs of lexicons not to emit (unless a selected lexicon refers to them).
    pub exclude: Vec<String>,
}

impl Options {
    /// Defaults: a module tree, `::lexicon_runtime`, `crate` as root, rustfmt when available.
    pub fn new<P: Into<PathBuf>>(lexicons: impl IntoIterator<Item = P>) -> Options {
        Options {
            lexicons: lexicons.into_iter().map(Into::into).collect(),
            layout: Layout::Tree,
            emit: EmitOptions::default(),
            rustfmt: true,
            only: Vec::new(),
            exclude: Vec::new(),
        }
    }
}

/// One generated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Path relative to the output folder.
    pub path: PathBuf,
    /// The file's text.
    pub contents: String,
}

/// Reads, checks and generates, in memory. All problems of the run are returned together.
pub fn generate(options: &Options) -> Result<Vec<GeneratedFile>, Diagnostics> {
    finish(build_ir(options)?, options)
}

/// Emits, assembles and formats.
fn finish(ir: ir::Ir, options: &Options) -> Result<Vec<GeneratedFile>, Diagnostics> {
    let emitted = emit::emit(&ir, &options.emit);
    let files = match &options.layout {
        Layout::Tree => assemble::module_tree(&ir, emitted, &options.emit),
        Layout::SingleFile(name) => vec![assemble::single_file(&ir, emitted, name, &options.emit)],
    };
    let mut out = Vec::with_capacity(files.len());
    for file in &files {
        let mut text = format::format_file(file).map_err(|e| internal(file, e))?;
        if !options.emit.docs {
            text = format::strip_docs(&text);
        }
        out.push(GeneratedFile {
            path: file.path.clone(),
            contents: text,
        });
    }
    if options.rustfmt {
        if let Some(Err(e)) = format::rustfmt_all(&mut out) {
            let message = format!("internal error: rustfmt failed on generated code: {e}");
            return Err(Diagnostics(vec![Diagnostic::new(
                "", "", "internal", message,
            )]));
        }
    }
    Ok(out)
}

/// For each namespace feature (`app-bsky`), the other namespace features its types refer to:
/// what a crate with `feature_gates` needs in its `[features]` table.
pub fn namespace_features(
    options: &Options,
) -> Result<std::collections::BTreeMap<String, Vec<String>>, Diagnostics> {
    let ir = build_ir(options)?;
    Ok(ir
        .features
        .into_iter()
        .map(|(k, v)| (k, v.into_iter().collect()))
        .collect())
}

/// Generates from documents given as text (each with the path used in diagnostics), reading no
/// folder: `options.lexicons` is ignored.
pub fn generate_sources(
    sources: &[(PathBuf, String)],
    options: &Options,
) -> Result<Vec<GeneratedFile>, Diagnostics> {
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
    let ir = lower_loaded(loaded, diags, options).map_err(|d| d.located(&texts))?;
    finish(ir, options)
}

/// What a run read and produced: for build scripts, which must tell cargo what to watch.
pub struct Report {
    /// The generated files, or every problem found.
    pub result: Result<Vec<GeneratedFile>, Diagnostics>,
    /// The lexicon files read.
    pub files: Vec<PathBuf>,
}

/// Like [`generate`], also saying which lexicon files were read.
pub fn generate_report(options: &Options) -> Report {
    let (ir, files) = build_ir_report(options);
    Report {
        result: ir.and_then(|ir| finish(ir, options)),
        files,
    }
}

/// Loads, checks and lowers: everything up to emission.
fn build_ir(options: &Options) -> Result<ir::Ir, Diagnostics> {
    build_ir_report(options).0
}

fn build_ir_report(options: &Options) -> (Result<ir::Ir, Diagnostics>, Vec<PathBuf>) {
    let mut diags = Vec::new();
    let mut texts = HashMap::new();
    let paths = load::discover(&options.lexicons, &mut diags);
    let loaded: Vec<load::Loaded> = paths
        .iter()
        .filter_map(|p| load::load_file(p, &mut diags, &mut texts))
        .collect();
    let ir = lower_loaded(loaded, diags, options).map_err(|d| d.located(&texts));
    (ir, paths)
}

/// Selects documents (`only`/`exclude` and what they refer to), builds the catalog, checks it
/// and lowers it, adding to the diagnostics of loading.
fn lower_loaded(
    loaded: Vec<load::Loaded>,
    mut diags: Vec<Diagnostic>,
    options: &Options,
) -> Result<ir::Ir, Diagnostics> {
    let loaded = catalog::select(loaded, &options.only, &options.exclude);
    let catalog = catalog::Catalog::build(loaded, &mut diags);
    check::check_catalog(&catalog, &mut diags);
    if !diags.is_empty() {
        return Err(Diagnostics(diags).finish());
    }
    let ir = lower::lower(&catalog, &mut diags);
    if !diags.is_empty() {
        return Err(Diagnostics(diags).finish());
    }
    Ok(ir)
}

fn internal(file: &assemble::FileTokens, message: String) -> Diagnostics {
    Diagnostics(vec![Diagnostic::new(&file.path, "", "internal", message)])
}
