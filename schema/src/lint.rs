//! Lint: what an author should fix before publishing a lexicon, beyond what the loader refuses.
//!
//! [`lint_dirs`] loads lexicon folders as generation does (every error and warning of the
//! loader and the checks stays) and adds the rules of goat's `lex lint` (bluesky-social/indigo
//! `lex/lexlint`) and of the Lexicon style guide, each a warning with its rule name, the file and
//! JSON pointer (line and column once located), and what to change.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use lexicon_runtime::lexicon::{
    pointer_push, type_id, Body, Def, Document, Field, ObjectSchema, ParamsSchema, StringSchema,
};

use crate::catalog::Catalog;
use crate::diag::{Diagnostic, Diagnostics};

/// Strings and bytes allowed to be longer than this should be blobs (goat's threshold).
const LARGE: u64 = 20 * 1024;

/// The rules of the loader whose findings mean the input could not be read at all.
pub const UNREADABLE: &[&str] = &["read", "json", "lexicon-folder"];

/// Every finding for the lexicons under `dirs`: the loader's and the checks' diagnostics, then
/// the lint rules' warnings on the documents that loaded, located and sorted.
pub fn lint_dirs(dirs: &[PathBuf]) -> Diagnostics {
    let mut loaded = crate::load::load_checked(dirs);
    lint_catalog(&loaded.catalog, &mut loaded.diags);
    loaded.located()
}

/// The lint rules' warnings for every document of `catalog`.
pub fn lint_catalog(catalog: &Catalog, diags: &mut Vec<Diagnostic>) {
    let used = referenced(catalog);
    for loaded in catalog.docs() {
        let mut linter = Linter {
            file: &loaded.path,
            diags,
        };
        linter.document(&loaded.doc, &used);
    }
}

/// Every def some document refers to (`nsid#name`, or the NSID for a main def).
fn referenced(catalog: &Catalog) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    for loaded in catalog.docs() {
        let doc = &loaded.doc;
        let mut refs = Vec::new();
        for def in doc.defs.values() {
            def_refs(def, &mut refs);
        }
        for r in refs {
            if let Ok(target) = catalog.resolve(&doc.id, &r) {
                used.insert(target.type_id());
            }
        }
    }
    used
}

/// The refs (as written) a def makes, anywhere inside it; `knownValues` entries count, since
/// tokens are named there.
fn def_refs(def: &Def, out: &mut Vec<String>) {
    fn params(p: &Option<ParamsSchema>) -> impl Iterator<Item = &Field> {
        p.iter().flat_map(|p| p.properties.values())
    }
    let mut fields: Vec<&Field> = Vec::new();
    match def {
        Def::Record(r) => fields.extend(r.record.properties.values()),
        Def::Object(o) => fields.extend(o.properties.values()),
        Def::Query(q) => {
            fields.extend(params(&q.parameters));
            fields.extend(q.output.iter().filter_map(|b| b.schema.as_ref()));
        }
        Def::Procedure(p) => {
            fields.extend(params(&p.parameters));
            fields.extend(p.input.iter().filter_map(|b| b.schema.as_ref()));
            fields.extend(p.output.iter().filter_map(|b| b.schema.as_ref()));
        }
        Def::Subscription(s) => {
            fields.extend(params(&s.parameters));
            fields.extend(s.message.iter().map(|m| &m.schema));
        }
        Def::Array(a) => fields.push(&a.items),
        Def::Union(u) => out.extend(u.refs.iter().cloned()),
        Def::String(s) => out.extend(s.known_values.iter().cloned()),
        _ => {}
    }
    while let Some(field) = fields.pop() {
        match field {
            Field::String(s) => out.extend(s.known_values.iter().cloned()),
            Field::Ref(r) => out.push(r.target.clone()),
            Field::Union(u) => out.extend(u.refs.iter().cloned()),
            Field::Array(a) => fields.push(&a.items),
            Field::Object(o) => fields.extend(o.properties.values()),
            _ => {}
        }
    }
}

/// Whether `name` is the syntax goat recommends for def and property names: a letter, then up
/// to 255 letters and digits, not `type` or `id`; and, as the style guide has it, lowerCamelCase
/// (starting with a lower-case letter). What is wrong and what to do when it is not.
fn name_problem(name: &str) -> Option<(&'static str, &'static str)> {
    let mut chars = name.chars();
    let first = chars.next()?;
    if name.len() > 256 {
        Some(("longer than 256 characters", "shorten it"))
    } else if name == "type" || name == "id" {
        Some((
            "a keyword many languages reserve",
            "rename it (`kind`, `uri`, a name of what it holds)",
        ))
    } else if !first.is_ascii_alphabetic() || !chars.all(|c| c.is_ascii_alphanumeric()) {
        Some((
            "not ASCII letters and digits starting with a letter",
            "write it in lowerCamelCase",
        ))
    } else if first.is_ascii_uppercase() {
        Some((
            "not lowerCamelCase (it starts with an upper-case letter)",
            "start it with a lower-case letter",
        ))
    } else {
        None
    }
}

struct Linter<'a> {
    file: &'a Path,
    diags: &'a mut Vec<Diagnostic>,
}

impl Linter<'_> {
    fn warn(&mut self, pointer: &str, rule: &'static str, message: impl Into<String>) {
        self.diags
            .push(Diagnostic::warning(self.file, pointer, rule, message));
    }

    fn document(&mut self, doc: &Document, used: &BTreeSet<String>) {
        self.nsid_style(&doc.id);
        let defs_doc = doc.id.rsplit('.').next() == Some("defs");
        for (name, def) in &doc.defs {
            let at = pointer_push("/defs", name);
            if name != "main" {
                if let Some((problem, hint)) = name_problem(name) {
                    self.warn(
                        &at,
                        "def-name-syntax",
                        format!("def name `{name}` is {problem}: {hint}"),
                    );
                }
            }
            if defs_doc && name == "main" {
                self.warn(
                    &at,
                    "defs-main-definition",
                    "a `defs` lexicon should not have a `main` def: move it to a lexicon of its own",
                );
            }
            // A def nothing refers to, in a lexicon that is not a shared `defs` one (whose
            // defs are for other lexicons, maybe not loaded here).
            if name != "main" && !defs_doc && !used.contains(&type_id(&doc.id, name)) {
                self.warn(
                    &at,
                    "unused-def",
                    format!("`{name}` is not referred to by any lexicon here: remove it, or refer to it"),
                );
            }
            self.def(def, &at);
        }
    }

    /// The style guide's NSID segments: the authority's in lower case, the name in
    /// lowerCamelCase, no hyphens.
    fn nsid_style(&mut self, nsid: &str) {
        let Some((authority, name)) = nsid.rsplit_once('.') else {
            return;
        };
        if authority.bytes().any(|b| b.is_ascii_uppercase()) {
            self.warn(
                "/id",
                "nsid-authority-case",
                format!("the authority `{authority}` of `{nsid}` has upper-case letters: domain names are written in lower case"),
            );
        }
        if nsid.contains('-') {
            self.warn(
                "/id",
                "nsid-hyphen",
                format!("`{nsid}` has a hyphen: NSID segments read best without them (and a name may not have one)"),
            );
        }
        if name.starts_with(|c: char| c.is_ascii_uppercase()) {
            self.warn(
                "/id",
                "nsid-name-case",
                format!("the name `{name}` of `{nsid}` starts with an upper-case letter: write it in lowerCamelCase"),
            );
        }
    }

    fn missing_description(&mut self, at: &str, description: &Option<String>) {
        if description.as_deref().is_none_or(str::is_empty) {
            self.warn(
                at,
                "missing-primary-description",
                "records, queries, procedures and subscriptions should have a `description`: add one",
            );
        }
    }

    fn def(&mut self, def: &Def, at: &str) {
        match def {
            Def::Record(r) => {
                self.missing_description(at, &r.description);
                if r.key.as_deref() == Some("any") {
                    self.warn(
                        &pointer_push(at, "key"),
                        "record-key-any",
                        "record key type `any` lets writers choose any key: use `tid`, `nsid` or `literal:<value>` if one fits",
                    );
                }
                self.object(&r.record, &pointer_push(at, "record"));
            }
            Def::Query(q) => {
                self.missing_description(at, &q.description);
                self.params(&q.parameters, at);
                self.output(&q.output, at);
            }
            Def::Procedure(p) => {
                self.missing_description(at, &p.description);
                self.params(&p.parameters, at);
                if let Some(input) = &p.input {
                    self.body(input, &pointer_push(at, "input"));
                }
                self.output(&p.output, at);
            }
            Def::Subscription(s) => {
                self.missing_description(at, &s.description);
                self.params(&s.parameters, at);
                match &s.message {
                    Some(m) => self.field(
                        &m.schema,
                        &pointer_push(&pointer_push(at, "message"), "schema"),
                    ),
                    None => self.warn(
                        at,
                        "subscription-no-messages",
                        "a subscription should define its `message` (a union of the message types)",
                    ),
                }
            }
            Def::PermissionSet(p) => {
                if p.title.as_deref().is_none_or(str::is_empty) {
                    self.warn(
                        at,
                        "permissionset-no-title",
                        "a permission set should have a `title`: add one",
                    );
                }
                if p.permissions.is_empty() {
                    self.warn(
                        at,
                        "permissionset-no-permissions",
                        "a permission set should grant at least one permission",
                    );
                }
            }
            Def::Token(t) => {
                if t.description.as_deref().is_none_or(str::is_empty) {
                    self.warn(
                        at,
                        "undescribed-token",
                        "a token's only content is its `description`: say what it stands for",
                    );
                }
            }
            Def::Object(o) => self.object(o, at),
            Def::String(s) => self.string(s, at),
            Def::Bytes(b) => self.bytes(b.max_length, at),
            Def::Array(a) => self.field(&a.items, &pointer_push(at, "items")),
            Def::Integer(_)
            | Def::Boolean(_)
            | Def::CidLink(_)
            | Def::Blob(_)
            | Def::Unknown(_)
            | Def::Union(_) => {}
        }
    }

    fn params(&mut self, params: &Option<ParamsSchema>, at: &str) {
        let Some(params) = params else {
            return;
        };
        let at = pointer_push(at, "parameters");
        for (name, field) in &params.properties {
            let field_at = pointer_push(&pointer_push(&at, "properties"), name);
            self.field_name(name, &field_at);
            self.field(field, &field_at);
        }
    }

    fn output(&mut self, output: &Option<Body>, at: &str) {
        match output {
            Some(body) => self.body(body, &pointer_push(at, "output")),
            None => self.warn(
                at,
                "endpoint-output-undefined",
                "an endpoint should define its `output`, even an empty one (`{\"encoding\": \"application/json\"}`)",
            ),
        }
    }

    fn body(&mut self, body: &Body, at: &str) {
        if body.encoding.is_empty() {
            self.warn(
                at,
                "unspecified-encoding",
                "the body has no `encoding`: name its MIME type (`application/json` for a schema)",
            );
        }
        if let Some(schema) = &body.schema {
            self.field(schema, &pointer_push(at, "schema"));
        }
    }

    fn field_name(&mut self, name: &str, at: &str) {
        if let Some((problem, hint)) = name_problem(name) {
            self.warn(
                at,
                "field-name-syntax",
                format!("property name `{name}` is {problem}: {hint}"),
            );
        }
    }

    fn object(&mut self, o: &ObjectSchema, at: &str) {
        for (name, field) in &o.properties {
            let field_at = pointer_push(&pointer_push(at, "properties"), name);
            self.field_name(name, &field_at);
            self.field(field, &field_at);
        }
        for name in &o.nullable {
            if !o.required.contains(name) {
                self.warn(
                    &pointer_push(&pointer_push(at, "properties"), name),
                    "nullable-and-optional",
                    format!("`{name}` is both nullable and optional: absent and null then mean the same; make it one or the other"),
                );
            }
        }
    }

    fn field(&mut self, field: &Field, at: &str) {
        match field {
            Field::String(s) => self.string(s, at),
            Field::Bytes(b) => self.bytes(b.max_length, at),
            Field::Array(a) => self.field(&a.items, &pointer_push(at, "items")),
            Field::Object(o) => self.object(o, at),
            Field::Integer(_)
            | Field::Boolean(_)
            | Field::CidLink(_)
            | Field::Blob(_)
            | Field::Ref(_)
            | Field::Union(_)
            | Field::Unknown(_) => {}
        }
    }

    fn string(&mut self, s: &StringSchema, at: &str) {
        // A closed set of values (`enum`, `const`) bounds the string already.
        let bounded = s.enum_.is_some() || s.const_.is_some();
        if s.max_length.is_some_and(|n| n > LARGE) {
            self.warn(
                at,
                "large-string",
                format!("`maxLength` over {LARGE} bytes: store text this large as a blob"),
            );
        }
        if s.format.is_none() && s.max_length.is_none() && s.max_graphemes.is_none() && !bounded {
            self.warn(
                at,
                "unlimited-string",
                "a string with no `format`, `maxLength` or `maxGraphemes`: set a limit",
            );
        }
        if s.max_graphemes.is_some() && s.max_length.is_none() {
            self.warn(
                at,
                "graphemes-without-length",
                "`maxGraphemes` without `maxLength`: free text needs a byte limit too (the style guide suggests about ten bytes a grapheme)",
            );
        }
        for value in &s.known_values {
            if value.starts_with('#') {
                self.warn(
                    at,
                    "known-string-local-ref",
                    format!("`knownValues` entry `{value}` looks like a local ref: write the token's full name (`nsid#name`)"),
                );
            }
        }
        if s.enum_.is_some() {
            self.warn(
                at,
                "closed-enum",
                "a closed `enum` refuses every value added later: use `knownValues` if the set may grow",
            );
        }
    }

    fn bytes(&mut self, max_length: Option<u64>, at: &str) {
        match max_length {
            None => self.warn(
                at,
                "unlimited-bytes",
                "bytes with no `maxLength`: set a limit",
            ),
            Some(n) if n > LARGE => self.warn(
                at,
                "large-bytes",
                format!("`maxLength` over {LARGE} bytes: store data this large as a blob"),
            ),
            Some(_) => {}
        }
    }
}
