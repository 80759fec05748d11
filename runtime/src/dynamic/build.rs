//! Lexicon documents (JSON) to the schemas the walker follows: every def by its `$type`, refs
//! resolved to indices, each schema reduced to the checks generated code makes for it.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::{Def, DefKind, IntChecks, Lexicons, Node, Object, Prop, SchemaError, StrChecks};
use crate::FormatKind;

/// Builds the schemas of `docs`; every problem is reported.
pub(super) fn build(docs: &[&Value]) -> Result<Lexicons, Vec<SchemaError>> {
    let mut errors = Vec::new();
    // First every def's `$type`, so that refs resolve whatever the order of documents.
    let mut ids = HashMap::new();
    let mut found = Vec::new();
    for (i, doc) in docs.iter().enumerate() {
        let Some(id) = doc.get("id").and_then(Value::as_str) else {
            errors.push(SchemaError::new(
                format!("document {i}"),
                "/id",
                "missing `id`",
            ));
            continue;
        };
        let Some(defs) = doc.get("defs").and_then(Value::as_object) else {
            errors.push(SchemaError::new(id, "/defs", "missing `defs`"));
            continue;
        };
        for (name, def) in defs {
            let type_id = type_id(id, name);
            if ids.insert(type_id.clone(), found.len()).is_some() {
                errors.push(SchemaError::new(id, pointer(name), "defined twice"));
            }
            found.push((id, pointer(name), type_id, def, false));
            // A method's JSON bodies, as `nsid#(input)`, `nsid#(output)`, `nsid#(message)`.
            for body in ["input", "output", "message"] {
                if let Some(schema) = def.get(body).and_then(|b| b.get("schema")) {
                    let body_id = format!("{id}#({body})");
                    ids.insert(body_id.clone(), found.len());
                    let at = format!("{}/{body}/schema", pointer(name));
                    found.push((id, at, body_id, schema, true));
                }
            }
        }
    }
    let mut b = Builder {
        ids: &ids,
        errors: &mut errors,
    };
    let defs: Vec<Def> = found
        .iter()
        .map(|(nsid, at, type_id, def, body)| Def {
            type_id: type_id.clone(),
            // A body's object is inline: its `$type` is an ordinary property.
            kind: match body {
                true => DefKind::Data(b.node(nsid, at, def)),
                false => b.def(nsid, at, def),
            },
        })
        .collect();
    let lexicons = Lexicons { defs, ids };
    lexicons.check_refs(&mut errors);
    if errors.is_empty() {
        Ok(lexicons)
    } else {
        Err(errors)
    }
}

/// The `$type` of def `name` of document `nsid`: the NSID alone for `main`.
fn type_id(nsid: &str, name: &str) -> String {
    if name == "main" {
        nsid.to_owned()
    } else {
        format!("{nsid}#{name}")
    }
}

fn pointer(name: &str) -> String {
    format!("/defs/{}", name.replace('~', "~0").replace('/', "~1"))
}

struct Builder<'a> {
    ids: &'a HashMap<String, usize>,
    errors: &'a mut Vec<SchemaError>,
}

impl Builder<'_> {
    fn error(&mut self, nsid: &str, at: &str, message: impl Into<String>) {
        self.errors.push(SchemaError::new(nsid, at, message));
    }

    fn def(&mut self, nsid: &str, at: &str, def: &Value) -> DefKind {
        match def.get("type").and_then(Value::as_str) {
            Some("record") => {
                let key = def.get("key").and_then(Value::as_str).unwrap_or("any");
                match def.get("record") {
                    Some(record) => DefKind::Record {
                        key: key.to_owned(),
                        object: self.object(nsid, &format!("{at}/record"), record),
                    },
                    None => {
                        self.error(nsid, at, "a record def needs `record`");
                        DefKind::NoData
                    }
                }
            }
            Some("object") => DefKind::Object(self.object(nsid, at, def)),
            Some("token" | "query" | "procedure" | "subscription" | "permission-set") => {
                DefKind::NoData
            }
            _ => DefKind::Data(self.node(nsid, at, def)),
        }
    }

    fn object(&mut self, nsid: &str, at: &str, schema: &Value) -> Object {
        let empty = Map::new();
        let properties = match schema.get("properties") {
            None => &empty,
            Some(Value::Object(p)) => p,
            Some(_) => {
                self.error(nsid, at, "`properties` must be an object");
                &empty
            }
        };
        let listed = |key: &str| -> Vec<&str> {
            schema
                .get(key)
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default()
        };
        let (required, nullable) = (listed("required"), listed("nullable"));
        let props = properties
            .iter()
            .map(|(name, field)| Prop {
                node: self.node(nsid, &format!("{at}/properties/{name}"), field),
                required: required.contains(&name.as_str()),
                nullable: nullable.contains(&name.as_str()),
                name: name.clone(),
            })
            .collect();
        Object { props }
    }

    fn node(&mut self, nsid: &str, at: &str, schema: &Value) -> Node {
        let kind = schema.get("type").and_then(Value::as_str).unwrap_or("");
        match kind {
            "string" => Node::String(Box::new(self.string(nsid, at, schema))),
            "integer" => {
                let int = |k| schema.get(k).and_then(Value::as_i64);
                let checks = match (int("const"), schema.get("enum")) {
                    (Some(c), _) => IntChecks::Const(c),
                    (None, Some(values)) => {
                        IntChecks::In(self.list(nsid, at, values, Value::as_i64))
                    }
                    (None, None) => IntChecks::Range(int("minimum"), int("maximum")),
                };
                Node::Integer(checks)
            }
            "boolean" => Node::Boolean(schema.get("const").and_then(Value::as_bool)),
            "bytes" => Node::Bytes(self.len(schema, "minLength"), self.len(schema, "maxLength")),
            "cid-link" => Node::CidLink,
            "blob" => Node::Blob {
                accept: schema
                    .get("accept")
                    .map(|a| self.list(nsid, at, a, |v| v.as_str().map(str::to_owned))),
                max_size: self.len(schema, "maxSize"),
            },
            "unknown" => Node::Unknown,
            "array" => match schema.get("items") {
                Some(items) => Node::Array {
                    items: Box::new(self.node(nsid, &format!("{at}/items"), items)),
                    min: self.len(schema, "minLength"),
                    max: self.len(schema, "maxLength"),
                },
                None => {
                    self.error(nsid, at, "an array needs `items`");
                    Node::Unknown
                }
            },
            "object" => Node::Object(Box::new(self.object(nsid, at, schema))),
            "ref" => match schema.get("ref").and_then(Value::as_str) {
                Some(r) => match self.resolve(nsid, r) {
                    Some(i) => Node::Ref(i),
                    None => {
                        self.error(
                            nsid,
                            &format!("{at}/ref"),
                            format!("{r:?} does not resolve"),
                        );
                        Node::Unknown
                    }
                },
                None => {
                    self.error(nsid, at, "a ref needs `ref`");
                    Node::Unknown
                }
            },
            "union" => {
                let refs = schema.get("refs").and_then(Value::as_array);
                let mut members: Vec<usize> = Vec::new();
                for (i, r) in refs.into_iter().flatten().enumerate() {
                    match r.as_str().and_then(|r| self.resolve(nsid, r)) {
                        Some(m) if !members.contains(&m) => members.push(m),
                        Some(_) => {}
                        None => self.error(nsid, &format!("{at}/refs/{i}"), "does not resolve"),
                    }
                }
                let closed = schema.get("closed").and_then(Value::as_bool) == Some(true);
                Node::Union { members, closed }
            }
            other => {
                self.error(nsid, at, format!("unknown type {other:?}"));
                Node::Unknown
            }
        }
    }

    fn string(&mut self, nsid: &str, at: &str, schema: &Value) -> StrChecks {
        let strings = |b: &mut Self, key| {
            schema
                .get(key)
                .map(|v| b.list(nsid, at, v, |s| s.as_str().map(str::to_owned)))
        };
        let known = strings(self, "knownValues").unwrap_or_default();
        let closed = strings(self, "enum");
        StrChecks {
            // As generated code: a string with known or allowed values is a type of its own,
            // which checks neither `const` nor the format before the lengths.
            is_enum: closed.is_some() || !known.is_empty(),
            closed,
            format: schema
                .get("format")
                .and_then(Value::as_str)
                .and_then(FormatKind::from_name),
            min_bytes: self.len(schema, "minLength"),
            max_bytes: self.len(schema, "maxLength"),
            min_graphemes: self.len(schema, "minGraphemes"),
            max_graphemes: self.len(schema, "maxGraphemes"),
            konst: schema
                .get("const")
                .and_then(Value::as_str)
                .map(str::to_owned),
        }
    }

    fn len(&self, schema: &Value, key: &str) -> Option<u64> {
        schema.get(key).and_then(Value::as_u64)
    }

    fn list<T>(
        &mut self,
        nsid: &str,
        at: &str,
        v: &Value,
        item: impl Fn(&Value) -> Option<T>,
    ) -> Vec<T> {
        match v
            .as_array()
            .map(|a| a.iter().map(&item).collect::<Option<Vec<T>>>())
        {
            Some(Some(items)) => items,
            _ => {
                self.error(nsid, at, "a list of values of the wrong kind");
                Vec::new()
            }
        }
    }

    /// The def a `ref` names, from document `nsid`: `#name`, `nsid#name`, `nsid`.
    fn resolve(&self, nsid: &str, r: &str) -> Option<usize> {
        let (doc, name) = match r.split_once('#') {
            Some(("", name)) => (nsid, name),
            Some((doc, name)) => (doc, name),
            None => (r, "main"),
        };
        self.ids.get(&type_id(doc, name)).copied()
    }
}
