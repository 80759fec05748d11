//! Document rules beyond the shape: refs resolve, constraints are coherent, defaults obey them.

use std::path::Path;

use lexicon_runtime::__private::check;
use lexicon_runtime::{FormatKind, ValidationErrors};

use crate::catalog::Catalog;
use crate::diag::{pointer_push, Diagnostic};
use crate::schema::*;

/// Checks every document of the catalog; problems go to `diags`.
pub fn check_catalog(catalog: &Catalog, diags: &mut Vec<Diagnostic>) {
    for loaded in catalog.docs() {
        let mut cx = Checker {
            catalog,
            file: &loaded.path,
            doc: &loaded.doc.id,
            diags,
        };
        for (name, def) in &loaded.doc.defs {
            cx.def(name, def, &pointer_push("/defs", name));
        }
    }
}

struct Checker<'a> {
    catalog: &'a Catalog,
    file: &'a Path,
    doc: &'a str,
    diags: &'a mut Vec<Diagnostic>,
}

impl Checker<'_> {
    fn error(&mut self, pointer: &str, rule: &'static str, message: impl Into<String>) {
        self.diags
            .push(Diagnostic::new(self.file, pointer, rule, message));
    }

    fn def(&mut self, name: &str, def: &Def, at: &str) {
        let primary = matches!(
            def,
            Def::Record(_)
                | Def::Query(_)
                | Def::Procedure(_)
                | Def::Subscription(_)
                | Def::PermissionSet(_)
        );
        if primary && name != "main" {
            let kind = def.kind();
            self.error(
                at,
                "primary-not-main",
                format!("a {kind} def must be named `main`, not {name:?}"),
            );
        }
        match def {
            Def::Record(r) => {
                self.record_key(r.key.as_deref(), at);
                self.object(&r.record, &pointer_push(at, "record"));
            }
            Def::Object(o) => self.object(o, at),
            Def::String(s) => self.string(s, at),
            Def::Integer(i) => self.integer(i, at),
            Def::Boolean(b) => self.boolean(b, at),
            Def::Bytes(b) => self.bytes(b, at),
            Def::Array(a) => self.array(a, at),
            Def::Query(q) => {
                self.params(q.parameters.as_ref(), at);
                self.body(q.output.as_ref(), &pointer_push(at, "output"));
            }
            Def::Procedure(p) => {
                self.params(p.parameters.as_ref(), at);
                self.body(p.input.as_ref(), &pointer_push(at, "input"));
                self.body(p.output.as_ref(), &pointer_push(at, "output"));
            }
            Def::Subscription(s) => {
                self.params(s.parameters.as_ref(), at);
                if let Some(m) = &s.message {
                    let schema_at = pointer_push(&pointer_push(at, "message"), "schema");
                    if !matches!(m.schema, Field::Union(_)) {
                        self.error(
                            &schema_at,
                            "schema",
                            "a subscription message schema must be a union",
                        );
                    }
                    self.field(&m.schema, &schema_at);
                }
            }
            Def::PermissionSet(p) => {
                for (i, perm) in p.permissions.iter().enumerate() {
                    if perm.kind != "permission" {
                        let ptr = pointer_push(
                            &pointer_push(&pointer_push(at, "permissions"), &i.to_string()),
                            "type",
                        );
                        self.error(
                            &ptr,
                            "schema",
                            format!("expected `\"type\": \"permission\"`, found {:?}", perm.kind),
                        );
                    }
                }
            }
            Def::Unknown(_) => self.error(
                &pointer_push(at, "type"),
                "unknown-def",
                "`unknown` may only describe a property, an array item or a parameter, not a named def",
            ),
            Def::Union(u) => {
                self.warning(
                    &pointer_push(at, "type"),
                    "named-union",
                    format!("a named `union` def is not allowed by the lexicon document schema; the reference schema builder (@atproto/lex) builds it, so it becomes a named union type that refs to `#{name}` use"),
                );
                self.union(u, at);
            }
            Def::Token(_) | Def::CidLink(_) | Def::Blob(_) => {}
        }
    }

    fn warning(&mut self, pointer: &str, rule: &'static str, message: impl Into<String>) {
        self.diags
            .push(Diagnostic::warning(self.file, pointer, rule, message));
    }

    fn record_key(&mut self, key: Option<&str>, at: &str) {
        let ok = match key {
            Some("tid" | "nsid" | "any") => true,
            Some(k) => k
                .strip_prefix("literal:")
                .is_some_and(lexicon_runtime::formats::is_valid_record_key),
            None => {
                // `@atproto/lexicon` takes `key` as optional, its code generator defaults it to
                // `any`, and `@atproto/lex` accepts any key; such lexicons and records are in use.
                self.warning(
                    &pointer_push(at, "key"),
                    "record-key-missing",
                    "a record def must have `key`; assumed \"any\" (any record key), as the reference tooling does",
                );
                return;
            }
        };
        if !ok {
            let found = key.map_or("nothing".to_owned(), |k| format!("{k:?}"));
            self.error(
                &pointer_push(at, "key"),
                "record-key",
                format!("expected `key` to be \"tid\", \"nsid\", \"any\" or \"literal:<record-key>\", found {found}"),
            );
        }
    }

    fn object(&mut self, o: &ObjectSchema, at: &str) {
        for (i, name) in o.required.iter().enumerate() {
            if !o.properties.contains_key(name) {
                let ptr = pointer_push(&pointer_push(at, "required"), &i.to_string());
                self.error(
                    &ptr,
                    "required-not-in-properties",
                    format!("required property {name:?} is not in `properties`"),
                );
            }
        }
        let props = pointer_push(at, "properties");
        for (name, f) in &o.properties {
            self.field(f, &pointer_push(&props, name));
        }
    }

    fn params(&mut self, p: Option<&ParamsSchema>, at: &str) {
        let Some(p) = p else { return };
        let at = pointer_push(at, "parameters");
        for (i, name) in p.required.iter().enumerate() {
            if !p.properties.contains_key(name) {
                let ptr = pointer_push(&pointer_push(&at, "required"), &i.to_string());
                self.error(
                    &ptr,
                    "required-not-in-properties",
                    format!("required parameter {name:?} is not in `properties`"),
                );
            }
        }
        let props = pointer_push(&at, "properties");
        for (name, f) in &p.properties {
            let ptr = pointer_push(&props, name);
            let scalar = |f: &Field| {
                matches!(
                    f,
                    Field::String(_) | Field::Integer(_) | Field::Boolean(_) | Field::Unknown(_)
                )
            };
            let ok = match f {
                Field::Array(a) => scalar(&a.items),
                other => scalar(other),
            };
            if !ok {
                self.error(
                    &ptr,
                    "params-type",
                    "a parameter must be a boolean, integer, string, unknown, or an array of those",
                );
            }
            self.field(f, &ptr);
        }
    }

    fn body(&mut self, b: Option<&Body>, at: &str) {
        if let Some(schema) = b.and_then(|b| b.schema.as_ref()) {
            let ptr = pointer_push(at, "schema");
            if !matches!(schema, Field::Object(_) | Field::Ref(_) | Field::Union(_)) {
                self.error(
                    &ptr,
                    "body-schema",
                    "a body schema must be an object, a ref or a union",
                );
            }
            self.field(schema, &ptr);
        }
    }

    fn field(&mut self, f: &Field, at: &str) {
        match f {
            Field::String(s) => self.string(s, at),
            Field::Integer(i) => self.integer(i, at),
            Field::Boolean(b) => self.boolean(b, at),
            Field::Bytes(b) => self.bytes(b, at),
            Field::Array(a) => self.array(a, at),
            Field::Object(o) => self.object(o, at),
            Field::Ref(r) => self.reference(&r.target, &pointer_push(at, "ref"), false),
            Field::Union(u) => self.union(u, at),
            Field::CidLink(_) | Field::Blob(_) | Field::Unknown(_) => {}
        }
    }

    fn union(&mut self, u: &UnionSchema, at: &str) {
        if u.closed && u.refs.is_empty() {
            self.error(
                at,
                "empty-closed-union",
                "a closed union needs at least one ref",
            );
        }
        let refs = pointer_push(at, "refs");
        for (i, r) in u.refs.iter().enumerate() {
            self.reference(r, &pointer_push(&refs, &i.to_string()), true);
        }
    }

    fn reference(&mut self, target: &str, at: &str, union_member: bool) {
        match self.catalog.resolve(self.doc, target) {
            Err(message) => self.error(at, "unresolved-ref", message),
            Ok(r) => {
                let def = self.catalog.def(&r).expect("resolved refs name defs");
                if union_member && !matches!(def, Def::Object(_) | Def::Record(_)) {
                    let kind = def.kind();
                    self.error(at, "union-member", format!("union member {target:?} is a {kind} def; members must be objects or records"));
                } else if !def.has_data_form() {
                    let kind = def.kind();
                    self.error(
                        at,
                        "ref-target",
                        format!("ref {target:?} names a {kind} def, which has no data form"),
                    );
                }
            }
        }
    }

    fn order<T: PartialOrd + std::fmt::Display>(
        &mut self,
        at: &str,
        what: &str,
        min: Option<T>,
        max: Option<T>,
    ) {
        if let (Some(min), Some(max)) = (min, max) {
            if min > max {
                self.error(
                    at,
                    "min-greater-than-max",
                    format!("{what}: minimum {min} is greater than maximum {max}"),
                );
            }
        }
    }

    fn string(&mut self, s: &StringSchema, at: &str) {
        if let Some(f) = &s.format {
            if FormatKind::from_name(f).is_none() {
                let all: Vec<&str> = FormatKind::ALL.iter().map(|f| f.name()).collect();
                self.error(
                    &pointer_push(at, "format"),
                    "unknown-format",
                    format!("unknown format {f:?}: expected one of {}", all.join(", ")),
                );
            }
        }
        self.order(at, "string length", s.min_length, s.max_length);
        self.order(at, "string graphemes", s.min_graphemes, s.max_graphemes);
        if let Some(d) = &s.default {
            self.string_value(
                s,
                d,
                &pointer_push(at, "default"),
                "default-breaks-constraints",
                true,
            );
        }
        if let Some(c) = &s.const_ {
            self.string_value(
                s,
                c,
                &pointer_push(at, "const"),
                "const-breaks-constraints",
                false,
            );
        }
        if let (Some(c), Some(values)) = (&s.const_, &s.enum_) {
            if !values.contains(c) {
                self.error(
                    &pointer_push(at, "const"),
                    "const-breaks-constraints",
                    format!("const {c:?} is not in `enum`"),
                );
            }
        }
        if let Some(values) = &s.enum_ {
            let unconstrained = StringSchema {
                enum_: None,
                const_: None,
                ..s.clone()
            };
            for (i, v) in values.iter().enumerate() {
                let ptr = pointer_push(&pointer_push(at, "enum"), &i.to_string());
                self.string_value(&unconstrained, v, &ptr, "enum-breaks-constraints", false);
            }
        }
    }

    /// Checks a value written in the schema (default, const, enum entry) against the schema.
    fn string_value(
        &mut self,
        s: &StringSchema,
        v: &str,
        at: &str,
        rule: &'static str,
        full: bool,
    ) {
        let mut errors = ValidationErrors::new();
        let path = lexicon_runtime::Path::ROOT;
        if let Some(max) = s.max_length {
            check::max_bytes(v, max, &path, &mut errors);
        }
        if let Some(min) = s.min_length {
            check::min_bytes(v, min, &path, &mut errors);
        }
        if let Some(max) = s.max_graphemes {
            check::max_graphemes(v, max, &path, &mut errors);
        }
        if let Some(min) = s.min_graphemes {
            check::min_graphemes(v, min, &path, &mut errors);
        }
        if let Some(f) = s.format.as_deref().and_then(FormatKind::from_name) {
            if !f.is_valid(v) {
                self.error(at, rule, format!("{v:?} is not a valid {f}"));
            }
        }
        if full {
            if let Some(values) = &s.enum_ {
                let refs: Vec<&str> = values.iter().map(String::as_str).collect();
                check::str_in(v, &refs, &path, &mut errors);
            }
            if let Some(c) = &s.const_ {
                check::str_const(v, c, &path, &mut errors);
            }
        }
        for e in errors {
            self.error(
                at,
                rule,
                format!("{v:?} breaks the schema: {}", e.violation),
            );
        }
    }

    fn integer(&mut self, i: &IntegerSchema, at: &str) {
        self.order(at, "integer", i.minimum, i.maximum);
        let mut values: Vec<(String, i64, &'static str)> = Vec::new();
        if let Some(d) = i.default {
            values.push((pointer_push(at, "default"), d, "default-breaks-constraints"));
        }
        if let Some(c) = i.const_ {
            values.push((pointer_push(at, "const"), c, "const-breaks-constraints"));
        }
        for (n, v) in i.enum_.iter().flatten().enumerate() {
            values.push((
                pointer_push(&pointer_push(at, "enum"), &n.to_string()),
                *v,
                "enum-breaks-constraints",
            ));
        }
        for (ptr, v, rule) in values {
            let mut errors = ValidationErrors::new();
            let path = lexicon_runtime::Path::ROOT;
            check::safe_integer(v, &path, &mut errors);
            if let Some(min) = i.minimum {
                check::int_min(v, min, &path, &mut errors);
            }
            if let Some(max) = i.maximum {
                check::int_max(v, max, &path, &mut errors);
            }
            if rule == "default-breaks-constraints" {
                if let Some(values) = &i.enum_ {
                    check::int_in(v, values, &path, &mut errors);
                }
                if let Some(c) = i.const_ {
                    check::int_const(v, c, &path, &mut errors);
                }
            }
            for e in errors {
                self.error(
                    &ptr,
                    rule,
                    format!("{v} breaks the schema: {}", e.violation),
                );
            }
        }
        if let (Some(c), Some(values)) = (i.const_, &i.enum_) {
            if !values.contains(&c) {
                self.error(
                    &pointer_push(at, "const"),
                    "const-breaks-constraints",
                    format!("const {c} is not in `enum`"),
                );
            }
        }
    }

    fn boolean(&mut self, b: &BooleanSchema, at: &str) {
        if let (Some(d), Some(c)) = (b.default, b.const_) {
            if d != c {
                self.error(
                    &pointer_push(at, "default"),
                    "default-breaks-constraints",
                    format!("default {d} differs from const {c}"),
                );
            }
        }
    }

    fn bytes(&mut self, b: &BytesSchema, at: &str) {
        self.order(at, "bytes length", b.min_length, b.max_length);
    }

    fn array(&mut self, a: &ArraySchema, at: &str) {
        self.order(at, "array length", a.min_length, a.max_length);
        if matches!(*a.items, Field::Array(_)) {
            self.error(
                &pointer_push(at, "items"),
                "nested-array",
                "array items may not be arrays",
            );
        }
        self.field(&a.items, &pointer_push(at, "items"));
    }
}
