//! XRPC methods (constants, query-string conversion of `Params`, the error enum) and permission
//! sets (as data).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::common::{doc_attrs, ident, rust_type, EmitOptions};
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
                #[inline]
                pub fn from_query(query: &str) -> ::std::result::Result<Self, #rt::Error> {
                    #rt::query::from_query(query, Self::QUERY)
                }

                /// Writes the parameters as a URL query string (arrays as repeated keys).
                #[inline]
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
            #[non_exhaustive]
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

            impl #rt::xrpc::ErrorName for #name {
                fn from_name(name: &str) -> Self {
                    Self::from_name(name)
                }

                fn name(&self) -> &str {
                    Self::name(self)
                }
            }
        });
    }
    match &m.marker {
        Some(marker) if m.kind == "subscription" => out.extend(subscription_impl(m, marker, opts)),
        Some(marker) => out.extend(method_impl(m, marker, opts)),
        None => {}
    }
    out
}

/// The type of a method's `Params` (`NoParams` when it has none) and of its error enum
/// (`UnlistedError` when it names none).
fn params_and_error(m: &Method, opts: &EmitOptions) -> (TokenStream, TokenStream) {
    let rt = &opts.runtime;
    let params = match &m.params {
        Some((name, _)) => {
            let name = ident(name);
            quote!(#name)
        }
        None => quote!(#rt::xrpc::NoParams),
    };
    let error = match &m.errors {
        Some((name, _)) => {
            let name = ident(name);
            quote!(#name)
        }
        None => quote!(#rt::xrpc::UnlistedError),
    };
    (params, error)
}

/// `impl QueryParams for Params`: the generic face of `Params::{to,from}_query`.
fn query_params_impl(m: &Method, opts: &EmitOptions) -> Option<TokenStream> {
    let rt = &opts.runtime;
    m.params.as_ref().map(|(name, _)| {
        let name = ident(name);
        quote! {
            impl #rt::xrpc::QueryParams for #name {
                #[inline]
                fn to_query(&self) -> ::std::string::String {
                    Self::to_query(self)
                }

                #[inline]
                fn from_query(query: &str) -> ::std::result::Result<Self, #rt::Error> {
                    Self::from_query(query)
                }
            }
        }
    })
}

/// The unit struct of a subscription and its `lexicon_runtime::xrpc::Subscription` impl.
fn subscription_impl(m: &Method, marker: &str, opts: &EmitOptions) -> TokenStream {
    let rt = &opts.runtime;
    let marker = ident(marker);
    let doc = format!(
        " The `{}` subscription, as a type: `lexicon_runtime::xrpc::Subscription` for generic \
         servers and clients.",
        m.nsid
    );
    let (params, error) = params_and_error(m, opts);
    let message = match &m.message {
        Some(ty) => rust_type(ty, opts),
        None => quote!(#rt::Unknown),
    };
    let validate_params = m.params.is_some().then(|| {
        quote! {
            #[inline]
            fn validate_params(params: &Self::Params) -> ::std::result::Result<(), #rt::ValidationErrors> {
                #rt::Validate::validate(params)
            }
        }
    });
    let query_params = query_params_impl(m, opts);
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct #marker;

        impl #rt::xrpc::Subscription for #marker {
            const NSID: &'static str = NSID;
            type Params = #params;
            type Message = #message;
            type Error = #error;
            #validate_params
        }

        #query_params
    }
}

/// The unit struct of a query or procedure and its `lexicon_runtime::xrpc::Method` impl, plus
/// `QueryParams` for its `Params`.
fn method_impl(m: &Method, marker: &str, opts: &EmitOptions) -> TokenStream {
    let rt = &opts.runtime;
    let marker = ident(marker);
    let (kind, http) = match m.kind {
        "procedure" => (quote!(Procedure), "POST"),
        _ => (quote!(Query), "GET"),
    };
    let doc = format!(
        " The `{}` {}, as a type: `lexicon_runtime::xrpc::Method` for generic calls.",
        m.nsid, m.kind
    );
    let encoding = |body: &Option<(String, Option<String>)>| match body {
        Some((e, _)) => quote!(::std::option::Option::Some(#e)),
        None => quote!(::std::option::Option::None),
    };
    let (input_encoding, output_encoding) = (encoding(&m.input), encoding(&m.output));
    let (params, error) = params_and_error(m, opts);
    let (input_ty, encode_input, decode_input) = body_code(&m.input, "input", opts);
    let validate_request = validate_request_code(m, opts);
    let validate_output = matches!(&m.output, Some((_, Some(_)))).then(|| {
        quote! {
            #[inline]
            fn validate_output(output: &Self::Output) -> ::std::result::Result<(), #rt::ValidationErrors> {
                #rt::Validate::validate(output)
            }
        }
    });
    let (output_ty, encode_output, decode_output) = body_code(&m.output, "output", opts);
    let query_params = query_params_impl(m, opts);
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct #marker;

        impl #rt::xrpc::Method for #marker {
            const NSID: &'static str = NSID;
            const KIND: #rt::xrpc::MethodKind = #rt::xrpc::MethodKind::#kind;
            const HTTP_METHOD: &'static str = #http;
            const INPUT_ENCODING: ::std::option::Option<&'static str> = #input_encoding;
            const OUTPUT_ENCODING: ::std::option::Option<&'static str> = #output_encoding;
            type Params = #params;
            type Input = #input_ty;
            type Output = #output_ty;
            type Error = #error;
            #validate_request
            #validate_output
            #encode_input
            #decode_input
            #encode_output
            #decode_output
        }

        #query_params
    }
}

/// `validate_request` for a method whose parameters or JSON input have a generated type (the
/// trait's default, which checks nothing, serves the others).
fn validate_request_code(m: &Method, opts: &EmitOptions) -> TokenStream {
    let rt = &opts.runtime;
    let params = m
        .params
        .is_some()
        .then(|| quote!(#rt::Validate::validate_at(params, &#rt::Path::ROOT, &mut errors);));
    let input = matches!(&m.input, Some((_, Some(_))))
        .then(|| quote!(#rt::Validate::validate_at(input, &#rt::Path::ROOT, &mut errors);));
    if params.is_none() && input.is_none() {
        return TokenStream::new();
    }
    let (params_arg, input_arg) = (
        if params.is_some() {
            quote!(params)
        } else {
            quote!(_)
        },
        if input.is_some() {
            quote!(input)
        } else {
            quote!(_)
        },
    );
    quote! {
        #[inline]
        fn validate_request(
            #params_arg: &Self::Params,
            #input_arg: &Self::Input,
        ) -> ::std::result::Result<(), #rt::ValidationErrors> {
            let mut errors = #rt::ValidationErrors::new();
            #params
            #input
            errors.into_result()
        }
    }
}

/// The Rust type of a body and the `encode_*`/`decode_*` functions for it: JSON with a schema
/// through its generated type, any other encoding as bytes, no body as `()`.
fn body_code(
    body: &Option<(String, Option<String>)>,
    which: &str,
    opts: &EmitOptions,
) -> (TokenStream, TokenStream, TokenStream) {
    let rt = &opts.runtime;
    let encode = format_ident!("encode_{}", which);
    let decode = format_ident!("decode_{}", which);
    let ty = format_ident!("{}", if which == "input" { "Input" } else { "Output" });
    match body {
        Some((_, Some(name))) => {
            let name = ident(name);
            (
                quote!(#name),
                quote! {
                    #[inline]
                    fn #encode(body: &Self::#ty) -> ::std::vec::Vec<u8> {
                        #rt::xrpc::encode_json(body)
                    }
                },
                quote! {
                    #[inline]
                    fn #decode(bytes: &[u8], mode: #rt::Mode) -> ::std::result::Result<Self::#ty, #rt::Error> {
                        #rt::xrpc::decode_json(bytes, mode)
                    }
                },
            )
        }
        Some((_, None)) => (
            quote!(::std::vec::Vec<u8>),
            quote! {
                #[inline]
                fn #encode(body: &Self::#ty) -> ::std::vec::Vec<u8> {
                    ::std::clone::Clone::clone(body)
                }
            },
            quote! {
                #[inline]
                fn #decode(bytes: &[u8], _: #rt::Mode) -> ::std::result::Result<Self::#ty, #rt::Error> {
                    ::std::result::Result::Ok(bytes.to_vec())
                }
            },
        ),
        None => (
            quote!(()),
            quote! {
                #[inline]
                fn #encode(_: &Self::#ty) -> ::std::vec::Vec<u8> {
                    ::std::vec::Vec::new()
                }
            },
            quote! {
                #[inline]
                fn #decode(_: &[u8], _: #rt::Mode) -> ::std::result::Result<Self::#ty, #rt::Error> {
                    ::std::result::Result::Ok(())
                }
            },
        ),
    }
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
