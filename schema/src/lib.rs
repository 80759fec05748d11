//! atproto Lexicon documents, with no code generation: what `lexicon-codegen`, its `diff`
//! command and anything that validates against lexicons known only at run time share.
//!
//! - [`schema`]: the document model, every def kind and field of the language.
//! - [`load`]: lexicon files (or JSON values) to documents, every problem reported with its
//!   file, JSON pointer and line.
//! - [`catalog`]: every document by NSID, and `ref` strings resolved to defs.
//! - [`check`]: the document rules beyond the shape (refs resolve, constraints are coherent,
//!   defaults obey them).
//! - [`evolution`]: which changes between two versions of a lexicon set break old data or
//!   old readers.
//! - [`validator`]: records and def values validated against the loaded documents, with the
//!   verdicts and violation lists of generated code.
//! - [`records`]: record files (`.json`, `.jsonl`, folders of them) validated, one report per
//!   record (what `lexicon-codegen validate` runs).
//! - [`diag`] and [`span`]: diagnostics and their source positions.

#![forbid(unsafe_code)]

pub mod catalog;
pub mod check;
pub mod diag;
pub mod evolution;
pub mod lint;
pub mod load;
pub mod records;
pub mod schema;
pub mod span;
pub mod validator;

pub use diag::{Diagnostic, Diagnostics, Origin, Severity};
pub use validator::Validator;
