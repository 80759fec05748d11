//! The Lexicon document model: every def kind and field of the language, and the one reader of
//! lexicon JSON into it ([`read_document`]).
//!
//! The generator (through `lexicon-schema`, which adds files, source positions, a catalog and
//! the document rules) and the run-time validator (the `dynamic` module) both read documents
//! here, so they cannot disagree about what a document says.
//!
//! Unknown keys are ignored everywhere (as the reference does), so `$schema` and tool flags load.

mod read;

pub use read::{read_document, Problem};

use indexmap::IndexMap;
use serde::Deserialize;

/// `pointer` with `key` appended as one JSON-pointer segment (`~` and `/` escaped).
pub fn pointer_push(pointer: &str, key: &str) -> String {
    format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"))
}

/// The `$type` of def `name` of document `nsid`: the NSID alone for `main`.
pub fn type_id(nsid: &str, name: &str) -> String {
    if name == "main" {
        nsid.to_owned()
    } else {
        format!("{nsid}#{name}")
    }
}

/// The document and def names that `reference` (`#name`, `nsid` or `nsid#name`) written in
/// document `from` stands for; whether they exist is the caller's question.
pub fn split_ref<'a>(from: &'a str, reference: &'a str) -> Result<(&'a str, &'a str), String> {
    let (nsid, name) = match reference.split_once('#') {
        Some((_, rest)) if rest.contains('#') => {
            return Err(format!("ref {reference:?} has more than one `#`"));
        }
        Some(("", name)) => (from, name),
        Some((nsid, name)) => (nsid, name),
        None => (reference, "main"),
    };
    if name.is_empty() {
        return Err(format!("ref {reference:?} names no def after `#`"));
    }
    Ok((nsid, name))
}
/// The top of a document, once its `lexicon`, `id` and `defs` have been checked.
#[derive(Debug, Clone)]
pub struct Document {
    /// The NSID of the document.
    pub id: String,
    /// The document's description.
    pub description: Option<String>,
    /// The definitions, in document order.
    pub defs: IndexMap<String, Def>,
}

/// A named definition.
#[derive(Debug, Clone)]
pub enum Def {
    /// A record type (only as `main`).
    Record(Box<RecordDef>),
    /// An object type.
    Object(ObjectSchema),
    /// A named constant used in `knownValues` and `enum`.
    Token(Described),
    /// An HTTP GET method (only as `main`).
    Query(Box<QueryDef>),
    /// An HTTP POST method (only as `main`).
    Procedure(Box<ProcedureDef>),
    /// An event stream (only as `main`).
    Subscription(Box<SubscriptionDef>),
    /// A set of OAuth permissions (only as `main`).
    PermissionSet(PermissionSetDef),
    /// A named string type.
    String(StringSchema),
    /// A named integer type.
    Integer(IntegerSchema),
    /// A named boolean type.
    Boolean(BooleanSchema),
    /// A named bytes type.
    Bytes(BytesSchema),
    /// A named cid-link type.
    CidLink(Described),
    /// A named blob type.
    Blob(BlobSchema),
    /// A named array type.
    Array(ArraySchema),
    /// A named unknown type.
    Unknown(Described),
    /// A named union type: not allowed by the lexicon document schema, but built by
    /// `@atproto/lexicon` and in use (loaded with a warning).
    Union(UnionSchema),
}

impl Def {
    /// The def's `type` as written.
    pub fn kind(&self) -> &'static str {
        match self {
            Def::Record(_) => "record",
            Def::Object(_) => "object",
            Def::Token(_) => "token",
            Def::Query(_) => "query",
            Def::Procedure(_) => "procedure",
            Def::Subscription(_) => "subscription",
            Def::PermissionSet(_) => "permission-set",
            Def::String(_) => "string",
            Def::Integer(_) => "integer",
            Def::Boolean(_) => "boolean",
            Def::Bytes(_) => "bytes",
            Def::CidLink(_) => "cid-link",
            Def::Blob(_) => "blob",
            Def::Array(_) => "array",
            Def::Unknown(_) => "unknown",
            Def::Union(_) => "union",
        }
    }

    /// Whether values of this def exist (a `ref` may name it; it becomes a Rust type): not
    /// tokens, methods or permission sets.
    pub fn has_data_form(&self) -> bool {
        !matches!(
            self,
            Def::Token(_)
                | Def::Query(_)
                | Def::Procedure(_)
                | Def::Subscription(_)
                | Def::PermissionSet(_)
        )
    }

    /// The def's description.
    pub fn description(&self) -> Option<&str> {
        match self {
            Def::Record(d) => d.description.as_deref(),
            Def::Object(d) => d.description.as_deref(),
            Def::Token(d) | Def::CidLink(d) | Def::Unknown(d) => d.description.as_deref(),
            Def::Query(d) => d.description.as_deref(),
            Def::Procedure(d) => d.description.as_deref(),
            Def::Subscription(d) => d.description.as_deref(),
            Def::PermissionSet(d) => d.description.as_deref(),
            Def::String(d) => d.description.as_deref(),
            Def::Integer(d) => d.description.as_deref(),
            Def::Boolean(d) => d.description.as_deref(),
            Def::Bytes(d) => d.description.as_deref(),
            Def::Blob(d) => d.description.as_deref(),
            Def::Array(d) => d.description.as_deref(),
            Def::Union(d) => d.description.as_deref(),
        }
    }
}

/// A schema with nothing but a description.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Described {
    /// Free text.
    pub description: Option<String>,
}

/// A `record` def.
#[derive(Debug, Clone)]
pub struct RecordDef {
    /// Free text.
    pub description: Option<String>,
    /// The record key type: `tid`, `nsid`, `any` or `literal:<value>`.
    pub key: Option<String>,
    /// The record's object schema.
    pub record: ObjectSchema,
}

/// An `object` schema.
#[derive(Debug, Clone, Default)]
pub struct ObjectSchema {
    /// Free text.
    pub description: Option<String>,
    /// Property schemas, in document order.
    pub properties: IndexMap<String, Field>,
    /// Names of required properties.
    pub required: Vec<String>,
    /// Names of properties that may be `null`.
    pub nullable: Vec<String>,
}

/// A schema that can stand as a property, an array item or a body.
#[derive(Debug, Clone)]
pub enum Field {
    /// A string.
    String(StringSchema),
    /// An integer.
    Integer(IntegerSchema),
    /// A boolean.
    Boolean(BooleanSchema),
    /// Bytes.
    Bytes(BytesSchema),
    /// A CID link.
    CidLink(Described),
    /// A blob.
    Blob(BlobSchema),
    /// An array.
    Array(ArraySchema),
    /// An inline object.
    Object(ObjectSchema),
    /// A reference to another def.
    Ref(RefSchema),
    /// A `$type`-tagged union of object defs.
    Union(UnionSchema),
    /// Any object.
    Unknown(Described),
}

impl Field {
    /// The field's `type` as written.
    pub fn kind(&self) -> &'static str {
        match self {
            Field::String(_) => "string",
            Field::Integer(_) => "integer",
            Field::Boolean(_) => "boolean",
            Field::Bytes(_) => "bytes",
            Field::CidLink(_) => "cid-link",
            Field::Blob(_) => "blob",
            Field::Array(_) => "array",
            Field::Object(_) => "object",
            Field::Ref(_) => "ref",
            Field::Union(_) => "union",
            Field::Unknown(_) => "unknown",
        }
    }

    /// The field's description.
    pub fn description(&self) -> Option<&str> {
        match self {
            Field::String(s) => s.description.as_deref(),
            Field::Integer(s) => s.description.as_deref(),
            Field::Boolean(s) => s.description.as_deref(),
            Field::Bytes(s) => s.description.as_deref(),
            Field::CidLink(s) | Field::Unknown(s) => s.description.as_deref(),
            Field::Blob(s) => s.description.as_deref(),
            Field::Array(s) => s.description.as_deref(),
            Field::Object(s) => s.description.as_deref(),
            Field::Ref(s) => s.description.as_deref(),
            Field::Union(s) => s.description.as_deref(),
        }
    }
}

/// A `string` schema.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StringSchema {
    /// Free text.
    pub description: Option<String>,
    /// One of the string formats.
    pub format: Option<String>,
    /// Maximum UTF-8 bytes.
    pub max_length: Option<u64>,
    /// Minimum UTF-8 bytes.
    pub min_length: Option<u64>,
    /// Maximum grapheme clusters.
    pub max_graphemes: Option<u64>,
    /// Minimum grapheme clusters.
    pub min_graphemes: Option<u64>,
    /// Suggested values (open set).
    #[serde(default)]
    pub known_values: Vec<String>,
    /// Allowed values (closed set).
    #[serde(rename = "enum")]
    pub enum_: Option<Vec<String>>,
    /// The only allowed value.
    #[serde(rename = "const")]
    pub const_: Option<String>,
    /// The value when absent.
    pub default: Option<String>,
}

/// An `integer` schema.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct IntegerSchema {
    /// Free text.
    pub description: Option<String>,
    /// Smallest allowed value.
    pub minimum: Option<i64>,
    /// Largest allowed value.
    pub maximum: Option<i64>,
    /// Allowed values.
    #[serde(rename = "enum")]
    pub enum_: Option<Vec<i64>>,
    /// The only allowed value.
    #[serde(rename = "const")]
    pub const_: Option<i64>,
    /// The value when absent.
    pub default: Option<i64>,
}

/// A `boolean` schema.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BooleanSchema {
    /// Free text.
    pub description: Option<String>,
    /// The only allowed value.
    #[serde(rename = "const")]
    pub const_: Option<bool>,
    /// The value when absent.
    pub default: Option<bool>,
}

/// A `bytes` schema.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BytesSchema {
    /// Free text.
    pub description: Option<String>,
    /// Maximum byte count.
    pub max_length: Option<u64>,
    /// Minimum byte count.
    pub min_length: Option<u64>,
}

/// A `blob` schema.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlobSchema {
    /// Free text.
    pub description: Option<String>,
    /// Accepted MIME types (`image/*`, `*/*` allowed).
    pub accept: Option<Vec<String>>,
    /// Maximum size in bytes.
    pub max_size: Option<u64>,
}

/// An `array` schema.
#[derive(Debug, Clone)]
pub struct ArraySchema {
    /// Free text.
    pub description: Option<String>,
    /// The item schema.
    pub items: Box<Field>,
    /// Maximum item count.
    pub max_length: Option<u64>,
    /// Minimum item count.
    pub min_length: Option<u64>,
}

/// A `ref` schema.
#[derive(Debug, Clone, Deserialize)]
pub struct RefSchema {
    /// Free text.
    pub description: Option<String>,
    /// `#name`, `nsid` or `nsid#name`.
    #[serde(rename = "ref")]
    pub target: String,
}

/// A `union` schema.
#[derive(Debug, Clone, Deserialize)]
pub struct UnionSchema {
    /// Free text.
    pub description: Option<String>,
    /// The member refs.
    pub refs: Vec<String>,
    /// Whether other `$type`s are refused.
    #[serde(default)]
    pub closed: bool,
}

/// `parameters` of a query, procedure or subscription.
#[derive(Debug, Clone, Default)]
pub struct ParamsSchema {
    /// Free text.
    pub description: Option<String>,
    /// Parameter schemas.
    pub properties: IndexMap<String, Field>,
    /// Names of required parameters.
    pub required: Vec<String>,
}

/// A request or response body.
#[derive(Debug, Clone)]
pub struct Body {
    /// Free text.
    pub description: Option<String>,
    /// The MIME type.
    pub encoding: String,
    /// The schema of a JSON body.
    pub schema: Option<Field>,
}

/// One entry of `errors`.
#[derive(Debug, Clone, Deserialize)]
pub struct ErrorDef {
    /// The error name.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
}

/// A `query` def.
#[derive(Debug, Clone)]
pub struct QueryDef {
    /// Free text.
    pub description: Option<String>,
    /// The parameters.
    pub parameters: Option<ParamsSchema>,
    /// The response.
    pub output: Option<Body>,
    /// Named errors.
    pub errors: Vec<ErrorDef>,
}

/// A `procedure` def.
#[derive(Debug, Clone)]
pub struct ProcedureDef {
    /// Free text.
    pub description: Option<String>,
    /// The parameters.
    pub parameters: Option<ParamsSchema>,
    /// The request body.
    pub input: Option<Body>,
    /// The response.
    pub output: Option<Body>,
    /// Named errors.
    pub errors: Vec<ErrorDef>,
}

/// The `message` of a subscription.
#[derive(Debug, Clone)]
pub struct Message {
    /// The message union.
    pub schema: Field,
}

/// A `subscription` def.
#[derive(Debug, Clone)]
pub struct SubscriptionDef {
    /// Free text.
    pub description: Option<String>,
    /// The parameters.
    pub parameters: Option<ParamsSchema>,
    /// The messages.
    pub message: Option<Message>,
    /// Named errors.
    pub errors: Vec<ErrorDef>,
}

/// A `permission-set` def.
#[derive(Debug, Clone, Deserialize)]
pub struct PermissionSetDef {
    /// Free text.
    pub description: Option<String>,
    /// Human-readable title.
    pub title: Option<String>,
    /// Longer text.
    pub detail: Option<String>,
    /// The permissions.
    pub permissions: Vec<Permission>,
}

/// One permission of a permission set.
#[derive(Debug, Clone, Deserialize)]
pub struct Permission {
    /// Must be `permission`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The resource kind: `repo`, `rpc`, ...
    pub resource: String,
    /// Resource-specific fields.
    #[serde(flatten)]
    pub fields: IndexMap<String, serde_json::Value>,
}
