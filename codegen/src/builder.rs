//! The build-script API: [`Options::compile`] (on [`Builder`], the name build scripts use for
//! [`Options`], as prost-build's `Config`) writes one file to `OUT_DIR` for `include!`, tells
//! cargo what to watch, and reports errors as `cargo::error=`.

use std::path::PathBuf;

use crate::{generate_report, Diagnostic, Diagnostics, Layout, Options};

/// Why a build-script generation failed.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    /// The lexicons have errors (each was also printed as a `cargo::error=` line).
    #[error("{0}")]
    Lexicons(Diagnostics),
    /// A setting is wrong (a path that does not parse, no `OUT_DIR`): each problem names its
    /// setting ([`crate::Origin::Setting`]).
    #[error("lexicon-codegen configuration: {0}")]
    Config(Diagnostics),
    /// The output could not be written: the I/O error is in the message and is the `source()`,
    /// as with every error of these crates that wraps another.
    #[error("cannot write generated code: {0}")]
    Io(#[source] std::io::Error),
}

impl From<std::io::Error> for CompileError {
    fn from(e: std::io::Error) -> Self {
        CompileError::Io(e)
    }
}

/// [`Options`] as build scripts name it: the same type, with [`Options::compile`].
///
/// ```no_run
/// // build.rs
/// fn main() -> Result<(), lexicon_codegen::CompileError> {
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
pub type Builder = Options;

impl Options {
    /// From a build script: generates one file ([`Options::file_name`], in
    /// [`Options::out_dir`] or `$OUT_DIR`) for `include!`, whatever the layout set, without
    /// rustfmt (build output is not read by people often enough to pay for it); writes it only
    /// if its content changed; prints the `cargo::rerun-if-changed` lines for every lexicon
    /// folder and file read. Prints each warning as a `cargo::warning=` line; on errors, prints
    /// each as a `cargo::error=` line naming file, line and column, and returns them.
    pub fn compile(self) -> Result<PathBuf, CompileError> {
        let file_name = self.file_name_ref().to_owned();
        let options = self
            .layout(Layout::SingleFile(file_name.clone()))
            .rustfmt(false);
        if let Err(problems) = options.emit_options() {
            return Err(CompileError::Config(problems));
        }
        let out_dir = match options.out_dir_ref() {
            Some(dir) => dir.to_owned(),
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or_else(|| {
                    CompileError::Config(Diagnostics::from(vec![Diagnostic::setting(
                        "out_dir",
                        "OUT_DIR is not set; call compile() from a build script or set out_dir",
                    )]))
                })?,
        };
        let report = generate_report(&options);
        for dir in options.lexicon_dirs() {
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
            CompileError::Lexicons(diags)
        })?;
        for d in &generated.warnings {
            println!("cargo::warning={}", one_line(d));
        }
        // Only this file: a build script may compile several into one `OUT_DIR`.
        for file in &generated.files {
            crate::write::write_file(&out_dir, file)?;
        }
        Ok(out_dir.join(file_name))
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
