//! Validation against lexicon documents read at run time, with the verdicts and the violation
//! lists of generated code.
//!
//! [`Lexicons`] holds a set of documents reduced to what validation needs; it validates any
//! record or any def's value given as JSON, reporting every violation: type mismatches, missing
//! required properties and constraint violations alike, in the words of the schema
//! (`$.selfSignature: expected bytes ({"$bytes": "<base64>"}), got a string ("MII…")`).
//!
//! Documents are read by the one reader of the [`crate::lexicon`] model, which the generator
//! uses too, and are trusted to follow the lexicon document rules beyond their shape: check
//! them first (the `lexicon-schema` crate's `Validator` loads, checks and builds in one step,
//! reporting every problem with its file and line). What this module cannot follow (a document
//! that does not read, a ref that does not resolve) is a [`SchemaError`], never a panic.
//!
//! Generated code uses the same walker for values that do not even have the shape of their
//! type: `from_json` then reports every violation, not just the first shape error.
//!
//! ```
//! use lexicon_runtime::dynamic::Lexicons;
//! use lexicon_runtime::serde_json::json;
//!
//! let doc = json!({"lexicon": 1, "id": "com.example.note", "defs": {"main": {
//!     "type": "record", "key": "tid", "record": {"type": "object",
//!     "required": ["text", "createdAt"], "properties": {
//!         "text": {"type": "string", "maxLength": 5},
//!         "createdAt": {"type": "string", "format": "datetime"}}}}}});
//! let lexicons = Lexicons::from_json_values([&doc]).unwrap();
//! let record = json!({"$type": "com.example.note", "text": 12});
//! let err = lexicons.validate_record("com.example.note", &record, Default::default()).unwrap_err();
//! assert_eq!(
//!     format!("{:#}", err.violations().unwrap()),
//!     "2 violations:\n  $.text: expected a string, got an integer (12)\n  \
//!      $: missing required property `createdAt`"
//! );
//! ```

mod build;
mod walk;

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use serde_json::Value;

use crate::lexicon::{self, Document};
use crate::{Error, Mode, ValidationErrors};

/// A set of lexicon documents, ready to validate values against any of their defs.
#[derive(Debug, Clone)]
pub struct Lexicons {
    defs: Vec<Def>,
    /// Each def's index by its `$type` (`nsid` for main defs, `nsid#name` otherwise).
    ids: HashMap<String, usize>,
}

/// A def and what validation needs of it.
#[derive(Debug, Clone)]
struct Def {
    type_id: String,
    kind: DefKind,
}

#[derive(Debug, Clone)]
enum DefKind {
    /// A record: `$type` required and equal to the NSID; the key type.
    Record { key: String, object: Object },
    /// A named object: a `$type`, when present, must name it.
    Object(Object),
    /// A named string, integer, array, union... checked where used.
    Data(Node),
    /// A token, a method, a permission set: no values.
    NoData,
}

/// An object's properties in document order.
#[derive(Debug, Clone)]
struct Object {
    props: Vec<Prop>,
}

#[derive(Debug, Clone)]
struct Prop {
    name: String,
    node: Node,
    required: bool,
    nullable: bool,
}

/// The schema of one value.
#[derive(Debug, Clone)]
enum Node {
    String(Box<StrChecks>),
    Integer(IntChecks),
    Boolean(Option<bool>),
    Bytes(Option<u64>, Option<u64>),
    CidLink,
    Blob {
        accept: Option<Vec<String>>,
        max_size: Option<u64>,
    },
    Unknown,
    Array {
        items: Box<Node>,
        min: Option<u64>,
        max: Option<u64>,
    },
    /// An inline object: `$type` is an ordinary property.
    Object(Box<Object>),
    /// Another def, by index.
    Ref(usize),
    /// Members by def index.
    Union {
        members: Vec<usize>,
        closed: bool,
    },
}

#[derive(Debug, Clone)]
struct StrChecks {
    /// Whether it has `knownValues` or `enum`: then neither `const` is checked nor the format
    /// before the lengths (as the generated enum type does).
    is_enum: bool,
    closed: Option<Vec<String>>,
    format: Option<crate::FormatKind>,
    min_bytes: Option<u64>,
    max_bytes: Option<u64>,
    min_graphemes: Option<u64>,
    max_graphemes: Option<u64>,
    konst: Option<String>,
}

/// An integer's checks: `const` wins over `enum`, which wins over the range.
#[derive(Debug, Clone)]
enum IntChecks {
    Const(i64),
    In(Vec<i64>),
    Range(Option<i64>, Option<i64>),
}

impl Lexicons {
    /// Builds the schemas of documents already read (by [`crate::lexicon::read_document`] or
    /// `lexicon-schema`'s loader); every problem is reported.
    pub fn from_documents<'a>(
        docs: impl IntoIterator<Item = &'a Document>,
    ) -> Result<Self, SchemaErrors> {
        let docs: Vec<&Document> = docs.into_iter().collect();
        build::build(&docs).map_err(SchemaErrors)
    }

    /// Reads lexicon documents given as JSON values, then builds them; every problem is
    /// reported.
    pub fn from_json_values<'a>(
        values: impl IntoIterator<Item = &'a Value>,
    ) -> Result<Self, SchemaErrors> {
        let mut docs = Vec::new();
        let mut errors = Vec::new();
        for (i, value) in values.into_iter().enumerate() {
            match lexicon::read_document(value) {
                Ok(doc) => docs.push(doc),
                Err(problems) => {
                    let nsid = match value.get("id").and_then(Value::as_str) {
                        Some(id) => id.to_owned(),
                        None => format!("document {i}"),
                    };
                    errors.extend(
                        problems
                            .into_iter()
                            .map(|p| SchemaError::new(nsid.clone(), p.pointer, p.message)),
                    );
                }
            }
        }
        after(errors, Self::from_documents(&docs))
    }

    /// Reads lexicon documents given as JSON text, then builds them; every problem is reported.
    pub fn from_json_documents<'a>(
        texts: impl IntoIterator<Item = &'a str>,
    ) -> Result<Self, SchemaErrors> {
        let mut values = Vec::new();
        let mut errors = Vec::new();
        for (i, text) in texts.into_iter().enumerate() {
            match serde_json::from_str::<Value>(text) {
                Ok(v) => values.push(v),
                Err(e) => errors.push(SchemaError::new(format!("document {i}"), "", e.to_string())),
            }
        }
        after(errors, Self::from_json_values(&values))
    }

    /// Whether `def` (`nsid`, `nsid#main` or `nsid#name`) names a def that has values.
    pub fn has_def(&self, def: &str) -> bool {
        self.find(def)
            .is_some_and(|i| !matches!(self.defs[i].kind, DefKind::NoData))
    }

    /// The record collections, sorted.
    pub fn collections(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self
            .defs
            .iter()
            .filter(|d| matches!(d.kind, DefKind::Record { .. }))
            .map(|d| d.type_id.as_str())
            .collect();
        out.sort_unstable();
        out
    }

    /// Validates `value` against the def named `def` (`nsid#name`, or `nsid` for a main def),
    /// as generated `validate_json` does: records must carry their `$type`. The JSON bodies of a
    /// method are named `nsid#(input)`, `nsid#(output)` and, for a subscription's messages,
    /// `nsid#(message)`. Every violation is reported; a def that is unknown or has no values is
    /// [`Error::UnknownDefinition`].
    pub fn validate(&self, def: &str, value: &Value, mode: Mode) -> Result<(), Error> {
        let Some(i) = self.find(def).filter(|&i| self.has_values(i)) else {
            return Err(Error::UnknownDefinition(def.to_owned()));
        };
        self.validate_def(i, value, mode)
    }

    /// Checks `value` against def `i`.
    fn validate_def(&self, i: usize, value: &Value, mode: Mode) -> Result<(), Error> {
        let mut errors = ValidationErrors::with_mode(mode);
        walk::def(self, i, value, &crate::Path::ROOT, &mut errors);
        Ok(errors.into_result()?)
    }

    /// Validates a record of `collection`, as generated `KnownRecord::from_json` does; a
    /// collection without a record def is [`Error::UnknownCollection`].
    pub fn validate_record(
        &self,
        collection: &str,
        value: &Value,
        mode: Mode,
    ) -> Result<(), Error> {
        match self.ids.get(collection) {
            Some(&i) if matches!(self.defs[i].kind, DefKind::Record { .. }) => {
                self.validate_def(i, value, mode)
            }
            _ => Err(Error::UnknownCollection(collection.to_owned())),
        }
    }

    /// Checks a record key against the key type of `collection`'s record def.
    pub fn validate_record_key(&self, collection: &str, rkey: &str) -> Result<(), Error> {
        match self.ids.get(collection).map(|&i| &self.defs[i].kind) {
            Some(DefKind::Record { key, .. }) => {
                crate::record::check_record_key(collection, key, rkey)
            }
            _ => Err(Error::UnknownCollection(collection.to_owned())),
        }
    }

    fn find(&self, def: &str) -> Option<usize> {
        let def = def.strip_suffix("#main").unwrap_or(def);
        self.ids.get(def).copied()
    }

    fn has_values(&self, i: usize) -> bool {
        !matches!(self.defs[i].kind, DefKind::NoData)
    }

    /// Refs to defs without values, union members that are not objects or records, and defs
    /// that name themselves through refs alone (which no value could end).
    fn check_refs(&self, errors: &mut Vec<SchemaError>) {
        for (i, def) in self.defs.iter().enumerate() {
            let (nsid, name) = match def.type_id.split_once('#') {
                Some((nsid, name)) => (nsid, name),
                None => (def.type_id.as_str(), "main"),
            };
            let mut at = i;
            let mut steps = 0;
            while let DefKind::Data(Node::Ref(next)) = &self.defs[at].kind {
                at = *next;
                steps += 1;
                if at == i || steps > self.defs.len() {
                    errors.push(SchemaError::new(
                        nsid,
                        format!("/defs/{name}"),
                        "this def refers to itself without a value in between",
                    ));
                    break;
                }
            }
            let mut bad = Vec::new();
            match &def.kind {
                DefKind::Record { object, .. } | DefKind::Object(object) => object
                    .props
                    .iter()
                    .for_each(|p| self.bad_refs(&p.node, &mut bad)),
                DefKind::Data(node) => self.bad_refs(node, &mut bad),
                DefKind::NoData => {}
            }
            for message in bad {
                errors.push(SchemaError::new(nsid, format!("/defs/{name}"), message));
            }
        }
    }

    fn bad_refs(&self, node: &Node, bad: &mut Vec<String>) {
        match node {
            Node::Ref(i) if !self.has_values(*i) => bad.push(format!(
                "refers to {}, which has no values",
                self.defs[*i].type_id
            )),
            Node::Union { members, .. } => {
                for &m in members {
                    if !matches!(
                        self.defs[m].kind,
                        DefKind::Record { .. } | DefKind::Object(_)
                    ) {
                        bad.push(format!(
                            "union member {} is not an object or a record",
                            self.defs[m].type_id
                        ));
                    }
                }
            }
            Node::Array { items, .. } => self.bad_refs(items, bad),
            Node::Object(o) => o.props.iter().for_each(|p| self.bad_refs(&p.node, bad)),
            _ => {}
        }
    }
}

/// `built`, unless `errors` (found before building) has any: every error is kept.
fn after(
    mut errors: Vec<SchemaError>,
    built: Result<Lexicons, SchemaErrors>,
) -> Result<Lexicons, SchemaErrors> {
    match built {
        Ok(lexicons) if errors.is_empty() => Ok(lexicons),
        Ok(_) => Err(SchemaErrors(errors)),
        Err(SchemaErrors(more)) => {
            errors.extend(more);
            Err(SchemaErrors(errors))
        }
    }
}

/// A lexicon document that cannot be followed: where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    /// The document's NSID (or `document N` when it has none).
    pub nsid: String,
    /// JSON pointer in the document.
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

impl SchemaError {
    fn new(
        nsid: impl Into<String>,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        SchemaError {
            nsid: nsid.into(),
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}: {}", self.nsid, self.pointer, self.message)
    }
}

/// Every problem found in a set of lexicon documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaErrors(pub Vec<SchemaError>);

impl fmt::Display for SchemaErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SchemaErrors {}

/// The lexicon documents of a generated module tree, as JSON text, built into [`Lexicons`] the
/// first time a value fails to parse. Generated code holds one in a `static`.
#[doc(hidden)]
#[derive(Debug)]
pub struct Registry {
    docs: &'static [&'static str],
    built: OnceLock<Option<Lexicons>>,
}

impl Registry {
    /// A registry of `docs`, built on first use.
    pub const fn new(docs: &'static [&'static str]) -> Self {
        Registry {
            docs,
            built: OnceLock::new(),
        }
    }

    /// The built documents; `None` if they cannot be built (they were generated, so they can).
    pub fn lexicons(&self) -> Option<&Lexicons> {
        self.built
            .get_or_init(|| Lexicons::from_json_documents(self.docs.iter().copied()).ok())
            .as_ref()
    }
}

/// Where a generated type's schema is: its module tree's registry and its `$type`.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct LexiconRef {
    /// The registry of the module tree.
    pub registry: &'static Registry,
    /// The def's `$type`.
    pub type_id: &'static str,
}

impl LexiconRef {
    /// Every violation of `value` in `mode`, if the walker finds any.
    pub(crate) fn explain(&self, value: &Value, mode: Mode) -> Option<ValidationErrors> {
        match self
            .registry
            .lexicons()?
            .validate(self.type_id, value, mode)
        {
            Err(Error::Invalid(errors)) => Some(errors),
            _ => None,
        }
    }
}
