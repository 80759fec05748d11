//! Rust names for lexicon names: the one place where case, keywords and collisions are decided.

use std::collections::BTreeSet;

use heck::{ToPascalCase, ToSnakeCase};

/// Words that are keywords in some Rust edition (2015 to 2024), or reserved.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Type names that a generated type must not take: those that code importing a generated
/// module's items (`use ...::defs::*`) would shadow (the Rust prelude's types and traits, and what
/// `lexicon_runtime` exports at its root, kept in sync by a test), and those that generated impls
/// use themselves (their type parameters).
pub const SHADOWING: &[&str] = &[
    // The prelude.
    "AsMut",
    "AsRef",
    "Box",
    "Clone",
    "Copy",
    "Default",
    "Drop",
    "Eq",
    "Err",
    "Extend",
    "Fn",
    "FnMut",
    "FnOnce",
    "From",
    "Into",
    "IntoIterator",
    "Iterator",
    "None",
    "Ok",
    "Option",
    "Ord",
    "PartialEq",
    "PartialOrd",
    "Result",
    "Send",
    "Sized",
    "Some",
    "String",
    "Sync",
    "ToOwned",
    "ToString",
    "TryFrom",
    "TryInto",
    "Unpin",
    "Vec",
    // lexicon_runtime.
    "AtIdentifier",
    "AtUri",
    "Blob",
    "Bytes",
    "CborError",
    "Cid",
    "CidLink",
    "Datetime",
    "Did",
    "Error",
    "Extra",
    "Format",
    "FormatError",
    "FormatKind",
    "Handle",
    "Language",
    "Mode",
    "Nsid",
    "Path",
    "RecordKey",
    "ShapeOwned",
    "Tid",
    "Unchecked",
    "Unknown",
    "Uri",
    "Validate",
    "ValidationError",
    "ValidationErrors",
    "Violation",
    // Names generated code uses inside its impls: type parameters and a local visitor.
    "A",
    "D",
    "I",
    "M",
    "S",
    "Visitor",
];

/// The type name for def `def` (`main` or another) of lexicon `nsid`: the def's name, or the
/// lexicon's for `main`, in `PascalCase`. A name in [`SHADOWING`] takes the namespace segment
/// before it as a prefix: `tools.ozone.setting.defs#option` is `SettingOption`.
pub fn def_type_name(nsid: &str, def: &str) -> String {
    let mut segments = nsid.rsplit('.');
    let last = segments.next().unwrap_or(nsid);
    let name = pascal(if def == "main" { last } else { def });
    if !SHADOWING.contains(&name.as_str()) {
        return name;
    }
    // The segment that names the lexicon, or its namespace for a `main` def or `defs` lexicon.
    let owner = if def == "main" || last == "defs" {
        segments.next().unwrap_or(last)
    } else {
        last
    };
    format!("{}{name}", pascal(owner))
}

/// Keywords that cannot be raw identifiers; these get a `_` suffix instead.
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super", "_"];

/// Makes `word` a usable identifier: raw (`r#type`) for keywords, `_` suffix where raw is not
/// allowed, `_` prefix before a leading digit, and a fallback for empty input.
fn sanitize(word: String, fallback: &str) -> String {
    let word = if word.is_empty() {
        fallback.to_owned()
    } else {
        word
    };
    let word = if word.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{word}")
    } else {
        word
    };
    if NOT_RAW.contains(&word.as_str()) {
        format!("{word}_")
    } else if KEYWORDS.contains(&word.as_str()) {
        format!("r#{word}")
    } else {
        word
    }
}

/// Keeps ASCII letters and digits, turning everything else into word breaks, and writes a
/// plural acronym as one word (`memoryBandwidthGBs` → `memoryBandwidthGbs`, so `gbs`, not
/// `g_bs`): a run of two or more capitals, then an `s` that ends the word.
fn words(s: &str) -> String {
    let chars: Vec<char> = s
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    let mut out = String::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let run = chars[i..]
            .iter()
            .take_while(|c| c.is_ascii_uppercase())
            .count();
        let plural = run >= 2
            && chars.get(i + run) == Some(&'s')
            && chars
                .get(i + run + 1)
                .is_none_or(|c| !c.is_ascii_lowercase());
        if plural {
            out.push(chars[i]);
            out.extend(chars[i + 1..i + run].iter().map(char::to_ascii_lowercase));
            i += run;
        } else if run > 0 {
            out.extend(&chars[i..i + run]);
            i += run;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// A `snake_case` name for a module or field.
pub fn snake(s: &str) -> String {
    sanitize(words(s).to_snake_case(), "field")
}

/// A `PascalCase` name for a type or variant.
pub fn pascal(s: &str) -> String {
    sanitize(words(s).to_pascal_case(), "Value")
}

/// Hands out names in one scope, resolving collisions deterministically: the first taker keeps
/// the name, later ones get `2`, `3`, ... (with `_` for snake case names).
#[derive(Debug, Default)]
pub struct Scope {
    taken: BTreeSet<String>,
}

impl Scope {
    /// A scope in which `reserved` names are already taken.
    pub fn with_reserved(reserved: &[&str]) -> Scope {
        Scope {
            taken: reserved.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    /// Whether `name` is still free.
    pub fn is_free(&self, name: &str) -> bool {
        !self.taken.contains(unraw(name))
    }

    /// Claims `wanted`, or the first free numbered variant of it.
    pub fn claim(&mut self, wanted: String) -> String {
        if self.taken.insert(unraw(&wanted).to_owned()) {
            return wanted;
        }
        let sep = if wanted.contains('_') || wanted.starts_with(|c: char| c.is_ascii_lowercase()) {
            "_"
        } else {
            ""
        };
        let base = unraw(&wanted).trim_end_matches('_');
        (2..)
            .map(|n| format!("{base}{sep}{n}"))
            .find(|candidate| self.taken.insert(candidate.clone()))
            .expect("some numbered name is free")
    }
}

/// The name without a raw-identifier prefix.
pub fn unraw(name: &str) -> &str {
    name.strip_prefix("r#").unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acronyms_are_one_word_even_when_plural() {
        assert_eq!(snake("memoryBandwidthGBs"), "memory_bandwidth_gbs");
        assert_eq!(snake("ramGB"), "ram_gb");
        assert_eq!(snake("inputCipherURL"), "input_cipher_url");
        assert_eq!(snake("relatedURLsList"), "related_urls_list");
        assert_eq!(snake("knownIDs"), "known_ids");
        assert_eq!(snake("HTTPServer"), "http_server");
        assert_eq!(snake("pCores"), "p_cores");
        assert_eq!(snake("CPUsed"), "cp_used");
        assert_eq!(pascal("memoryBandwidthGBs"), "MemoryBandwidthGbs");
    }

    #[test]
    fn keywords_are_escaped() {
        assert_eq!(snake("type"), "r#type");
        assert_eq!(snake("ref"), "r#ref");
        assert_eq!(snake("in"), "r#in");
        assert_eq!(snake("gen"), "r#gen");
        assert_eq!(snake("self"), "self_");
        assert_eq!(pascal("self"), "Self_");
        assert_eq!(snake("3d"), "_3d");
    }

    #[test]
    fn cases_follow_rust_conventions() {
        assert_eq!(snake("strongRef"), "strong_ref");
        assert_eq!(snake("inputCipherURL"), "input_cipher_url");
        assert_eq!(pascal("self-attested"), "SelfAttested");
        assert_eq!(pascal("title:lang"), "TitleLang");
        assert_eq!(snake("$type"), "r#type");
    }

    #[test]
    fn collisions_get_stable_numbers() {
        let mut scope = Scope::with_reserved(&["extra"]);
        assert_eq!(scope.claim(snake("fooBar")), "foo_bar");
        assert_eq!(scope.claim(snake("foo_bar")), "foo_bar_2");
        assert_eq!(scope.claim(snake("extra")), "extra_2");
        let mut types = Scope::default();
        assert_eq!(types.claim(pascal("post")), "Post");
        assert_eq!(types.claim(pascal("Post")), "Post2");
    }

    #[test]
    fn names_that_would_shadow_take_their_namespace() {
        assert_eq!(
            def_type_name("tools.ozone.setting.defs", "option"),
            "SettingOption"
        );
        assert_eq!(def_type_name("com.example.error", "main"), "ExampleError");
        assert_eq!(def_type_name("com.example.thing", "blob"), "ThingBlob");
        assert_eq!(def_type_name("app.bsky.feed.post", "main"), "Post");
        assert_eq!(def_type_name("app.bsky.feed.defs", "postView"), "PostView");
        assert_eq!(def_type_name("test.evolution.thing", "a"), "ThingA");
    }

    #[test]
    fn every_name_the_runtime_exports_is_avoided() {
        let lib = include_str!("../../runtime/src/lib.rs");
        let mut exported = Vec::new();
        for item in lib.split("pub use ").skip(1) {
            let item = &item[..item.find(';').unwrap_or(item.len())];
            let names = match item.find('{') {
                Some(i) => &item[i + 1..item.rfind('}').unwrap_or(item.len())],
                None => item.rsplit("::").next().unwrap_or(item),
            };
            for name in names.split(',').map(str::trim) {
                if name.starts_with(|c: char| c.is_ascii_uppercase()) {
                    exported.push(name.to_owned());
                }
            }
        }
        assert!(exported.len() > 20, "{exported:?}");
        for name in exported {
            assert!(
                SHADOWING.contains(&name.as_str()),
                "{name} is missing from SHADOWING"
            );
        }
    }
}
