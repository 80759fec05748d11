//! XRPC methods (constants, query-string conversion of `Params`, the error enum) and permission
//! sets (as data).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{doc_attrs, ident, EmitOptions};
use crate::ir::{Method, PermissionSet};

/// Emits a method's constants, `Params` helpers and error enum.
pub fn emit_method(m: &Method, opts: &EmitOptions) -> TokenStream {
    let rt = &opts.runtime;
    let nsid = &m.nsid;
    let kind = m.kind;
    let mut out = quote! {
        /// The method's NSID.
        pub const NSID: &str = #nsid;
        /// What kind of method this is: `query`, `procedure` or `subscription`.
        pub const KIND: &str = #kind;
    };
    for (which, body) in [("INPUT", &m.input), ("OUTPUT", &m.output)] {
        if let Some((encoding, _)) = body {
            let name = format_ident!("{}_ENCODING", which);
            let doc = format!(" The MIME type of the {} body.", which.to_lowercase());
            out.extend(quote!(#[doc = #doc] pub const #name: &str = #encoding;));
        }
    }
    if let Some((name, specs)) = &m.params {
        let name = ident(name);
        let specs = specs.iter().map(|p| {
            let pname = &p.name;
            let kind = format_ident!("{}", p.kind);
            let array = p.array;
            quote!(#rt::query::ParamSpec::new(#pname, #rt::query::ParamKind::#kind, #array))
        });
        out.extend(quote! {
            impl #name {
                /// How each parameter reads from a query string.
                pub const QUERY: &[#rt::query::ParamSpec] = &[#(#specs),*];

                /// Parses and validates a URL query string (arrays as repeated keys).
                pub fn from_query(query: &str) -> ::std::result::Result<Self, #rt::Error> {
                    #rt::query::from_query(query, Self::QUERY)
                }

                /// Writes the parameters as a URL query string (arrays as repeated keys).
                pub fn to_query(&self) -> ::std::string::String {
                    #rt::query::to_query(self)
                }
            }
        });
    }
    if let Some((name, variants)) = &m.errors {
        let name = ident(name);
        let idents: Vec<_> = variants.iter().map(|v| ident(&v.variant)).collect();
        let names: Vec<&String> = variants.iter().map(|v| &v.name).collect();
        let docs = variants.iter().map(|v| {
            doc_attrs(Some(
                &v.doc.clone().unwrap_or_else(|| format!("`{}`", v.name)),
            ))
        });
        out.extend(quote! {
            /// The errors this method may return, by name.
            #[derive(Debug, Clone, PartialEq, Eq, Hash)]
            pub enum #name {
                #(#docs #idents,)*
                /// An error name this lexicon does not list.
                Other(::std::string::String),
            }

            impl #name {
                /// The error's name as sent on the wire.
                pub fn name(&self) -> &str {
                    match self {
                        #(Self::#idents => #names,)*
                        Self::Other(s) => s,
                    }
                }

                /// The error with this name.
                pub fn from_name(name: &str) -> Self {
                    match name {
                        #(#names => Self::#idents,)*
                        _ => Self::Other(::std::string::String::from(name)),
                    }
                }
            }

            impl ::std::fmt::Display for #name {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.write_str(self.name())
                }
            }

            impl ::std::error::Error for #name {}
        });
    }
    out
}

/// Emits a permission set as a constant.
pub fn emit_permission_set(p: &PermissionSet, opts: &EmitOptions) -> TokenStream {
    let rt = &opts.runtime;
    let doc = doc_attrs(p.doc.as_deref());
    let nsid = &p.nsid;
    let opt = |v: &Option<String>| match v {
        Some(s) => quote!(::std::option::Option::Some(#s)),
        None => quote!(::std::option::Option::None),
    };
    let (title, detail) = (opt(&p.title), opt(&p.detail));
    let permissions = p.permissions.iter().map(|(resource, fields)| {
        let fields = fields.iter().map(|(k, v)| quote!((#k, #v)));
        quote!(#rt::query::Permission { resource: #resource, fields: &[#(#fields),*] })
    });
    quote! {
        /// The permission set's NSID.
        pub const NSID: &str = #nsid;

        #doc
        pub const PERMISSION_SET: #rt::query::PermissionSet = #rt::query::PermissionSet {
            nsid: #nsid,
            title: #title,
            detail: #detail,
            permissions: &[#(#permissions),*],
        };
    }
}
