//! Emission: the IR becomes token streams, one per module, plus the root items.
//!
//! Every non-generic function that would instantiate serde for a type (`from_json`, `to_json`,
//! the root `validate_json` and `KnownRecord` dispatch, the `xrpc::Method` and `QueryParams`
//! impls) is `#[inline]`: such functions are compiled in the crate that calls them, for the
//! types it calls them on, like generic code, instead of once for every type in the bindings
//! crate. Without it a release build of the app.bsky + chat.bsky bindings spent about three
//! quarters of its time in LLVM on serde code for types nobody used (bench/compile-time.sh).

mod builders;
mod checks;
mod common;
mod enums;
mod methods;
mod root;
mod structs;
mod unions;

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::{Alias, Ir, Item, Module, Token};
pub(crate) use common::{cfg, ident, inner_doc_attrs, parse_path, EmitOptions};
use common::{doc_attrs, rust_type};

/// What emission produces: each module's own items, and the root items.
pub struct Emitted {
    /// Items of each module (without its child `mod` declarations), by module path.
    pub modules: Vec<(Vec<String>, TokenStream)>,
    /// `KnownRecord`, `validate_record_key` and `validate_json`.
    pub root: TokenStream,
}

/// Emits every module of the IR.
pub fn emit(ir: &Ir, opts: &EmitOptions) -> Emitted {
    let modules = ir
        .modules
        .iter()
        .map(|(path, module)| {
            let mut items = emit_module(module, opts);
            let json = ir
                .documents
                .iter()
                .find(|d| Some(&d.nsid) == module.nsid.as_ref());
            if let Some(d) = json {
                items.extend(root::emit_document(d));
            }
            (path.clone(), items)
        })
        .collect();
    Emitted {
        modules,
        root: root::emit_root(ir, opts),
    }
}

fn emit_module(module: &Module, opts: &EmitOptions) -> TokenStream {
    module
        .items
        .iter()
        .map(|item| match item {
            Item::Struct(s) => structs::emit_struct(s, opts),
            Item::StringEnum(e) => enums::emit_string_enum(e, opts),
            Item::Alias(a) => emit_alias(a, opts),
            Item::Token(t) => emit_token(t),
            Item::Union(u) => unions::emit_union(u, opts),
            Item::Method(m) => methods::emit_method(m, opts),
            Item::PermissionSet(p) => methods::emit_permission_set(p, opts),
        })
        .collect()
}

fn emit_alias(a: &Alias, opts: &EmitOptions) -> TokenStream {
    let doc = doc_attrs(a.doc.as_deref());
    let name = ident(&a.name);
    let ty = rust_type(&a.ty, opts);
    let note = checks::describe(&a.ty.checks);
    let note = (!note.is_empty()).then(|| {
        let line = format!(" Constraints, checked where it is used: {note}.");
        let sep = a.doc.as_ref().map(|_| quote!(#[doc = ""]));
        quote!(#sep #[doc = #line])
    });
    quote! {
        #doc
        #note
        pub type #name = #ty;
    }
}

fn emit_token(t: &Token) -> TokenStream {
    let doc = doc_attrs(t.doc.as_deref());
    let name = ident(&t.name);
    let value = &t.value;
    quote! {
        #doc
        pub const #name: &str = #value;
    }
}
