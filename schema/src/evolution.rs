//! Lexicon evolution: which changes between two versions of a lexicon set break old data or old
//! readers (`semantics.md` §11). New optional properties, new defs and lexicons, grown
//! `knownValues` and new members of open unions are fine; everything that tightens or loosens a
//! constraint, changes a type, or touches required properties is breaking. Rust names that
//! change although the lexicon change is compatible are breaking too (`renames`).

use std::fmt;
use std::path::PathBuf;

use crate::catalog::Catalog;
use crate::diag::{pointer_push, Diagnostic, Diagnostics};
use crate::schema::{Def, Field, ObjectSchema};

/// One difference between the old and the new version.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub struct Change {
    /// The lexicon.
    pub nsid: String,
    /// Where in the document (JSON pointer).
    pub pointer: String,
    /// Whether old data or old readers can break.
    pub breaking: bool,
    /// What changed.
    pub message: String,
}

impl Change {
    /// A change to `nsid` at `pointer`.
    pub fn new(
        nsid: impl Into<String>,
        pointer: impl Into<String>,
        breaking: bool,
        message: impl Into<String>,
    ) -> Self {
        Change {
            nsid: nsid.into(),
            pointer: pointer.into(),
            breaking,
            message: message.into(),
        }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tag = if self.breaking { "BREAKING" } else { "ok" };
        write!(
            f,
            "{tag:<9}{} {}: {}",
            self.nsid, self.pointer, self.message
        )
    }
}

/// Loads two lexicon sets and compares them: `(old, new, changes)`, the changes sorted. A tool
/// that adds changes of its own (the generator's Rust names) uses the two catalogs.
pub fn compare_dirs(
    old: &[PathBuf],
    new: &[PathBuf],
) -> Result<(Catalog, Catalog, Vec<Change>), Diagnostics> {
    let old = load_dirs(old)?;
    let new = load_dirs(new)?;
    let mut changes = compare(&old, &new);
    changes.sort();
    Ok((old, new, changes))
}

/// Loads lexicon folders into a checked catalog, or every diagnostic.
pub fn load_dirs(dirs: &[PathBuf]) -> Result<Catalog, Diagnostics> {
    let loaded = crate::load::load_checked(dirs);
    if loaded.diags.is_empty() {
        Ok(loaded.catalog)
    } else {
        Err(loaded.located())
    }
}

/// Builds a checked catalog of lexicon documents held in memory (as JSON text), each named by
/// `name` in diagnostics (`stored/dev.cocore.compute.job.json`), or every diagnostic.
pub fn load_texts(texts: &[(String, String)]) -> Result<Catalog, Diagnostics> {
    let mut diags: Vec<Diagnostic> = Vec::new();
    let mut sources = std::collections::HashMap::new();
    let loaded = texts
        .iter()
        .filter_map(|(name, text)| {
            let path = PathBuf::from(name);
            let doc = crate::load::parse_document(&path, text, &mut diags);
            sources.insert(path.clone(), text.clone());
            doc.map(|doc| crate::load::Loaded { path, doc })
        })
        .collect();
    let catalog = Catalog::build(loaded, &mut diags);
    crate::check::check_catalog(&catalog, &mut diags);
    if diags.is_empty() {
        Ok(catalog)
    } else {
        Err(Diagnostics::from(diags).located(&sources))
    }
}

/// Every change from `old` to `new`, sorted by lexicon and pointer.
pub fn compare(old: &Catalog, new: &Catalog) -> Vec<Change> {
    let mut cx = Cx {
        nsid: String::new(),
        out: Vec::new(),
    };
    for o in old.docs() {
        cx.nsid = o.doc.id.clone();
        match new.doc(&o.doc.id) {
            None => cx.push("", true, "lexicon removed"),
            Some(n) => {
                for (name, od) in &o.doc.defs {
                    let at = pointer_push("/defs", name);
                    match n.defs.get(name) {
                        None => cx.push(&at, true, format!("def `{name}` removed")),
                        Some(nd) => cx.def(od, nd, &at),
                    }
                }
                for name in n.defs.keys().filter(|k| !o.doc.defs.contains_key(*k)) {
                    cx.push(
                        &pointer_push("/defs", name),
                        false,
                        format!("def `{name}` added"),
                    );
                }
            }
        }
    }
    for n in new.docs().filter(|n| old.doc(&n.doc.id).is_none()) {
        cx.nsid = n.doc.id.clone();
        cx.push("", false, "lexicon added");
    }
    cx.out.sort();
    cx.out
}

struct Cx {
    nsid: String,
    out: Vec<Change>,
}

fn show<T: fmt::Debug>(v: &Option<T>) -> String {
    match v {
        Some(v) => format!("{v:?}"),
        None => "none".into(),
    }
}

impl Cx {
    fn push(&mut self, pointer: &str, breaking: bool, message: impl Into<String>) {
        self.out.push(Change {
            nsid: self.nsid.clone(),
            pointer: pointer.to_owned(),
            breaking,
            message: message.into(),
        });
    }

    /// A limit changed: any change to a bound invalidates old data (tightened) or lets new data
    /// fail old readers (loosened).
    fn bound<T: PartialOrd + fmt::Debug>(
        &mut self,
        at: &str,
        name: &str,
        is_max: bool,
        old: &Option<T>,
        new: &Option<T>,
    ) {
        if old == new {
            return;
        }
        let tightened = match (old, new) {
            (None, Some(_)) => true,
            (Some(_), None) => false,
            (Some(o), Some(n)) => (is_max && n < o) || (!is_max && n > o),
            (None, None) => return,
        };
        let how = if tightened {
            "tightened (old data may fail)"
        } else {
            "loosened (new data may fail old readers)"
        };
        self.push(
            &pointer_push(at, name),
            true,
            format!("`{name}` {} -> {}: {how}", show(old), show(new)),
        );
    }

    fn same<T: PartialEq + fmt::Debug>(
        &mut self,
        at: &str,
        name: &str,
        old: &Option<T>,
        new: &Option<T>,
    ) {
        if old != new {
            self.push(
                &pointer_push(at, name),
                true,
                format!("`{name}` changed from {} to {}", show(old), show(new)),
            );
        }
    }

    fn def(&mut self, old: &Def, new: &Def, at: &str) {
        match (old, new) {
            (Def::Record(o), Def::Record(n)) => {
                self.same(at, "key", &o.key, &n.key);
                self.object(&o.record, &n.record, &pointer_push(at, "record"));
            }
            (Def::Object(o), Def::Object(n)) => self.object(o, n, at),
            (Def::String(o), Def::String(n)) => {
                self.field(&Field::String(o.clone()), &Field::String(n.clone()), at)
            }
            (Def::Integer(o), Def::Integer(n)) => {
                self.field(&Field::Integer(o.clone()), &Field::Integer(n.clone()), at)
            }
            (Def::Boolean(o), Def::Boolean(n)) => {
                self.field(&Field::Boolean(o.clone()), &Field::Boolean(n.clone()), at)
            }
            (Def::Array(o), Def::Array(n)) => {
                self.field(&Field::Array(o.clone()), &Field::Array(n.clone()), at)
            }
            (Def::Union(o), Def::Union(n)) => {
                self.field(&Field::Union(o.clone()), &Field::Union(n.clone()), at)
            }
            (Def::Blob(o), Def::Blob(n)) => {
                self.field(&Field::Blob(o.clone()), &Field::Blob(n.clone()), at)
            }
            (Def::Bytes(o), Def::Bytes(n)) => {
                self.field(&Field::Bytes(o.clone()), &Field::Bytes(n.clone()), at)
            }
            (Def::Query(o), Def::Query(n)) => {
                self.params(o.parameters.as_ref(), n.parameters.as_ref(), at);
                self.body(
                    o.output.as_ref(),
                    n.output.as_ref(),
                    &pointer_push(at, "output"),
                );
            }
            (Def::Procedure(o), Def::Procedure(n)) => {
                self.params(o.parameters.as_ref(), n.parameters.as_ref(), at);
                self.body(
                    o.input.as_ref(),
                    n.input.as_ref(),
                    &pointer_push(at, "input"),
                );
                self.body(
                    o.output.as_ref(),
                    n.output.as_ref(),
                    &pointer_push(at, "output"),
                );
            }
            (Def::Subscription(o), Def::Subscription(n)) => {
                self.params(o.parameters.as_ref(), n.parameters.as_ref(), at);
                if let (Some(o), Some(n)) = (&o.message, &n.message) {
                    self.field(
                        &o.schema,
                        &n.schema,
                        &pointer_push(&pointer_push(at, "message"), "schema"),
                    );
                }
            }
            (o, n) if o.kind() == n.kind() => {}
            (o, n) => self.push(
                at,
                true,
                format!("type changed from {} to {}", o.kind(), n.kind()),
            ),
        }
    }

    fn params(
        &mut self,
        old: Option<&crate::schema::ParamsSchema>,
        new: Option<&crate::schema::ParamsSchema>,
        at: &str,
    ) {
        let empty = crate::schema::ParamsSchema::default();
        let (o, n) = (old.unwrap_or(&empty), new.unwrap_or(&empty));
        let as_object = |p: &crate::schema::ParamsSchema| ObjectSchema {
            description: None,
            properties: p.properties.clone(),
            required: p.required.clone(),
            nullable: Vec::new(),
        };
        self.object(
            &as_object(o),
            &as_object(n),
            &pointer_push(at, "parameters"),
        );
    }

    fn body(
        &mut self,
        old: Option<&crate::schema::Body>,
        new: Option<&crate::schema::Body>,
        at: &str,
    ) {
        match (old, new) {
            (Some(o), Some(n)) => {
                if o.encoding != n.encoding {
                    self.push(
                        &pointer_push(at, "encoding"),
                        true,
                        format!("encoding changed from {} to {}", o.encoding, n.encoding),
                    );
                }
                match (&o.schema, &n.schema) {
                    (Some(os), Some(ns)) => self.field(os, ns, &pointer_push(at, "schema")),
                    (None, None) => {}
                    _ => self.push(
                        &pointer_push(at, "schema"),
                        true,
                        "body schema added or removed",
                    ),
                }
            }
            (None, None) => {}
            _ => self.push(at, true, "body added or removed"),
        }
    }

    fn object(&mut self, old: &ObjectSchema, new: &ObjectSchema, at: &str) {
        let props = pointer_push(at, "properties");
        for (name, o) in &old.properties {
            let p = pointer_push(&props, name);
            let was_required = old.required.contains(name);
            match new.properties.get(name) {
                None if was_required => self.push(&p, true, "required property removed"),
                None => self.push(
                    &p,
                    false,
                    "optional property removed (its name must not be reused with another type)",
                ),
                Some(n) => {
                    let is_required = new.required.contains(name);
                    if was_required && !is_required {
                        self.push(
                            &p,
                            true,
                            "required property made optional (old readers expect it)",
                        );
                    } else if !was_required && is_required {
                        self.push(
                            &p,
                            true,
                            "optional property made required (old data may lack it)",
                        );
                    }
                    match (old.nullable.contains(name), new.nullable.contains(name)) {
                        (false, true) => self.push(
                            &p,
                            true,
                            "property made nullable (new data may fail old readers)",
                        ),
                        (true, false) => {
                            self.push(&p, true, "property no longer nullable (old data may fail)")
                        }
                        _ => {}
                    }
                    self.field(o, n, &p);
                }
            }
        }
        for name in new
            .properties
            .keys()
            .filter(|k| !old.properties.contains_key(*k))
        {
            let p = pointer_push(&props, name);
            if new.required.contains(name) {
                self.push(&p, true, "new required property (old data lacks it)");
            } else {
                self.push(&p, false, "new optional property");
            }
        }
    }

    fn field(&mut self, old: &Field, new: &Field, at: &str) {
        match (old, new) {
            (Field::String(o), Field::String(n)) => {
                self.bound(at, "maxLength", true, &o.max_length, &n.max_length);
                self.bound(at, "minLength", false, &o.min_length, &n.min_length);
                self.bound(at, "maxGraphemes", true, &o.max_graphemes, &n.max_graphemes);
                self.bound(
                    at,
                    "minGraphemes",
                    false,
                    &o.min_graphemes,
                    &n.min_graphemes,
                );
                self.same(at, "format", &o.format, &n.format);
                self.same(at, "const", &o.const_, &n.const_);
                self.enum_change(at, &o.enum_, &n.enum_);
                let grown: Vec<&String> = n
                    .known_values
                    .iter()
                    .filter(|v| !o.known_values.contains(v))
                    .collect();
                if !grown.is_empty() {
                    self.push(
                        &pointer_push(at, "knownValues"),
                        false,
                        format!("knownValues grown: {grown:?}"),
                    );
                }
                if o.known_values.iter().any(|v| !n.known_values.contains(v)) {
                    self.push(
                        &pointer_push(at, "knownValues"),
                        false,
                        "knownValues entries removed (values stay valid)",
                    );
                }
            }
            (Field::Integer(o), Field::Integer(n)) => {
                self.bound(at, "maximum", true, &o.maximum, &n.maximum);
                self.bound(at, "minimum", false, &o.minimum, &n.minimum);
                self.same(at, "const", &o.const_, &n.const_);
                self.enum_change(at, &o.enum_, &n.enum_);
            }
            (Field::Boolean(o), Field::Boolean(n)) => self.same(at, "const", &o.const_, &n.const_),
            (Field::Bytes(o), Field::Bytes(n)) => {
                self.bound(at, "maxLength", true, &o.max_length, &n.max_length);
                self.bound(at, "minLength", false, &o.min_length, &n.min_length);
            }
            (Field::Blob(o), Field::Blob(n)) => {
                self.bound(at, "maxSize", true, &o.max_size, &n.max_size);
                self.same(at, "accept", &o.accept, &n.accept);
            }
            (Field::Array(o), Field::Array(n)) => {
                self.bound(at, "maxLength", true, &o.max_length, &n.max_length);
                self.bound(at, "minLength", false, &o.min_length, &n.min_length);
                self.field(&o.items, &n.items, &pointer_push(at, "items"));
            }
            (Field::Object(o), Field::Object(n)) => self.object(o, n, at),
            (Field::Ref(o), Field::Ref(n)) if o.target != n.target => {
                self.push(
                    &pointer_push(at, "ref"),
                    true,
                    format!("ref changed from {} to {}", o.target, n.target),
                );
            }
            (Field::Union(o), Field::Union(n)) => {
                if o.closed != n.closed {
                    self.push(
                        &pointer_push(at, "closed"),
                        true,
                        format!("union closed changed from {} to {}", o.closed, n.closed),
                    );
                }
                let removed: Vec<&String> = o.refs.iter().filter(|r| !n.refs.contains(r)).collect();
                let added: Vec<&String> = n.refs.iter().filter(|r| !o.refs.contains(r)).collect();
                if !removed.is_empty() {
                    self.push(
                        &pointer_push(at, "refs"),
                        true,
                        format!("union members removed: {removed:?}"),
                    );
                }
                if !added.is_empty() {
                    let closed = n.closed;
                    let message = if closed {
                        format!("members added to a closed union: {added:?}")
                    } else {
                        format!("members added to an open union: {added:?}")
                    };
                    self.push(&pointer_push(at, "refs"), closed, message);
                }
            }
            (o, n) if o.kind() == n.kind() => {}
            (o, n) => self.push(
                at,
                true,
                format!("type changed from {} to {}", o.kind(), n.kind()),
            ),
        }
    }

    fn enum_change<T: PartialEq + fmt::Debug>(
        &mut self,
        at: &str,
        old: &Option<Vec<T>>,
        new: &Option<Vec<T>>,
    ) {
        match (old, new) {
            (None, None) => {}
            (Some(o), Some(n)) => {
                if n.iter().any(|v| !o.contains(v)) {
                    self.push(
                        &pointer_push(at, "enum"),
                        true,
                        "enum grown (closed set: new values fail old readers)",
                    );
                }
                if o.iter().any(|v| !n.contains(v)) {
                    self.push(
                        &pointer_push(at, "enum"),
                        true,
                        "enum shrunk (old data may fail)",
                    );
                }
            }
            (None, Some(_)) => self.push(
                &pointer_push(at, "enum"),
                true,
                "enum added (old data may fail)",
            ),
            (Some(_), None) => self.push(
                &pointer_push(at, "enum"),
                true,
                "enum removed (new data may fail old readers)",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(note: &str) -> Vec<(String, String)> {
        vec![(
            "thing.json".to_owned(),
            format!(
                r#"{{"lexicon": 1, "id": "com.example.thing", "defs": {{"main": {{"type": "record", "key": "tid",
                  "record": {{"type": "object", "required": ["name"], "properties": {{"name": {{"type": "string"}}{note}}}}}}}}}}}"#
            ),
        )]
    }

    #[test]
    fn documents_in_memory_load_and_compare_like_folders() {
        let old = load_texts(&texts("")).unwrap();
        let added = load_texts(&texts(r#", "note": {"type": "string"}"#)).unwrap();
        let changes = compare(&old, &added);
        assert!(
            !changes.is_empty() && changes.iter().all(|c| !c.breaking),
            "{changes:?}"
        );
        let tighter = texts("")
            .into_iter()
            .map(|(n, t)| {
                (
                    n,
                    t.replace(
                        r#"{"type": "string"}"#,
                        r#"{"type": "string", "maxLength": 8}"#,
                    ),
                )
            })
            .collect::<Vec<_>>();
        let tightened = compare(&old, &load_texts(&tighter).unwrap());
        assert!(tightened.iter().any(|c| c.breaking), "{tightened:?}");
        // A document that does not load is reported under its name.
        let broken = load_texts(&[("broken.json".to_owned(), "{".to_owned())]).unwrap_err();
        assert!(broken.to_string().contains("broken.json"), "{broken}");
    }
}
