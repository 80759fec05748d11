//! What every emitter uses: the settings, identifiers and type paths, doc attributes, and the
//! impls every generated type gets. The emitters sit above this module and call down into it.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::ir::{Ty, TyKind, TypePath};

/// Settings that shape emitted code.
#[derive(Debug, Clone)]
pub(crate) struct EmitOptions {
    /// Path of the runtime crate, as written in generated code.
    pub runtime: TokenStream,
    /// Path of the root of the generated module tree (`crate`, or `crate::lexicons`).
    pub root: TokenStream,
    /// Whether each namespace (`app.bsky`) is behind a cargo feature (`app-bsky`).
    pub feature_gates: bool,
    /// Attributes put on every generated struct and enum (`#[derive(Hash)]`, ...).
    pub type_attributes: Vec<TokenStream>,
    /// Whether to emit documentation comments.
    pub docs: bool,
    /// Whether to emit a builder for every struct.
    pub builders: bool,
    /// Modules bound elsewhere and the paths that stand for them.
    pub externs: std::collections::BTreeMap<Vec<String>, TokenStream>,
}

impl Default for EmitOptions {
    fn default() -> Self {
        EmitOptions {
            runtime: quote!(::lexicon_runtime),
            root: quote!(crate),
            feature_gates: false,
            type_attributes: Vec::new(),
            docs: true,
            builders: true,
            externs: std::collections::BTreeMap::new(),
        }
    }
}

impl EmitOptions {
    /// Sets the path of the generated module tree's root, such as `crate::lexicons` when the
    /// output is included in module `lexicons`.
    pub fn set_root(&mut self, path: &str) -> Result<(), String> {
        self.root = parse_path(path)?;
        Ok(())
    }

    /// Sets the paths that stand for modules bound elsewhere.
    pub fn set_externs(
        &mut self,
        externs: &std::collections::BTreeMap<Vec<String>, String>,
    ) -> Result<(), String> {
        for (module, path) in externs {
            self.externs.insert(module.clone(), parse_path(path)?);
        }
        Ok(())
    }

    /// Adds an attribute (`#[derive(Hash)]`, `#[serde(...)]`, ...) to every generated type.
    pub fn add_type_attribute(&mut self, attribute: &str) -> Result<(), String> {
        let tokens: TokenStream = attribute
            .parse()
            .map_err(|e| format!("{attribute:?} does not parse: {e}"))?;
        syn::parse2::<syn::ItemStruct>(quote!(#tokens struct Check;))
            .map_err(|e| format!("{attribute:?} is not an attribute: {e}"))?;
        self.type_attributes.push(tokens);
        Ok(())
    }

    /// Sets the path by which generated code names the runtime crate, such as
    /// `::my_crate::lexicon_runtime` for a crate that re-exports it.
    pub fn set_runtime(&mut self, path: &str) -> Result<(), String> {
        self.runtime = parse_path(path)?;
        Ok(())
    }
}

pub(crate) fn parse_path(path: &str) -> Result<TokenStream, String> {
    syn::parse_str::<syn::Path>(path)
        .map(|p| quote!(#p))
        .map_err(|e| format!("{path:?} is not a Rust path: {e}"))
}

/// `#[cfg(feature = "...")]` when namespaces are feature-gated.
pub fn cfg(feature: &str, opts: &EmitOptions) -> TokenStream {
    if opts.feature_gates {
        quote!(#[cfg(feature = #feature)])
    } else {
        TokenStream::new()
    }
}

/// An identifier token from a decided name (which may be raw, `r#type`).
pub fn ident(name: &str) -> proc_macro2::Ident {
    match name.strip_prefix("r#") {
        Some(raw) => proc_macro2::Ident::new_raw(raw, proc_macro2::Span::call_site()),
        None => format_ident!("{}", name),
    }
}

/// `#[doc]` attributes for a description, made safe for rustdoc (see [`doc_lines`]).
pub fn doc_attrs(doc: Option<&str>) -> TokenStream {
    let lines = doc.map(doc_lines).unwrap_or_default();
    quote!(#(#[doc = #lines])*)
}

/// `#![doc]` attributes (a module's own documentation) for a description.
pub fn inner_doc_attrs(doc: Option<&str>) -> TokenStream {
    let lines = doc.map(doc_lines).unwrap_or_default();
    quote!(#(#![doc = #lines])*)
}

/// The lines of a description as rustdoc Markdown that reads as the author wrote it: `<did>` and
/// `[1]` shown as text (not HTML tags or links), no indented code blocks (lines are trimmed),
/// no fences, bare URLs in angle brackets (links), and text in backticks kept as code.
pub fn doc_lines(doc: &str) -> Vec<String> {
    // An unmatched backtick would make the rest of the text code: then none counts as code.
    let code_spans = doc.replace("```", "").matches('`').count() % 2 == 0;
    let mut in_code = false;
    doc.lines()
        .map(|line| {
            let line = line.trim().replace("```", "'''");
            let mut out = String::with_capacity(line.len() + 8);
            for (i, word) in line.split(' ').enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                if !in_code && (word.starts_with("http://") || word.starts_with("https://")) {
                    let url = word.trim_end_matches(['.', ',', ')', ';', ':']);
                    if !url.contains(['<', '>', '`', '[', ']']) {
                        out.push_str(&format!("<{url}>"));
                        escape_into(&word[url.len()..], code_spans, &mut in_code, &mut out);
                        continue;
                    }
                }
                escape_into(word, code_spans, &mut in_code, &mut out);
            }
            format!(" {out}")
        })
        .collect()
}

/// Appends `text`, escaping what Markdown would read as HTML tags, links or entities outside
/// code spans.
fn escape_into(text: &str, code_spans: bool, in_code: &mut bool, out: &mut String) {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        // `<` only where it could open a tag (`<did>`, `</b>`), `&` where it could start an
        // entity (`&amp;`): `a <= b` stays as written.
        let next = chars.peek().copied().unwrap_or(' ');
        let markup = match c {
            '<' => next.is_ascii_alphabetic() || matches!(next, '/' | '!' | '?'),
            '&' => next.is_ascii_alphanumeric() || next == '#',
            '[' | ']' => true,
            _ => false,
        };
        match c {
            '`' if code_spans => {
                *in_code = !*in_code;
                out.push(c);
            }
            '`' => out.push_str("\\`"),
            _ if markup && !*in_code => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
}

/// `Deserialize` for a generated type: its shape (the `Shape` impl), then strict validation, so
/// that values obtained through serde have passed validation.
pub(crate) fn checked_deserialize_impl(
    name: &proc_macro2::Ident,
    opts: &EmitOptions,
) -> TokenStream {
    let rt = &opts.runtime;
    quote! {
        /// Reads the value and validates it in strict mode: violations are the deserializer's
        /// error. Deserialize `lexicon_runtime::Unchecked<Self>` to skip validation.
        impl<'de> #rt::serde::Deserialize<'de> for #name {
            fn deserialize<D: #rt::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                #rt::__private::de::checked(deserializer)
            }
        }
    }
}

/// `Shape::lexicon` of a generated type: where its def is, for reports that list every
/// violation of a value that does not parse. Nothing for types without a def of their own.
pub(crate) fn lexicon_fn(type_id: Option<&str>, opts: &EmitOptions) -> TokenStream {
    let Some(type_id) = type_id else {
        return TokenStream::new();
    };
    let (rt, root) = (&opts.runtime, &opts.root);
    quote! {
        #[inline]
        fn lexicon() -> #rt::__private::Lexicon {
            #rt::__private::lexicon(&#root::LEXICONS, #type_id)
        }
    }
}

/// The path of a generated type as seen from anywhere: `crate::a::b::Type`, or the path given
/// for a module bound elsewhere.
pub(crate) fn type_path(path: &TypePath, opts: &EmitOptions) -> TokenStream {
    if let Some(module) = opts.externs.get(&path.module) {
        let name = ident(&path.name);
        return quote!(#module :: #name);
    }
    let root = &opts.root;
    let segments = path.module.iter().map(|s| ident(s));
    let name = ident(&path.name);
    quote!(#root #(:: #segments)* :: #name)
}

/// The Rust type of a value.
pub(crate) fn rust_type(ty: &Ty, opts: &EmitOptions) -> TokenStream {
    let rt = &opts.runtime;
    match &ty.kind {
        TyKind::String => quote!(::std::string::String),
        TyKind::Integer => quote!(i64),
        TyKind::Boolean => quote!(bool),
        TyKind::Format(f) => {
            let name = format_ident!("{}", f.type_name());
            quote!(#rt::#name)
        }
        TyKind::Named(path) => type_path(path, opts),
        TyKind::Array(item) => {
            let item = rust_type(item, opts);
            quote!(::std::vec::Vec<#item>)
        }
        TyKind::Unknown => quote!(#rt::Unknown),
        TyKind::Bytes => quote!(#rt::Bytes),
        TyKind::CidLink => quote!(#rt::CidLink),
        TyKind::Blob => quote!(#rt::Blob),
        TyKind::Boxed(path) => {
            let path = type_path(path, opts);
            quote!(::std::boxed::Box<#path>)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::doc_lines;

    #[test]
    fn descriptions_become_markdown_that_reads_as_written() {
        let lines = doc_lines(
            "A <did> or a [handle], see https://atproto.com/specs.\n    indented & `code <x> [y]`\n```\na <= b, &amp; &#9;",
        );
        assert_eq!(
            lines,
            [
                r" A \<did> or a \[handle\], see <https://atproto.com/specs>.",
                r" indented & `code <x> [y]`",
                " '''",
                r" a <= b, \&amp; \&#9;",
            ]
        );
    }

    #[test]
    fn an_unmatched_backtick_does_not_make_the_rest_code() {
        assert_eq!(doc_lines("it's `odd <b>"), [r" it's \`odd \<b>"]);
    }
}
