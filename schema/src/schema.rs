//! The Lexicon document model: every def kind and field of the language. It lives in
//! `lexicon-runtime` (`lexicon_runtime::lexicon`), whose reader the run-time validator uses
//! too; this crate adds files, source positions, the catalog and the document rules.

pub use lexicon_runtime::lexicon::{
    ArraySchema, BlobSchema, Body, BooleanSchema, BytesSchema, Def, Described, Document, ErrorDef,
    Field, IntegerSchema, Message, ObjectSchema, ParamsSchema, Permission, PermissionSetDef,
    ProcedureDef, QueryDef, RecordDef, RefSchema, StringSchema, SubscriptionDef, UnionSchema,
};
