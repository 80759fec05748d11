//! Lexicon documents (the [`crate::lexicon`] model) to the schemas the walker follows: every def
//! by its `$type`, refs resolved to indices, each schema reduced to the checks generated code
//! makes for it.

use std::collections::HashMap;

use super::{Def, DefKind, IntChecks, Lexicons, Node, Object, Prop, SchemaError, StrChecks};
use crate::lexicon::{
    self, ArraySchema, BlobSchema, Document, Field, IntegerSchema, ObjectSchema, StringSchema,
    UnionSchema,
};
use crate::FormatKind;

/// What a def of the documents becomes: a def with its own rules, or a method body (inline).
enum Found<'a> {
    Def(&'a lexicon::Def),
    Body(&'a Field),
}

/// Builds the schemas of `docs`; every problem is reported.
pub(super) fn build(docs: &[&Document]) -> Result<Lexicons, Vec<SchemaError>> {
    let mut errors = Vec::new();
    // First every def's `$type`, so that refs resolve whatever the order of documents.
    let mut ids = HashMap::new();
    let mut found: Vec<(&str, String, String, Found<'_>)> = Vec::new();
    for doc in docs {
        let id = doc.id.as_str();
        for (name, def) in &doc.defs {
            let type_id = lexicon::type_id(id, name);
            let at = lexicon::pointer_push("/defs", name);
            if ids.insert(type_id.clone(), found.len()).is_some() {
                errors.push(SchemaError::new(id, at.clone(), "defined twice"));
            }
            // A method's JSON bodies, as `nsid#(input)`, `nsid#(output)`, `nsid#(message)`.
            let bodies = bodies(def).into_iter().flatten();
            found.push((id, at.clone(), type_id, Found::Def(def)));
            for (body, schema) in bodies {
                let body_id = format!("{id}#({body})");
                ids.insert(body_id.clone(), found.len());
                let at = format!("{at}/{body}/schema");
                found.push((id, at, body_id, Found::Body(schema)));
            }
        }
    }
    let mut b = Builder {
        ids: &ids,
        errors: &mut errors,
    };
    let defs: Vec<Def> = found
        .iter()
        .map(|(nsid, at, type_id, found)| Def {
            type_id: type_id.clone(),
            kind: match found {
                // A body's object is inline: its `$type` is an ordinary property.
                Found::Body(schema) => DefKind::Data(b.node(nsid, at, schema)),
                Found::Def(def) => b.def(nsid, at, def),
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

/// The schema of a JSON body.
fn schema(body: &Option<lexicon::Body>) -> Option<&Field> {
    body.as_ref().and_then(|b| b.schema.as_ref())
}

/// A method's JSON bodies by the name of their place.
fn bodies(def: &lexicon::Def) -> [Option<(&'static str, &Field)>; 2] {
    match def {
        lexicon::Def::Query(q) => [schema(&q.output).map(|s| ("output", s)), None],
        lexicon::Def::Procedure(p) => [
            schema(&p.input).map(|s| ("input", s)),
            schema(&p.output).map(|s| ("output", s)),
        ],
        lexicon::Def::Subscription(s) => [s.message.as_ref().map(|m| ("message", &m.schema)), None],
        _ => [None, None],
    }
}

struct Builder<'a> {
    ids: &'a HashMap<String, usize>,
    errors: &'a mut Vec<SchemaError>,
}

impl Builder<'_> {
    fn def(&mut self, nsid: &str, at: &str, def: &lexicon::Def) -> DefKind {
        use lexicon::Def as D;
        let node = match def {
            D::Record(r) => {
                return DefKind::Record {
                    key: r.key.clone().unwrap_or_else(|| "any".to_owned()),
                    object: self.object(nsid, &format!("{at}/record"), &r.record),
                }
            }
            D::Object(o) => return DefKind::Object(self.object(nsid, at, o)),
            D::Token(_)
            | D::Query(_)
            | D::Procedure(_)
            | D::Subscription(_)
            | D::PermissionSet(_) => return DefKind::NoData,
            D::String(s) => Node::String(Box::new(string(s))),
            D::Integer(s) => integer(s),
            D::Boolean(s) => Node::Boolean(s.const_),
            D::Bytes(s) => Node::Bytes(s.min_length, s.max_length),
            D::CidLink(_) => Node::CidLink,
            D::Blob(s) => blob(s),
            D::Array(s) => self.array(nsid, at, s),
            D::Unknown(_) => Node::Unknown,
            D::Union(s) => self.union(nsid, at, s),
        };
        DefKind::Data(node)
    }

    fn object(&mut self, nsid: &str, at: &str, schema: &ObjectSchema) -> Object {
        let props = schema
            .properties
            .iter()
            .map(|(name, field)| Prop {
                node: self.node(
                    nsid,
                    &lexicon::pointer_push(&format!("{at}/properties"), name),
                    field,
                ),
                required: schema.required.contains(name),
                nullable: schema.nullable.contains(name),
                name: name.clone(),
            })
            .collect();
        Object { props }
    }

    fn node(&mut self, nsid: &str, at: &str, schema: &Field) -> Node {
        match schema {
            Field::String(s) => Node::String(Box::new(string(s))),
            Field::Integer(s) => integer(s),
            Field::Boolean(s) => Node::Boolean(s.const_),
            Field::Bytes(s) => Node::Bytes(s.min_length, s.max_length),
            Field::CidLink(_) => Node::CidLink,
            Field::Blob(s) => blob(s),
            Field::Unknown(_) => Node::Unknown,
            Field::Array(s) => self.array(nsid, at, s),
            Field::Object(o) => Node::Object(Box::new(self.object(nsid, at, o))),
            Field::Ref(r) => match self.resolve(nsid, &r.target) {
                Some(i) => Node::Ref(i),
                None => {
                    let message = format!("{:?} does not resolve", r.target);
                    self.error(nsid, &format!("{at}/ref"), message);
                    Node::Unknown
                }
            },
            Field::Union(u) => self.union(nsid, at, u),
        }
    }

    fn array(&mut self, nsid: &str, at: &str, schema: &ArraySchema) -> Node {
        Node::Array {
            items: Box::new(self.node(nsid, &format!("{at}/items"), &schema.items)),
            min: schema.min_length,
            max: schema.max_length,
        }
    }

    fn union(&mut self, nsid: &str, at: &str, schema: &UnionSchema) -> Node {
        let mut members: Vec<usize> = Vec::new();
        for (i, r) in schema.refs.iter().enumerate() {
            match self.resolve(nsid, r) {
                Some(m) if !members.contains(&m) => members.push(m),
                Some(_) => {}
                None => self.error(nsid, &format!("{at}/refs/{i}"), "does not resolve"),
            }
        }
        Node::Union {
            members,
            closed: schema.closed,
        }
    }

    fn error(&mut self, nsid: &str, at: &str, message: impl Into<String>) {
        self.errors.push(SchemaError::new(nsid, at, message));
    }

    /// The def a `ref` names, from document `nsid`: `#name`, `nsid#name`, `nsid`.
    fn resolve(&self, nsid: &str, r: &str) -> Option<usize> {
        let (doc, name) = lexicon::split_ref(nsid, r).ok()?;
        self.ids.get(&lexicon::type_id(doc, name)).copied()
    }
}

/// A string's checks, as generated code makes them.
fn string(schema: &StringSchema) -> StrChecks {
    StrChecks {
        // As generated code: a string with known or allowed values is a type of its own, which
        // checks neither `const` nor the format before the lengths.
        is_enum: schema.enum_.is_some() || !schema.known_values.is_empty(),
        closed: schema.enum_.clone(),
        format: schema.format.as_deref().and_then(FormatKind::from_name),
        min_bytes: schema.min_length,
        max_bytes: schema.max_length,
        min_graphemes: schema.min_graphemes,
        max_graphemes: schema.max_graphemes,
        konst: schema.const_.clone(),
    }
}

/// An integer's checks: `const` wins over `enum`, which wins over the range.
fn integer(schema: &IntegerSchema) -> Node {
    Node::Integer(match (schema.const_, &schema.enum_) {
        (Some(c), _) => IntChecks::Const(c),
        (None, Some(values)) => IntChecks::In(values.clone()),
        (None, None) => IntChecks::Range(schema.minimum, schema.maximum),
    })
}

fn blob(schema: &BlobSchema) -> Node {
    Node::Blob {
        accept: schema.accept.clone(),
        max_size: schema.max_size,
    }
}
