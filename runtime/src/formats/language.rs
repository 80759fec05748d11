//! The `language` format: BCP 47 as the reference's strict parser (`parseLanguageString`) reads it.

/// The grandfathered tags of RFC 5646, matched case-sensitively as the reference does.
const GRANDFATHERED: [&str; 26] = [
    "en-GB-oed",
    "i-ami",
    "i-bnn",
    "i-default",
    "i-enochian",
    "i-hak",
    "i-klingon",
    "i-lux",
    "i-mingo",
    "i-navajo",
    "i-pwn",
    "i-tao",
    "i-tay",
    "i-tsu",
    "sgn-BE-FR",
    "sgn-BE-NL",
    "sgn-CH-DE",
    "art-lojban",
    "cel-gaulish",
    "no-bok",
    "no-nyn",
    "zh-guoyu",
    "zh-hakka",
    "zh-min",
    "zh-min-nan",
    "zh-xiang",
];

fn alpha(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphabetic())
}

fn alnum(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn is_variant(s: &str) -> bool {
    alnum(s, 5, 8) || (s.len() == 4 && s.as_bytes()[0].is_ascii_digit() && alnum(s, 4, 4))
}

/// `x-` private use: `[xX](-[A-Za-z0-9]{1,8})+`, given the subtags after the `x`.
fn is_private_use(rest: &[&str]) -> bool {
    !rest.is_empty() && rest.iter().all(|s| alnum(s, 1, 8))
}

/// `language` (strict): a grandfathered tag, a private-use tag, or a language tag whose primary
/// subtag is 2 or 3 lower-case letters, with no repeated variant or extension singleton.
pub fn is_valid_language(s: &str) -> bool {
    is_valid_language_with(s, true)
}

/// The strict check, or (with `strict` false) the grammar alone: primaries of 2 to 8 letters in
/// any case, repeated variants and singletons allowed.
pub(crate) fn is_valid_language_with(s: &str, strict: bool) -> bool {
    if GRANDFATHERED.contains(&s) {
        return true;
    }
    // The subtags on the stack (a tag has a few); a longer tag goes to the heap.
    let mut stack = [""; 16];
    let mut count = 0;
    for tag in s.split('-') {
        if count == stack.len() {
            return are_valid_subtags(&s.split('-').collect::<Vec<_>>(), strict);
        }
        stack[count] = tag;
        count += 1;
    }
    are_valid_subtags(&stack[..count], strict)
}

/// The strict or grammar-only check of a tag's subtags (`tags`, split at `-`).
fn are_valid_subtags(tags: &[&str], strict: bool) -> bool {
    if matches!(tags[0], "x" | "X") {
        return is_private_use(&tags[1..]);
    }
    let primary = tags[0];
    let short = (2..=3).contains(&primary.len());
    if strict && (!short || !primary.bytes().all(|b| b.is_ascii_lowercase())) {
        return false;
    }
    if !alpha(primary, 2, 8) {
        return false;
    }
    let mut i = 1;
    let mut extlangs = 0;
    while short && extlangs < 3 && i < tags.len() && alpha(tags[i], 3, 3) {
        i += 1;
        extlangs += 1;
    }
    if i < tags.len() && alpha(tags[i], 4, 4) {
        i += 1;
    }
    if i < tags.len()
        && (alpha(tags[i], 2, 2)
            || (tags[i].len() == 3 && tags[i].bytes().all(|b| b.is_ascii_digit())))
    {
        i += 1;
    }
    let mut variants: Vec<String> = Vec::new();
    while i < tags.len() && is_variant(tags[i]) {
        let v = tags[i].to_ascii_lowercase();
        if strict && variants.contains(&v) {
            return false;
        }
        variants.push(v);
        i += 1;
    }
    let mut singletons: Vec<u8> = Vec::new();
    while i < tags.len() && tags[i].len() == 1 && tags[i].as_bytes()[0].is_ascii_alphanumeric() {
        let c = tags[i].as_bytes()[0].to_ascii_lowercase();
        if c == b'x' {
            return is_private_use(&tags[i + 1..]);
        }
        if strict && singletons.contains(&c) {
            return false;
        }
        singletons.push(c);
        i += 1;
        let start = i;
        while i < tags.len() && alnum(tags[i], 2, 8) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    i == tags.len()
}
