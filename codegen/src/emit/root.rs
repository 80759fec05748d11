//! Root items: the runtime contract check, `KnownRecord`, `validate_record_key` and
//! `validate_json`.

use proc_macro2::TokenStream;
use quote::quote;

use super::common::{cfg, ident, type_path, EmitOptions};
use crate::ir::{DocumentJson, Ir};

/// A document module's `LEXICON_JSON`: its lexicon, for the root `LEXICONS`.
pub fn emit_document(d: &DocumentJson) -> TokenStream {
    let doc = format!(
        " The lexicon `{}` (without descriptions), for the root `LEXICONS`.",
        d.nsid
    );
    let json = raw_string(&d.json);
    quote! {
        #[doc = #doc]
        pub(crate) const LEXICON_JSON: &str = #json;
    }
}

/// `text` as a raw string literal (`r#"..."#`, with as many `#` as it needs), which reads as
/// the JSON it holds.
fn raw_string(text: &str) -> proc_macro2::Literal {
    // One `#` more than the longest run of them after a quote in the text.
    let mut hashes = 1;
    for (i, _) in text.match_indices('"') {
        let run = text[i + 1..].bytes().take_while(|&b| b == b'#').count();
        hashes = hashes.max(run + 1);
    }
    let fence = "#".repeat(hashes);
    format!("r{fence}\"{text}\"{fence}")
        .parse()
        .unwrap_or_else(|_| proc_macro2::Literal::string(text))
}

/// The root `LEXICONS`: every document, in this module tree or (bound elsewhere) inline.
fn emit_registry(ir: &Ir, opts: &EmitOptions) -> TokenStream {
    let rt = &opts.runtime;
    let docs = ir.documents.iter().map(|d| {
        if opts.externs.contains_key(&d.module) {
            let json = raw_string(&d.json);
            return quote!(#json);
        }
        let gate = cfg(&d.feature, opts);
        let root = &opts.root;
        let segments = d.module.iter().map(|s| ident(s));
        quote!(#gate #root #(:: #segments)* ::LEXICON_JSON)
    });
    quote! {
        /// The lexicons of this module tree, which the runtime reads the first time a value
        /// does not parse, to list every violation (not only the first shape error).
        #[doc(hidden)]
        pub static LEXICONS: #rt::__private::Registry = #rt::__private::Registry::new(&[#(#docs),*]);
    }
}

/// Emits the items at the root of the generated module tree.
pub fn emit_root(ir: &Ir, opts: &EmitOptions) -> TokenStream {
    let rt = &opts.runtime;
    let variants: Vec<_> = ir.records.iter().map(|r| ident(&r.variant)).collect();
    let paths: Vec<_> = ir
        .records
        .iter()
        .map(|r| type_path(&r.path, opts))
        .collect();
    let nsids: Vec<&String> = ir.records.iter().map(|r| &r.nsid).collect();
    let docs = nsids.iter().map(|n| format!(" A `{n}` record."));
    let gates: Vec<_> = ir.records.iter().map(|r| cfg(&r.feature, opts)).collect();
    let def_gates: Vec<_> = ir.defs.iter().map(|d| cfg(&d.feature, opts)).collect();
    let (collection_body, to_json_body, validate_body) = if variants.is_empty() {
        (
            quote!(match *self {}),
            quote!(match *self {}),
            quote!(match *self {}),
        )
    } else {
        (
            quote!(match self { #(#gates Self::#variants(_) => #nsids,)* }),
            quote!(match self { #(#gates Self::#variants(r) => r.to_json(),)* }),
            quote!(match self { #(#gates Self::#variants(r) => #rt::Validate::validate(&**r),)* }),
        )
    };
    let def_ids: Vec<_> = ir
        .defs
        .iter()
        .map(|d| match d.type_id.contains('#') {
            true => {
                let id = &d.type_id;
                quote!(#id)
            }
            false => {
                let id = &d.type_id;
                let main = format!("{id}#main");
                quote!(#id | #main)
            }
        })
        .collect();
    let def_paths = ir.defs.iter().map(|d| type_path(&d.path, opts));
    let contract = proc_macro2::Literal::u32_unsuffixed(lexicon_runtime::__private::CONTRACT);
    let registry = emit_registry(ir, opts);
    quote! {
        #registry

        // Fails to compile, saying why in words, when the runtime does not serve the contract
        // this code was generated for.
        const _: () = #rt::__private::check_contract(#contract);

        /// Every record type of these lexicons, by collection.
        // Variants are named for whole NSIDs, which share their authority's prefix.
        #[allow(clippy::enum_variant_names)]
        #[derive(Debug, Clone, PartialEq)]
        pub enum KnownRecord {
            #(#[doc = #docs] #gates #variants(::std::boxed::Box<#paths>),)*
        }

        impl KnownRecord {
            /// Every record collection these lexicons define.
            pub const COLLECTIONS: &'static [&'static str] = &[#(#gates #nsids),*];

            /// Parses and validates a record of `collection` (its NSID) from JSON.
            #[inline]
            pub fn from_json(
                collection: &str,
                json: &str,
            ) -> ::std::result::Result<Self, #rt::Error> {
                Self::from_json_with(#rt::Mode::Strict, collection, json)
            }

            /// Parses a record of `collection` from JSON and validates it as `mode`'s validator
            /// would.
            #[inline]
            pub fn from_json_with(
                mode: #rt::Mode,
                collection: &str,
                json: &str,
            ) -> ::std::result::Result<Self, #rt::Error> {
                <Self as #rt::record::RecordSet>::parse_record(mode, collection, json)
            }

            /// The record's collection NSID.
            pub fn collection(&self) -> &'static str {
                #collection_body
            }

            /// Serializes the record as compact JSON.
            #[inline]
            pub fn to_json(&self) -> ::std::string::String {
                #to_json_body
            }

            /// Checks the record against its schema, reporting every violation.
            #[inline]
            pub fn validate(&self) -> ::std::result::Result<(), #rt::ValidationErrors> {
                #validate_body
            }
        }

        #(
            #gates
            impl ::std::convert::From<#paths> for KnownRecord {
                fn from(record: #paths) -> Self {
                    Self::#variants(::std::boxed::Box::new(record))
                }
            }
        )*

        impl #rt::record::RecordSet for KnownRecord {
            // Without record types (or with their features off) only the `_` arm is left.
            #[allow(clippy::match_single_binding)]
            fn parse_record<I: #rt::record::Input>(
                mode: #rt::Mode,
                collection: &str,
                input: I,
            ) -> ::std::result::Result<Self, #rt::Error> {
                let _ = (mode, &input);
                match collection {
                    #(#gates #nsids => ::std::result::Result::Ok(Self::#variants(::std::boxed::Box::new(input.parse(mode)?))),)*
                    _ => ::std::result::Result::Err(#rt::Error::UnknownCollection(::std::string::String::from(collection))),
                }
            }
        }

        /// Checks a record key against the key type of `collection`'s record schema.
        #[allow(clippy::match_single_binding)]
        pub fn validate_record_key(
            collection: &str,
            rkey: &str,
        ) -> ::std::result::Result<(), #rt::Error> {
            let _ = rkey;
            match collection {
                #(#gates #nsids => #paths::validate_key(rkey),)*
                _ => ::std::result::Result::Err(#rt::Error::UnknownCollection(::std::string::String::from(collection))),
            }
        }

        /// Parses and validates JSON against the def named `def` (`nsid#name`, or `nsid` for a
        /// main def); records must carry their `$type`.
        #[inline]
        pub fn validate_json(def: &str, json: &str) -> ::std::result::Result<(), #rt::Error> {
            validate_json_with(#rt::Mode::Strict, def, json)
        }

        /// [`validate_json`] as `mode`'s validator would decide.
        #[inline]
        pub fn validate_json_with(
            mode: #rt::Mode,
            def: &str,
            json: &str,
        ) -> ::std::result::Result<(), #rt::Error> {
            validate_input(mode, def, json)
        }

        /// [`validate_json_with`] for any input: JSON text, or DAG-CBOR bytes
        /// (`lexicon_runtime::cbor::Cbor`, with the runtime's `dag-cbor` feature).
        pub fn validate_input<I: #rt::record::Input>(
            mode: #rt::Mode,
            def: &str,
            input: I,
        ) -> ::std::result::Result<(), #rt::Error> {
            let _ = (mode, &input);
            match def {
                #(#def_gates #def_ids => input.parse::<#def_paths>(mode).map(drop),)*
                _ => ::std::result::Result::Err(#rt::Error::UnknownDefinition(::std::string::String::from(def))),
            }
        }
    }
}
