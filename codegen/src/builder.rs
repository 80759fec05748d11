//! The build-script API: a small builder, in the manner of prost-build, that writes one file to
//! `OUT_DIR` for `include!`, tells cargo what to watch, and reports errors as `cargo::error=`.

use std::path::PathBuf;

use crate::{generate_report, Diagnostics, Layout, Options};

/// Why a build-script generation failed.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The lexicons have errors (each was also printed as a `cargo::error=` line).
    #[error("{0}")]
    Lexicons(Diagnostics),
    /// A setting is wrong (a path that does not parse, no `OUT_DIR`).
    #[error("lexicon-codegen configuration: {0}")]
    Config(String),
    /// The output could not be written. (The message includes the I/O error, so it is not
    /// also the `source()`.)
    #[error("cannot write generated code: {0}")]
    Io(std::io::Error),
}

impl From<std::io::Error> for BuildError {
    fn from(e: std::io::Error) -> Self {
        BuildError::Io(e)
    }
}

/// Generates Rust types for lexicons from a build script.
///
/// ```no_run
/// // build.rs
/// fn main() -> Result<(), lexicon_codegen::BuildError> {
///     lexicon_codegen::Builder::new()
///         .lexicons("lexicons")
///         .only(["dev.cocore.*"])
///         .compile()?;
///     Ok(())
/// }
/// ```
///
/// ```ignore
/// // src/lib.rs
/// include!(concat!(env!("OUT_DIR"), "/lexicons.rs"));
/// ```
#[derive(Debug, Clone)]
pub struct Builder {
    options: Options,
    out_dir: Option<PathBuf>,
    file_name: String,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            options: Options::new(Vec::<PathBuf>::new()),
            out_dir: None,
            file_name: "lexicons.rs".into(),
        }
    }
}

impl Builder {
    /// A builder with defaults: output `$OUT_DIR/lexicons.rs`, included at the crate root.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a folder of lexicon JSON files (read recursively); call once per folder.
    pub fn lexicons(mut self, dir: impl Into<PathBuf>) -> Self {
        self.options = self.options.lexicon_dir(dir);
        self
    }

    /// Emits only lexicons whose NSID matches one of these globs (`dev.cocore.*`), and those
    /// they refer to.
    pub fn only<S: Into<String>>(mut self, globs: impl IntoIterator<Item = S>) -> Self {
        self.options = self.options.only(globs);
        self
    }

    /// Skips lexicons whose NSID matches one of these globs (unless an emitted one refers to it).
    pub fn exclude<S: Into<String>>(mut self, globs: impl IntoIterator<Item = S>) -> Self {
        self.options = self.options.exclude(globs);
        self
    }

    /// Writes into `dir` instead of `$OUT_DIR`.
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// Names the output file (default `lexicons.rs`).
    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = name.into();
        self
    }

    /// The path by which generated code names the runtime (default `::lexicon_runtime`), for
    /// crates that re-export it.
    pub fn runtime_path(mut self, path: impl Into<String>) -> Self {
        self.options = self.options.runtime_path(path);
        self
    }

    /// The module path where the file is included (default `crate`), such as
    /// `crate::lexicons` for `mod lexicons { include!(...); }`.
    pub fn module_path(mut self, path: impl Into<String>) -> Self {
        self.options = self.options.module_path(path);
        self
    }

    /// Adds an attribute to every generated type, such as `#[derive(Hash)]`.
    pub fn type_attribute(mut self, attribute: impl Into<String>) -> Self {
        self.options = self.options.type_attribute(attribute);
        self
    }

    /// Whether to emit documentation comments (default true).
    pub fn docs(mut self, docs: bool) -> Self {
        self.options = self.options.docs(docs);
        self
    }

    /// Whether to emit a builder for every struct (default true).
    pub fn builders(mut self, on: bool) -> Self {
        self.options = self.options.builders(on);
        self
    }

    /// Puts each namespace (`app.bsky`) behind a cargo feature (`app-bsky`).
    pub fn feature_gates(mut self, on: bool) -> Self {
        self.options = self.options.feature_gates(on);
        self
    }

    /// The generator options these settings stand for: one file, no rustfmt (build output is
    /// not read by people often enough to pay for it).
    pub fn options(&self) -> Options {
        self.options
            .clone()
            .layout(Layout::SingleFile(self.file_name.clone()))
            .rustfmt(false)
    }

    /// Uses types generated elsewhere (another crate) for the lexicons matching `glob`:
    /// `extern_path("com.atproto.*", "::base_lexicons::com::atproto")`, where the path stands for
    /// the glob's fixed NSID segments. They are not generated, and refs to them use those
    /// types. Repeatable; the first matching glob wins.
    pub fn extern_path(mut self, glob: impl Into<String>, rust_path: impl Into<String>) -> Self {
        self.options = self.options.extern_path(glob, rust_path);
        self
    }

    /// Makes warnings (input the reference tooling tolerates, such as a record without `key`)
    /// errors.
    pub fn deny_warnings(mut self, on: bool) -> Self {
        self.options = self.options.deny_warnings(on);
        self
    }

    /// Generates, writes the file (only if its content changed) and prints the
    /// `cargo::rerun-if-changed` lines for every lexicon folder and file read. Prints each
    /// warning as a `cargo::warning=` line; on errors, prints each as a `cargo::error=` line
    /// naming file, line and column, and returns them.
    pub fn compile(self) -> Result<PathBuf, BuildError> {
        let options = self.options();
        if let Err(problems) = options.emit_options() {
            let messages: Vec<&str> = problems.iter().map(|d| d.message.as_str()).collect();
            return Err(BuildError::Config(messages.join("; ")));
        }
        let out_dir = match &self.out_dir {
            Some(dir) => dir.clone(),
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or_else(|| {
                    BuildError::Config(
                        "OUT_DIR is not set; call compile() from a build script or set out_dir"
                            .into(),
                    )
                })?,
        };
        let report = generate_report(&options);
        for dir in self.options.lexicon_dirs() {
            println!("cargo::rerun-if-changed={}", dir.display());
        }
        for file in &report.files {
            println!("cargo::rerun-if-changed={}", file.display());
        }
        let generated = report.result.map_err(|diags| {
            for d in &diags {
                let kind = if d.is_error() { "error" } else { "warning" };
                println!("cargo::{kind}={}", one_line(d));
            }
            BuildError::Lexicons(diags)
        })?;
        for d in &generated.warnings {
            println!("cargo::warning={}", one_line(d));
        }
        // Only this builder's file: a build script may compile several into one `OUT_DIR`.
        for file in &generated.files {
            crate::write::write_file(&out_dir, file)?;
        }
        Ok(out_dir.join(&self.file_name))
    }
}

/// A diagnostic on one line, for `cargo::error=`: `file:line:col: [rule] message (at pointer)`.
fn one_line(d: &crate::Diagnostic) -> String {
    let place = match d.position {
        Some((line, col)) => format!("{}:{line}:{col}", d.file.display()),
        None => d.file.display().to_string(),
    };
    let at = if d.pointer.is_empty() {
        String::new()
    } else {
        format!(" (at {})", d.pointer)
    };
    format!("{place}: [{}] {}{at}", d.rule, d.message).replace('\n', " ")
}
