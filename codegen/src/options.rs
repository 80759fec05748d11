//! What to generate and how: [`Options`], the one configuration type. The command line maps its
//! arguments onto it, and build scripts use it directly (as [`crate::Builder`], its other name,
//! like prost-build's `Config`).

use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, Diagnostics};
use crate::emit::EmitOptions;

/// How the output is laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Layout {
    /// A crate's module tree: `lib.rs`, `ns/mod.rs`, `ns/lexicon.rs`, ...
    Crate,
    /// The same tree as a module of an existing crate: `mod.rs` at its root (declare it with
    /// `mod <folder>;` and set [`Options::module_path`] to `crate::<folder>`).
    Module,
    /// One file of nested inline modules, for `include!` (build scripts).
    SingleFile(String),
}

/// What to generate and how.
#[derive(Debug, Clone)]
pub struct Options {
    lexicons: Vec<PathBuf>,
    layout: Layout,
    rustfmt: bool,
    rustfmt_dir: Option<PathBuf>,
    only: Vec<String>,
    exclude: Vec<String>,
    runtime_path: Option<String>,
    module_path: Option<String>,
    type_attributes: Vec<String>,
    docs: bool,
    builders: bool,
    feature_gates: bool,
    deny_warnings: bool,
    externs: Vec<(String, String)>,
    out_dir: Option<PathBuf>,
    file_name: String,
}

impl Default for Options {
    fn default() -> Self {
        Options::new()
    }
}

impl Options {
    /// Defaults: no lexicon folder yet (add them with [`Options::lexicons`]), a crate's module
    /// tree, `::lexicon_runtime`, `crate` as root, docs, builders, rustfmt when it is installed;
    /// for [`Options::compile`], `$OUT_DIR/lexicons.rs`.
    pub fn new() -> Options {
        Options {
            lexicons: Vec::new(),
            layout: Layout::Crate,
            rustfmt: true,
            rustfmt_dir: None,
            only: Vec::new(),
            exclude: Vec::new(),
            runtime_path: None,
            module_path: None,
            type_attributes: Vec::new(),
            docs: true,
            builders: true,
            feature_gates: false,
            deny_warnings: false,
            externs: Vec::new(),
            out_dir: None,
            file_name: "lexicons.rs".into(),
        }
    }

    /// Adds a folder of lexicon JSON files (read recursively); call once per folder.
    pub fn lexicons(mut self, dir: impl Into<PathBuf>) -> Self {
        self.lexicons.push(dir.into());
        self
    }

    /// Sets the output layout.
    pub fn layout(mut self, layout: Layout) -> Self {
        self.layout = layout;
        self
    }

    /// Whether to run `rustfmt` after prettyplease when it is installed (default true), so that
    /// committed output passes `cargo fmt --check`.
    pub fn rustfmt(mut self, on: bool) -> Self {
        self.rustfmt = on;
        self
    }

    /// Formats as `cargo fmt` would format files in `dir` (the output folder): with the nearest
    /// `rustfmt.toml` or `.rustfmt.toml` above it, and the edition of the nearest `Cargo.toml`.
    /// Without it, rustfmt's defaults and edition 2021.
    pub fn rustfmt_config_from(mut self, dir: impl Into<PathBuf>) -> Self {
        self.rustfmt_dir = Some(dir.into());
        self
    }

    /// Emits only lexicons whose NSID matches one of these globs (`dev.cocore.*`), and those
    /// they refer to.
    pub fn only<S: Into<String>>(mut self, globs: impl IntoIterator<Item = S>) -> Self {
        self.only.extend(globs.into_iter().map(Into::into));
        self
    }

    /// Skips lexicons whose NSID matches one of these globs (unless an emitted one refers to it).
    pub fn exclude<S: Into<String>>(mut self, globs: impl IntoIterator<Item = S>) -> Self {
        self.exclude.extend(globs.into_iter().map(Into::into));
        self
    }

    /// The path by which generated code names the runtime (default `::lexicon_runtime`), for
    /// crates that re-export it.
    pub fn runtime_path(mut self, path: impl Into<String>) -> Self {
        self.runtime_path = Some(path.into());
        self
    }

    /// The module path of the generated tree's root (default `crate`), such as
    /// `crate::lexicons` when it is a module of an existing crate.
    pub fn module_path(mut self, path: impl Into<String>) -> Self {
        self.module_path = Some(path.into());
        self
    }

    /// Adds an attribute to every generated struct and enum, such as `#[derive(Hash)]`.
    pub fn type_attribute(mut self, attribute: impl Into<String>) -> Self {
        self.type_attributes.push(attribute.into());
        self
    }

    /// Whether to emit documentation comments (default true).
    pub fn docs(mut self, on: bool) -> Self {
        self.docs = on;
        self
    }

    /// Whether to emit a builder for every struct (default true): `Job::builder()...build()`.
    /// Builders add about a third to the build time of large lexicon sets; crates that only
    /// read records can leave them out.
    pub fn builders(mut self, on: bool) -> Self {
        self.builders = on;
        self
    }

    /// Puts each namespace (`app.bsky`) behind a cargo feature (`app-bsky`).
    pub fn feature_gates(mut self, on: bool) -> Self {
        self.feature_gates = on;
        self
    }

    /// Makes warnings (input the reference tooling tolerates, such as a record without `key`)
    /// errors.
    pub fn deny_warnings(mut self, on: bool) -> Self {
        self.deny_warnings = on;
        self
    }

    /// Binds the lexicons whose NSID matches `glob` (`com.atproto.*`) to Rust types generated
    /// elsewhere, under `rust_path` (`::lexicon_atproto::com::atproto`, standing for the module of
    /// the glob's fixed NSID segments): they are not generated, and refs to them use those
    /// types, so that crates share one set of types. Repeatable; the first matching glob wins.
    pub fn extern_path(mut self, glob: impl Into<String>, rust_path: impl Into<String>) -> Self {
        self.externs.push((glob.into(), rust_path.into()));
        self
    }

    /// Adds the extern paths that the package holding `dir` (the nearest `Cargo.toml` above
    /// it) declares, after those set already:
    ///
    /// ```toml
    /// [package.metadata.lexicon-codegen.extern]
    /// "com.atproto.*" = "::lexicon_atproto::com::atproto"
    /// ```
    ///
    /// so that a bindings crate says beside its `[dependencies]` which of them hold which
    /// lexicons, and regenerating it needs no flag. An entry that is not a string is an error.
    pub fn extern_paths_from_manifest(mut self, dir: impl AsRef<Path>) -> Result<Self, String> {
        let Some(manifest_dir) = package_dir(dir.as_ref()) else {
            return Ok(self);
        };
        let Some(manifest) = read_manifest(&manifest_dir) else {
            return Ok(self);
        };
        let table = manifest
            .get("package")
            .and_then(|p| p.get("metadata"))
            .and_then(|m| m.get("lexicon-codegen"))
            .and_then(|l| l.get("extern"));
        let Some(table) = table else {
            return Ok(self);
        };
        let file = manifest_dir.join("Cargo.toml");
        let toml::Value::Table(table) = table else {
            return Err(format!(
                "{}: `package.metadata.lexicon-codegen.extern` must be a table of glob = \"path\"",
                file.display()
            ));
        };
        for (glob, path) in table {
            match path {
                toml::Value::String(path) => self.externs.push((glob.clone(), path.clone())),
                other => {
                    return Err(format!(
                        "{}: `package.metadata.lexicon-codegen.extern.{glob:?}` must be a Rust \
                         path string, not {}",
                        file.display(),
                        other.type_str()
                    ))
                }
            }
        }
        Ok(self)
    }

    /// Where [`Options::compile`] writes (default `$OUT_DIR`).
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// The file [`Options::compile`] writes (default `lexicons.rs`).
    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = name.into();
        self
    }

    pub(crate) fn out_dir_ref(&self) -> Option<&Path> {
        self.out_dir.as_deref()
    }

    pub(crate) fn file_name_ref(&self) -> &str {
        &self.file_name
    }

    pub(crate) fn extern_paths(&self) -> &[(String, String)] {
        &self.externs
    }

    pub(crate) fn denies_warnings(&self) -> bool {
        self.deny_warnings
    }

    pub(crate) fn lexicon_dirs(&self) -> &[PathBuf] {
        &self.lexicons
    }

    pub(crate) fn layout_ref(&self) -> &Layout {
        &self.layout
    }

    pub(crate) fn only_globs(&self) -> &[String] {
        &self.only
    }

    pub(crate) fn exclude_globs(&self) -> &[String] {
        &self.exclude
    }

    pub(crate) fn runs_rustfmt(&self) -> bool {
        self.rustfmt
    }

    /// The emission settings; a path or attribute that does not parse is a diagnostic.
    pub(crate) fn emit_options(&self) -> Result<EmitOptions, Diagnostics> {
        let mut emit = EmitOptions {
            docs: self.docs,
            builders: self.builders,
            feature_gates: self.feature_gates,
            ..EmitOptions::default()
        };
        let mut problems = Vec::new();
        let mut apply = |what: &'static str, result: Result<(), String>| {
            if let Err(e) = result {
                problems.push(Diagnostic::setting(what, e));
            }
        };
        if let Some(root) = &self.module_path {
            apply("module path", emit.set_root(root));
        }
        if let Some(runtime) = &self.runtime_path {
            apply("runtime path", emit.set_runtime(runtime));
        }
        for attribute in &self.type_attributes {
            apply("type attribute", emit.add_type_attribute(attribute));
        }
        for (glob, path) in &self.externs {
            let parsed = crate::emit::parse_path(path).map(drop);
            apply(
                "extern path",
                parsed.map_err(|e| format!("for {glob:?}: {e}")),
            );
        }
        if problems.is_empty() {
            Ok(emit)
        } else {
            Err(Diagnostics::from(problems))
        }
    }

    /// The rustfmt settings `cargo fmt` would use for the output folder.
    pub(crate) fn rustfmt_style(&self) -> RustfmtStyle {
        match &self.rustfmt_dir {
            Some(dir) => RustfmtStyle::for_dir(dir),
            None => RustfmtStyle::default(),
        }
    }
}

/// How rustfmt is run: the edition and the configuration file that apply to the output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RustfmtStyle {
    /// The Rust edition, as `cargo fmt` passes it from `Cargo.toml`.
    pub edition: String,
    /// The nearest `rustfmt.toml` or `.rustfmt.toml`, if any.
    pub config: Option<PathBuf>,
}

impl Default for RustfmtStyle {
    fn default() -> Self {
        RustfmtStyle {
            edition: "2021".into(),
            config: None,
        }
    }
}

impl RustfmtStyle {
    /// The style for files in `dir` (which need not exist yet).
    fn for_dir(dir: &Path) -> Self {
        let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_owned());
        let config = dir.ancestors().find_map(|d| {
            ["rustfmt.toml", ".rustfmt.toml"]
                .iter()
                .map(|name| d.join(name))
                .find(|p| p.is_file())
        });
        let edition = package_dir(&dir)
            .and_then(|d| edition_of(&d))
            .unwrap_or_else(|| "2021".into());
        RustfmtStyle { edition, config }
    }
}

/// The folder of the package that holds `dir` (which need not exist yet): the nearest one
/// above it with a `Cargo.toml`.
fn package_dir(dir: &Path) -> Option<PathBuf> {
    let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_owned());
    dir.ancestors()
        .find(|d| d.join("Cargo.toml").is_file())
        .map(Path::to_owned)
}

/// The edition of the package whose manifest is in `dir`: `package.edition`, or, with
/// `edition.workspace = true`, the workspace's `workspace.package.edition`.
fn edition_of(dir: &Path) -> Option<String> {
    let manifest = read_manifest(dir)?;
    match manifest.get("package")?.get("edition")? {
        toml::Value::String(edition) => Some(edition.clone()),
        toml::Value::Table(t) if t.get("workspace") == Some(&toml::Value::Boolean(true)) => {
            dir.ancestors().filter_map(read_manifest).find_map(|m| {
                m.get("workspace")?
                    .get("package")?
                    .get("edition")?
                    .as_str()
                    .map(str::to_owned)
            })
        }
        _ => None,
    }
}

fn read_manifest(dir: &Path) -> Option<toml::Table> {
    std::fs::read_to_string(dir.join("Cargo.toml"))
        .ok()?
        .parse()
        .ok()
}
