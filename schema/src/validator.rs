//! Validation of records and def values against lexicons loaded at run time: load and check
//! the documents (every problem reported with its file and line), then validate any value with
//! the verdicts and the violation lists of generated code.
//!
//! ```
//! use lexicon_schema::Validator;
//! use serde_json::json;
//!
//! let doc = json!({"lexicon": 1, "id": "com.example.money", "defs": {"main": {
//!     "type": "object", "required": ["currency"],
//!     "properties": {"currency": {"type": "string", "minLength": 3}}}}});
//! let validator = Validator::from_values([doc]).unwrap();
//! let err = validator.validate_def("com.example.money", &json!({"currency": "CC"})).unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "$.currency: string too short: expected at least 3 UTF-8 bytes, got 2"
//! );
//! ```

use std::collections::HashMap;
use std::path::PathBuf;

use lexicon_runtime::dynamic::Lexicons;
use lexicon_runtime::{Error, Mode, ValidationErrors, Violation};
use serde_json::Value;

use crate::catalog::Catalog;
use crate::diag::{Diagnostic, Diagnostics};
use crate::load;
use lexicon_runtime::Path;

/// Lexicon documents, checked, ready to validate records and def values.
#[derive(Debug, Clone)]
pub struct Validator {
    lexicons: Lexicons,
    warnings: Diagnostics,
    mode: Mode,
}

impl Validator {
    /// Loads every `*.json` file under `dirs` (recursively). Documents that break the lexicon
    /// rules fail the whole load, with every problem reported (file, JSON pointer, line).
    pub fn from_dirs<P: AsRef<std::path::Path>>(
        dirs: impl IntoIterator<Item = P>,
    ) -> Result<Self, Diagnostics> {
        let dirs: Vec<PathBuf> = dirs.into_iter().map(|d| d.as_ref().to_owned()).collect();
        let mut diags = Vec::new();
        let files = load::discover(&dirs, &mut diags);
        let mut texts = HashMap::new();
        let loaded = files
            .iter()
            .filter_map(|p| load::load_file(p, &mut diags, &mut texts))
            .collect();
        Self::build(loaded, diags, texts)
    }

    /// Reads documents given as text, each with the name diagnostics give it (a path).
    pub fn from_sources(sources: &[(PathBuf, String)]) -> Result<Self, Diagnostics> {
        let mut diags = Vec::new();
        let texts: HashMap<PathBuf, String> = sources.iter().cloned().collect();
        let loaded = sources
            .iter()
            .filter_map(|(path, text)| {
                let doc = load::parse_document(path, text, &mut diags)?;
                Some(load::Loaded {
                    path: path.clone(),
                    doc,
                })
            })
            .collect();
        Self::build(loaded, diags, texts)
    }

    /// Reads documents given as JSON values (named `document N` in diagnostics, N from 1).
    pub fn from_values(docs: impl IntoIterator<Item = Value>) -> Result<Self, Diagnostics> {
        let sources: Vec<(PathBuf, String)> = docs
            .into_iter()
            .enumerate()
            .map(|(i, doc)| {
                let text = serde_json::to_string_pretty(&doc).unwrap_or_default();
                (PathBuf::from(format!("document {}", i + 1)), text)
            })
            .collect();
        Self::from_sources(&sources)
    }

    fn build(
        loaded: Vec<load::Loaded>,
        mut diags: Vec<Diagnostic>,
        texts: HashMap<PathBuf, String>,
    ) -> Result<Self, Diagnostics> {
        let catalog = Catalog::build(loaded, &mut diags);
        crate::check::check_catalog(&catalog, &mut diags);
        let diags = Diagnostics::from(diags).located(&texts);
        if diags.has_errors() {
            return Err(diags);
        }
        match Lexicons::from_documents(catalog.docs().map(|l| &l.doc)) {
            Ok(lexicons) => Ok(Validator {
                lexicons,
                warnings: diags,
                mode: Mode::Strict,
            }),
            Err(errors) => {
                let file = |nsid: &str| {
                    catalog
                        .docs()
                        .find(|l| l.doc.id == nsid)
                        .map(|l| l.path.clone())
                        .unwrap_or_default()
                };
                let diags: Vec<Diagnostic> = errors
                    .0
                    .iter()
                    .map(|e| Diagnostic::new(file(&e.nsid), &e.pointer, "schema", &e.message))
                    .collect();
                Err(Diagnostics::from(diags).located(&texts))
            }
        }
    }

    /// The same documents, validating as `mode`'s validator would (strict by default).
    pub fn with_mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// The warnings of loading (tolerated departures from the lexicon rules).
    pub fn warnings(&self) -> &Diagnostics {
        &self.warnings
    }

    /// The documents, built for validation.
    pub fn lexicons(&self) -> &Lexicons {
        &self.lexicons
    }

    /// Validates a record whose collection is its `$type`. A record without a string `$type`
    /// is invalid; one whose `$type` names no record def is [`Error::UnknownCollection`].
    pub fn validate_record(&self, value: &Value) -> Result<(), Error> {
        // `$type` by a scan of the keys, not a hash: writers put it first.
        let type_value = match value {
            Value::Object(map) => map.iter().find(|(k, _)| *k == "$type").map(|(_, v)| v),
            _ => None,
        };
        let message = match type_value {
            Some(Value::String(collection)) => return self.validate_record_of(collection, value),
            Some(other) => format!("expected a string (the record's collection), got {other}"),
            None if value.is_object() => "missing required property `$type`".to_owned(),
            None => "expected a record (an object with a `$type`)".to_owned(),
        };
        let mut errors = ValidationErrors::with_mode(self.mode);
        let path = if value.is_object() {
            Path::ROOT.field("$type")
        } else {
            Path::ROOT
        };
        errors.push(&path, Violation::WrongShape { message });
        Err(Error::Invalid(errors))
    }

    /// Validates a record of `collection`, as generated `KnownRecord::from_json` does.
    pub fn validate_record_of(&self, collection: &str, value: &Value) -> Result<(), Error> {
        self.lexicons.validate_record(collection, value, self.mode)
    }

    /// Validates a value of the def named `def` (`nsid#name`, or `nsid` for a main def), as
    /// generated `validate_json` does.
    pub fn validate_def(&self, def: &str, value: &Value) -> Result<(), Error> {
        self.lexicons.validate(def, value, self.mode)
    }

    /// Checks a record key against the key type of `collection`'s record def.
    pub fn validate_record_key(&self, collection: &str, rkey: &str) -> Result<(), Error> {
        self.lexicons.validate_record_key(collection, rkey)
    }
}
