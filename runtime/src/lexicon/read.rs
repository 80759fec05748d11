//! Lexicon JSON to the document model, collecting every problem with its JSON pointer.

use indexmap::IndexMap;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use super::*;

/// One problem of a lexicon document: where (a JSON pointer), under which rule, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// JSON pointer into the document; empty for the whole document.
    pub pointer: String,
    /// Short name of the rule broken, such as `unknown-type`.
    pub rule: &'static str,
    /// What was expected and what was found.
    pub message: String,
}

/// Where reading reports.
type Ctx = Vec<Problem>;

fn error(cx: &mut Ctx, pointer: &str, rule: &'static str, message: impl Into<String>) {
    cx.push(Problem {
        pointer: pointer.to_owned(),
        rule,
        message: message.into(),
    });
}

/// Reads a whole lexicon document: `lexicon: 1`, an NSID `id`, `defs`, every def. Every
/// problem is reported; a document with any is not returned.
pub fn read_document(value: &Value) -> Result<Document, Vec<Problem>> {
    let mut cx = Vec::new();
    let Value::Object(top) = value else {
        error(
            &mut cx,
            "",
            "document",
            "expected a JSON object at the top level",
        );
        return Err(cx);
    };
    match top.get("lexicon") {
        Some(Value::Number(n)) if n.as_u64() == Some(1) => {}
        Some(other) => error(
            &mut cx,
            "/lexicon",
            "lexicon-version",
            format!("expected `\"lexicon\": 1`, found {other}"),
        ),
        None => error(
            &mut cx,
            "",
            "lexicon-version",
            "missing `lexicon` (expected 1)",
        ),
    }
    let id = match top.get("id") {
        Some(Value::String(id)) if crate::formats::is_valid_nsid(id) => Some(id.clone()),
        Some(Value::String(id)) => {
            error(
                &mut cx,
                "/id",
                "id",
                format!("`id` {id:?} is not a valid NSID"),
            );
            None
        }
        Some(other) => {
            error(
                &mut cx,
                "/id",
                "id",
                format!("expected `id` to be an NSID string, found {other}"),
            );
            None
        }
        None => {
            error(&mut cx, "", "id", "missing `id` (the document's NSID)");
            None
        }
    };
    let description = match top.get("description") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            error(
                &mut cx,
                "/description",
                "document",
                "expected `description` to be a string",
            );
            None
        }
    };
    if top.get("revision").is_some_and(|rev| !rev.is_number()) {
        error(
            &mut cx,
            "/revision",
            "document",
            "expected `revision` to be a number",
        );
    }
    let mut defs = IndexMap::new();
    match top.get("defs") {
        Some(Value::Object(raw)) => {
            for (name, def) in raw {
                if let Some(def) = def_in(def, &pointer_push("/defs", name), &mut cx) {
                    defs.insert(name.clone(), def);
                }
            }
        }
        Some(_) => error(&mut cx, "/defs", "defs", "expected `defs` to be an object"),
        None => error(&mut cx, "", "defs", "missing `defs`"),
    }
    match id {
        Some(id) if cx.is_empty() => Ok(Document {
            id,
            description,
            defs,
        }),
        _ => Err(cx),
    }
}

const DEF_TYPES: &str = "record, object, token, query, procedure, subscription, permission-set, \
                         string, integer, boolean, bytes, cid-link, blob, array, unknown";
const FIELD_TYPES: &str =
    "string, integer, boolean, bytes, cid-link, blob, array, object, ref, union, unknown";

/// Deserializes a schema without nested tagged schemas, with the pointer of the first error.
fn leaf<T: DeserializeOwned>(v: &Value, pointer: &str, cx: &mut Ctx) -> Option<T> {
    match serde_path_to_error::deserialize::<_, T>(v) {
        Ok(t) => Some(t),
        Err(e) => {
            let mut at = pointer.to_owned();
            for segment in e.path().iter() {
                match segment {
                    serde_path_to_error::Segment::Seq { index } => {
                        at = pointer_push(&at, &index.to_string())
                    }
                    serde_path_to_error::Segment::Map { key } => at = pointer_push(&at, key),
                    serde_path_to_error::Segment::Enum { variant } => {
                        at = pointer_push(&at, variant)
                    }
                    serde_path_to_error::Segment::Unknown => {}
                }
            }
            let message = e
                .into_inner()
                .to_string()
                .replace("expected u64", "expected a whole number of at least 0")
                .replace("expected i64", "expected a whole number");
            error(cx, &at, "schema", message);
            None
        }
    }
}

/// The `type` of a schema object.
fn type_of<'v>(v: &'v Value, pointer: &str, cx: &mut Ctx) -> Option<&'v str> {
    let Value::Object(map) = v else {
        error(
            cx,
            pointer,
            "schema",
            format!("expected a schema object, found {}", kind_of(v)),
        );
        return None;
    };
    match map.get("type") {
        Some(Value::String(t)) => Some(t),
        Some(other) => {
            error(
                cx,
                &pointer_push(pointer, "type"),
                "schema",
                format!("expected `type` to be a string, found {other}"),
            );
            None
        }
        None => {
            error(cx, pointer, "schema", "missing `type`");
            None
        }
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Converts a named def.
fn def_in(v: &Value, pointer: &str, cx: &mut Ctx) -> Option<Def> {
    let t = type_of(v, pointer, cx)?;
    Some(match t {
        "record" => Def::Record(Box::new(record(v, pointer, cx)?)),
        "object" => Def::Object(object(v, pointer, cx)?),
        "token" => Def::Token(leaf(v, pointer, cx)?),
        "query" => Def::Query(Box::new(query(v, pointer, cx)?)),
        "procedure" => Def::Procedure(Box::new(procedure(v, pointer, cx)?)),
        "subscription" => Def::Subscription(Box::new(subscription(v, pointer, cx)?)),
        "permission-set" => Def::PermissionSet(leaf(v, pointer, cx)?),
        "string" => Def::String(leaf(v, pointer, cx)?),
        "integer" => Def::Integer(leaf(v, pointer, cx)?),
        "boolean" => Def::Boolean(leaf(v, pointer, cx)?),
        "bytes" => Def::Bytes(leaf(v, pointer, cx)?),
        "cid-link" => Def::CidLink(leaf(v, pointer, cx)?),
        "blob" => Def::Blob(leaf(v, pointer, cx)?),
        "array" => Def::Array(array(v, pointer, cx)?),
        "unknown" => Def::Unknown(leaf(v, pointer, cx)?),
        "union" => Def::Union(leaf(v, pointer, cx)?),
        other => {
            let hint = if matches!(other, "ref" | "params") {
                format!(
                    " (`{other}` may appear inside objects, arrays and bodies, not as a named def)"
                )
            } else {
                String::new()
            };
            error(
                cx,
                &pointer_push(pointer, "type"),
                "unknown-type",
                format!("unknown def type {other:?}{hint}: expected one of {DEF_TYPES}"),
            );
            return None;
        }
    })
}

/// Converts a property, array item or body schema.
fn field(v: &Value, pointer: &str, cx: &mut Ctx) -> Option<Field> {
    let t = type_of(v, pointer, cx)?;
    Some(match t {
        "string" => Field::String(leaf(v, pointer, cx)?),
        "integer" => Field::Integer(leaf(v, pointer, cx)?),
        "boolean" => Field::Boolean(leaf(v, pointer, cx)?),
        "bytes" => Field::Bytes(leaf(v, pointer, cx)?),
        "cid-link" => Field::CidLink(leaf(v, pointer, cx)?),
        "blob" => Field::Blob(leaf(v, pointer, cx)?),
        "array" => Field::Array(array(v, pointer, cx)?),
        "object" => Field::Object(object(v, pointer, cx)?),
        "ref" => Field::Ref(leaf(v, pointer, cx)?),
        "union" => Field::Union(leaf(v, pointer, cx)?),
        "unknown" => Field::Unknown(leaf(v, pointer, cx)?),
        other => {
            error(
                cx,
                &pointer_push(pointer, "type"),
                "unknown-type",
                format!("unknown type {other:?} here: expected one of {FIELD_TYPES}"),
            );
            return None;
        }
    })
}

/// The parts of an object schema that hold no nested schemas.
#[derive(Deserialize)]
struct ObjectHead {
    description: Option<String>,
    #[serde(default)]
    required: Vec<String>,
    #[serde(default)]
    nullable: Vec<String>,
}

/// Converts the `properties` map of an object or params schema.
fn properties(v: &Value, pointer: &str, cx: &mut Ctx) -> Option<IndexMap<String, Field>> {
    let mut out = IndexMap::new();
    let mut ok = true;
    match v.get("properties") {
        None => {}
        Some(Value::Object(props)) => {
            let base = pointer_push(pointer, "properties");
            for (name, p) in props {
                match field(p, &pointer_push(&base, name), cx) {
                    Some(f) => {
                        out.insert(name.clone(), f);
                    }
                    None => ok = false,
                }
            }
        }
        Some(other) => {
            error(
                cx,
                &pointer_push(pointer, "properties"),
                "schema",
                format!(
                    "expected `properties` to be an object, found {}",
                    kind_of(other)
                ),
            );
            ok = false;
        }
    }
    ok.then_some(out)
}

fn object(v: &Value, pointer: &str, cx: &mut Ctx) -> Option<ObjectSchema> {
    let head: Option<ObjectHead> = leaf(v, pointer, cx);
    let properties = properties(v, pointer, cx);
    let head = head?;
    Some(ObjectSchema {
        description: head.description,
        properties: properties?,
        required: head.required,
        nullable: head.nullable,
    })
}

#[derive(Deserialize)]
struct ArrayHead {
    description: Option<String>,
    #[serde(rename = "maxLength")]
    max_length: Option<u64>,
    #[serde(rename = "minLength")]
    min_length: Option<u64>,
}

fn array(v: &Value, pointer: &str, cx: &mut Ctx) -> Option<ArraySchema> {
    let head: Option<ArrayHead> = leaf(v, pointer, cx);
    let items = match v.get("items") {
        Some(items) => field(items, &pointer_push(pointer, "items"), cx),
        None => {
            error(cx, pointer, "schema", "missing `items`");
            None
        }
    };
    let head = head?;
    Some(ArraySchema {
        description: head.description,
        items: Box::new(items?),
        max_length: head.max_length,
        min_length: head.min_length,
    })
}

#[derive(Deserialize)]
struct RecordHead {
    description: Option<String>,
    key: Option<String>,
}

fn record(v: &Value, pointer: &str, cx: &mut Ctx) -> Option<RecordDef> {
    let head: Option<RecordHead> = leaf(v, pointer, cx);
    let at = pointer_push(pointer, "record");
    let body = match v.get("record") {
        Some(r) => match type_of(r, &at, cx) {
            Some("object") => object(r, &at, cx),
            Some(other) => {
                error(
                    cx,
                    &pointer_push(&at, "type"),
                    "schema",
                    format!("expected the record schema to be an object, found type {other:?}"),
                );
                None
            }
            None => None,
        },
        None => {
            error(
                cx,
                pointer,
                "schema",
                "missing `record` (the record's object schema)",
            );
            None
        }
    };
    let head = head?;
    Some(RecordDef {
        description: head.description,
        key: head.key,
        record: body?,
    })
}

fn params(v: Option<&Value>, pointer: &str, cx: &mut Ctx) -> Option<Option<ParamsSchema>> {
    let Some(v) = v else { return Some(None) };
    let at = pointer_push(pointer, "parameters");
    match type_of(v, &at, cx)? {
        "params" => {}
        other => {
            error(
                cx,
                &pointer_push(&at, "type"),
                "schema",
                format!("expected `params`, found type {other:?}"),
            );
            return None;
        }
    }
    let head: Option<ObjectHead> = leaf(v, &at, cx);
    let properties = properties(v, &at, cx);
    let head = head?;
    Some(Some(ParamsSchema {
        description: head.description,
        properties: properties?,
        required: head.required,
    }))
}

#[derive(Deserialize)]
struct BodyHead {
    description: Option<String>,
    encoding: String,
}

fn body(v: Option<&Value>, pointer: &str, cx: &mut Ctx) -> Option<Option<Body>> {
    let Some(v) = v else { return Some(None) };
    let head: Option<BodyHead> = leaf(v, pointer, cx);
    let schema = match v.get("schema") {
        Some(s) => Some(field(s, &pointer_push(pointer, "schema"), cx)?),
        None => None,
    };
    let head = head?;
    Some(Some(Body {
        description: head.description,
        encoding: head.encoding,
        schema,
    }))
}

#[derive(Deserialize)]
struct XrpcHead {
    description: Option<String>,
    #[serde(default)]
    errors: Vec<ErrorDef>,
}

fn query(v: &Value, pointer: &str, cx: &mut Ctx) -> Option<QueryDef> {
    let head: Option<XrpcHead> = leaf(v, pointer, cx);
    let parameters = params(v.get("parameters"), pointer, cx);
    let output = body(v.get("output"), &pointer_push(pointer, "output"), cx);
    let head = head?;
    Some(QueryDef {
        description: head.description,
        parameters: parameters?,
        output: output?,
        errors: head.errors,
    })
}

fn procedure(v: &Value, pointer: &str, cx: &mut Ctx) -> Option<ProcedureDef> {
    let head: Option<XrpcHead> = leaf(v, pointer, cx);
    let parameters = params(v.get("parameters"), pointer, cx);
    let input = body(v.get("input"), &pointer_push(pointer, "input"), cx);
    let output = body(v.get("output"), &pointer_push(pointer, "output"), cx);
    let head = head?;
    Some(ProcedureDef {
        description: head.description,
        parameters: parameters?,
        input: input?,
        output: output?,
        errors: head.errors,
    })
}

fn subscription(v: &Value, pointer: &str, cx: &mut Ctx) -> Option<SubscriptionDef> {
    let head: Option<XrpcHead> = leaf(v, pointer, cx);
    let parameters = params(v.get("parameters"), pointer, cx);
    let at = pointer_push(pointer, "message");
    let message = match v.get("message") {
        None => Some(None),
        Some(m) => match m.get("schema") {
            Some(s) => {
                field(s, &pointer_push(&at, "schema"), cx).map(|schema| Some(Message { schema }))
            }
            None => {
                error(cx, &at, "schema", "missing `schema` (the message union)");
                None
            }
        },
    };
    let head = head?;
    Some(SubscriptionDef {
        description: head.description,
        parameters: parameters?,
        message: message?,
        errors: head.errors,
    })
}
