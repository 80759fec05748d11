//! The Rust-shaped intermediate representation: every name is decided here, before emission.

use std::collections::{BTreeMap, BTreeSet};

use lexicon_runtime::FormatKind;

/// Everything to emit for one run.
#[derive(Debug, Default)]
pub struct Ir {
    /// Modules by their Rust path (`["dev", "cocore", "compute", "job"]`), parents included.
    pub modules: BTreeMap<Vec<String>, Module>,
    /// Record types, for `KnownRecord` and `validate_record_key`, sorted by NSID.
    pub records: Vec<RecordEntry>,
    /// Defs with a data form, for `validate_json`, sorted by `$type`.
    pub defs: Vec<DefEntry>,
    /// Every lexicon document read, sorted by NSID, as JSON for the run-time walker that lists
    /// every violation of a value that does not parse.
    pub documents: Vec<DocumentJson>,
    /// Per namespace feature (`app-bsky`), the other namespace features it refers to.
    pub features: BTreeMap<String, BTreeSet<String>>,
    /// Modules of lexicons bound elsewhere (`extern_path`), not emitted: the Rust path that
    /// stands for each (`::lexicon_atproto::com::atproto::repo::strong_ref`).
    pub externs: BTreeMap<Vec<String>, String>,
}

/// One Rust module: a lexicon document, a namespace folder, or both.
#[derive(Debug, Default)]
pub struct Module {
    /// The NSID of the lexicon this module holds, if any.
    pub nsid: Option<String>,
    /// Module documentation (the document's description).
    pub doc: Option<String>,
    /// The items, in document order (nested types after their owners).
    pub items: Vec<Item>,
    /// Child module names.
    pub children: BTreeSet<String>,
    /// For a namespace module two levels down (`app::bsky`), the cargo feature that gates it.
    pub feature: Option<String>,
}

/// One lexicon document as compact JSON (descriptions left out), for the root `LEXICONS`.
#[derive(Debug, Clone)]
pub struct DocumentJson {
    /// The document's NSID.
    pub nsid: String,
    /// The module that holds it (unless it is bound elsewhere).
    pub module: Vec<String>,
    /// The namespace feature that gates the module.
    pub feature: String,
    /// The document, minified, without `description`s.
    pub json: String,
}

/// A path to a generated type: module path and type name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct TypePath {
    /// The module's Rust path.
    pub module: Vec<String>,
    /// The type's name.
    pub name: String,
}

/// A record type, for the root `KnownRecord` enum.
#[derive(Debug, Clone)]
pub struct RecordEntry {
    /// The collection NSID.
    pub nsid: String,
    /// The `KnownRecord` variant name.
    pub variant: String,
    /// The struct.
    pub path: TypePath,
    /// The namespace feature that gates it.
    pub feature: String,
}

/// A def with a data form, for the root `validate_json`.
#[derive(Debug, Clone)]
pub struct DefEntry {
    /// `nsid#name`, or `nsid` for main defs.
    pub type_id: String,
    /// The type that parses and validates it.
    pub path: TypePath,
    /// The namespace feature that gates it.
    pub feature: String,
}

/// A generated item.
#[derive(Debug, Clone)]
pub enum Item {
    /// An object or record.
    Struct(Struct),
    /// A string with `knownValues` (open) or `enum` (closed).
    StringEnum(StringEnum),
    /// A named primitive (`pub type X = ...`), whose checks are applied where it is used.
    Alias(Alias),
    /// A token: a string constant.
    Token(Token),
    /// A `$type`-tagged union.
    Union(Union),
    /// The constants and helpers of a query, procedure or subscription.
    Method(Method),
    /// A permission set as data.
    PermissionSet(PermissionSet),
}

/// A query, procedure or subscription (its types are separate items of the same module).
#[derive(Debug, Clone)]
pub struct Method {
    /// `query`, `procedure` or `subscription`.
    pub kind: &'static str,
    /// The method's NSID.
    pub nsid: String,
    /// The unit struct that implements `lexicon_runtime::xrpc::Method` (queries and
    /// procedures) or `lexicon_runtime::xrpc::Subscription`.
    pub marker: Option<String>,
    /// A subscription's message type (the lowered `message` schema).
    pub message: Option<Ty>,
    /// The `Params` struct and how each parameter reads from a query string.
    pub params: Option<(String, Vec<ParamSpec>)>,
    /// The request body: encoding and type name, if JSON with a schema.
    pub input: Option<(String, Option<String>)>,
    /// The response body: encoding and type name, if JSON with a schema.
    pub output: Option<(String, Option<String>)>,
    /// The error enum: its name and variants.
    pub errors: Option<(String, Vec<ErrorVariant>)>,
}

/// One named error of a method.
#[derive(Debug, Clone)]
pub struct ErrorVariant {
    /// The variant name.
    pub variant: String,
    /// The error name on the wire.
    pub name: String,
    /// Documentation.
    pub doc: Option<String>,
}

/// How one parameter reads from a query string.
#[derive(Debug, Clone)]
pub struct ParamSpec {
    /// The parameter name.
    pub name: String,
    /// `String`, `Integer` or `Boolean` (the runtime's `ParamKind`).
    pub kind: &'static str,
    /// Whether it is an array (repeated key).
    pub array: bool,
}

/// A permission set.
#[derive(Debug, Clone)]
pub struct PermissionSet {
    /// The set's NSID.
    pub nsid: String,
    /// Documentation.
    pub doc: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// Detail.
    pub detail: Option<String>,
    /// `(resource, [(field, JSON text)])` per permission.
    pub permissions: Vec<(String, Vec<(String, String)>)>,
}

/// A union of object (or record) types, tagged by `$type`.
#[derive(Debug, Clone)]
pub struct Union {
    /// The type name.
    pub name: String,
    /// The `$type` of the def, for a named `union` def (not for inline unions).
    pub type_id: Option<String>,
    /// Documentation.
    pub doc: Option<String>,
    /// The members.
    pub variants: Vec<UnionVariant>,
    /// For open unions: the name of the variant keeping other `$type`s as raw JSON.
    pub other: Option<String>,
}

/// One member of a union.
#[derive(Debug, Clone)]
pub struct UnionVariant {
    /// The variant name.
    pub name: String,
    /// The `$type` written for it (`nsid` for main defs, `nsid#name` otherwise).
    pub type_id: String,
    /// The member type.
    pub path: TypePath,
}

/// How a struct treats `$type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeTag {
    /// A record: `$type` required, equal to the NSID.
    Record {
        /// The NSID.
        nsid: String,
        /// The record key type.
        key: String,
    },
    /// A named object: `$type` optional; when present it must equal this.
    Object(String),
    /// An inline object: `$type` is an ordinary undeclared property.
    Inline,
}

/// An object or record struct.
#[derive(Debug, Clone)]
pub struct Struct {
    /// The type name.
    pub name: String,
    /// Documentation.
    pub doc: Option<String>,
    /// `$type` handling.
    pub tag: TypeTag,
    /// The declared properties, in schema order.
    pub fields: Vec<Field>,
    /// The name of the field holding undeclared properties.
    pub extra: String,
    /// The builder type's name (`JobBuilder`).
    pub builder: String,
    /// The name of the builder's finishing method (`build`, unless a property takes it).
    pub build_fn: String,
    /// For the inline object of a method body, its id in the runtime's lexicons
    /// (`nsid#(input)`, `nsid#(output)`), so that its values get every violation listed.
    pub body_id: Option<String>,
}

/// A default value from the schema.
#[derive(Debug, Clone, PartialEq)]
pub enum DefaultValue {
    /// A string.
    Str(String),
    /// An integer.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// A known variant of a string enum.
    Variant(TypePath, String),
    /// A value of an open string enum that is not a known variant.
    Other(TypePath, String),
}

/// One property of a struct.
#[derive(Debug, Clone)]
pub struct Field {
    /// The Rust field name.
    pub name: String,
    /// The JSON property name.
    pub json: String,
    /// Documentation.
    pub doc: Option<String>,
    /// The value's type and checks.
    pub ty: Ty,
    /// Whether the property must be present.
    pub required: bool,
    /// Whether the property may be `null`.
    pub nullable: bool,
    /// The value filled in when absent.
    pub default: Option<DefaultValue>,
    /// For an optional property, the builder's setter that takes an `Option`
    /// (`maybe_input_cipher_url`).
    pub maybe_setter: Option<String>,
}

/// A value type with the checks that apply to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Ty {
    /// The kind of value.
    pub kind: TyKind,
    /// The checks on it.
    pub checks: Vec<Check>,
}

/// The kinds of value.
#[derive(Debug, Clone, PartialEq)]
pub enum TyKind {
    /// A plain string.
    String,
    /// An integer.
    Integer,
    /// A boolean.
    Boolean,
    /// A formatted string.
    Format(FormatKind),
    /// A generated type.
    Named(TypePath),
    /// An array.
    Array(Box<Ty>),
    /// Any object.
    Unknown,
    /// `{"$bytes"}`.
    Bytes,
    /// `{"$link"}`.
    CidLink,
    /// A blob ref.
    Blob,
    /// A generated type that must be boxed (it is part of a cycle of types).
    Boxed(TypePath),
}

/// One constraint.
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    /// `maxLength` of a string (UTF-8 bytes).
    MaxBytes(u64),
    /// `minLength` of a string (UTF-8 bytes).
    MinBytes(u64),
    /// `maxGraphemes`.
    MaxGraphemes(u64),
    /// `minGraphemes`.
    MinGraphemes(u64),
    /// `const` of a string.
    StrConst(String),
    /// `minimum`.
    IntMin(i64),
    /// `maximum`.
    IntMax(i64),
    /// `enum` of an integer.
    IntIn(Vec<i64>),
    /// `const` of an integer.
    IntConst(i64),
    /// `const` of a boolean.
    BoolConst(bool),
    /// `maxLength` of an array.
    MaxItems(u64),
    /// `minLength` of an array.
    MinItems(u64),
    /// `maxLength` of bytes.
    MaxByteLen(u64),
    /// `minLength` of bytes.
    MinByteLen(u64),
    /// `accept` of a blob.
    BlobAccept(Vec<String>),
    /// `maxSize` of a blob.
    BlobMaxSize(u64),
}

/// A string type with known values.
#[derive(Debug, Clone)]
pub struct StringEnum {
    /// The type name.
    pub name: String,
    /// The `$type` of the def, for a string def (not for inline strings).
    pub type_id: Option<String>,
    /// Documentation.
    pub doc: Option<String>,
    /// `(variant name, string value)` pairs.
    pub variants: Vec<(String, String)>,
    /// For `knownValues`: the name of the variant keeping any other string.
    pub other: Option<String>,
    /// Checks on the string (length, graphemes, format).
    pub checks: Vec<Check>,
    /// The format of the string, if any.
    pub format: Option<FormatKind>,
}

/// A named primitive type.
#[derive(Debug, Clone)]
pub struct Alias {
    /// The alias name.
    pub name: String,
    /// Documentation.
    pub doc: Option<String>,
    /// The aliased type.
    pub ty: Ty,
}

/// A token constant.
#[derive(Debug, Clone)]
pub struct Token {
    /// The constant's name.
    pub name: String,
    /// Documentation.
    pub doc: Option<String>,
    /// The token's value, `nsid#name`.
    pub value: String,
}
