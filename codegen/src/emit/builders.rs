//! Builders: `Job::builder().model("...")...build()` sets properties by name and hands out only
//! values the schema allows.

use proc_macro2::TokenStream;
use quote::quote;

use super::common::{ident, rust_type, EmitOptions};
use super::structs::{holding, Holding};
use crate::ir::Struct;

/// Emits `Name::builder()`, the builder type, its setters and its `build` method.
pub fn emit_builder(s: &Struct, opts: &EmitOptions) -> TokenStream {
    let rt = &opts.runtime;
    let name = ident(&s.name);
    let builder = ident(&s.builder);
    let build = ident(&s.build_fn);
    let extra = ident(&s.extra);
    let mut slots = Vec::new();
    let mut setters = Vec::new();
    let mut missing = Vec::new();
    let mut required = Vec::new();
    let mut inits = Vec::new();
    for f in &s.fields {
        let fname = ident(&f.name);
        let json = &f.json;
        let base = rust_type(&f.ty, opts);
        // What the slot holds, what the setter takes, and how the field is filled.
        let (stored, arg) = match holding(f) {
            Holding::Plain | Holding::Optional => (base.clone(), base),
            Holding::Nullable | Holding::OptionalNullable => (
                quote!(::std::option::Option<#base>),
                quote!(::std::option::Option<#base>),
            ),
        };
        slots.push(quote!(#fname: ::std::option::Option<#stored>,));
        let doc = format!(" Sets `{json}`.");
        setters.push(quote! {
            #[doc = #doc]
            pub fn #fname(mut self, value: impl ::std::convert::Into<#arg>) -> Self {
                self.#fname = ::std::option::Option::Some(value.into());
                self
            }
        });
        if let Some(maybe) = &f.maybe_setter {
            let maybe = ident(maybe);
            let doc =
                format!(" Sets `{json}` when `value` is `Some`, and leaves it out when `None`.");
            setters.push(quote! {
                #[doc = #doc]
                pub fn #maybe(
                    mut self,
                    value: ::std::option::Option<impl ::std::convert::Into<#arg>>,
                ) -> Self {
                    self.#fname = value.map(::std::convert::Into::into);
                    self
                }
            });
        }
        match holding(f) {
            Holding::Plain | Holding::Nullable => {
                missing.push(quote! {
                    if self.#fname.is_none() {
                        errors.push(&#rt::Path::ROOT.field(#json), #rt::Violation::MissingProperty);
                    }
                });
                required.push(fname.clone());
                inits.push(quote!(#fname,));
            }
            Holding::Optional | Holding::OptionalNullable => {
                inits.push(quote!(#fname: self.#fname,));
            }
        }
    }
    let type_doc = format!(
        " Builds a [`{0}`]: set properties by name, then [`{0}Builder::{1}`] checks that the \
         required ones are set and that the value is valid, reporting every violation.",
        s.name, s.build_fn
    );
    // Every missing property is reported, then the required ones are taken out.
    let take_required = if required.is_empty() {
        TokenStream::new()
    } else {
        quote! {
            let mut errors = #rt::ValidationErrors::new();
            #(#missing)*
            let (#(::std::option::Option::Some(#required),)*) = (#(self.#required,)*) else {
                return ::std::result::Result::Err(errors);
            };
        }
    };
    quote! {
        impl #name {
            /// A builder that sets properties by name and checks the value it builds.
            pub fn builder() -> #builder {
                ::std::default::Default::default()
            }
        }

        #[doc = #type_doc]
        #[derive(Debug, Clone, Default)]
        #[must_use]
        pub struct #builder {
            #(#slots)*
            #extra: #rt::Extra,
        }

        // Setters are named after the properties, whatever a name means elsewhere (`add`, `as_of`).
        #[allow(clippy::should_implement_trait, clippy::wrong_self_convention)]
        impl #builder {
            #(#setters)*

            /// Adds a property the schema does not declare.
            pub fn #extra(
                mut self,
                key: impl ::std::convert::Into<::std::string::String>,
                value: #rt::serde_json::Value,
            ) -> Self {
                self.#extra.insert(key.into(), value);
                self
            }

            /// The value, if every required property is set and it is valid; otherwise every
            /// violation (a missing property is one).
            pub fn #build(self) -> ::std::result::Result<#name, #rt::ValidationErrors> {
                #take_required
                let value = #name {
                    #(#inits)*
                    #extra: self.#extra,
                };
                #rt::Validate::validate(&value)?;
                ::std::result::Result::Ok(value)
            }
        }
    }
}
