//! The `uri` format.

/// Whitespace as JavaScript's `\s` class defines it (which differs from `char::is_whitespace`:
/// it includes U+FEFF and excludes U+0085).
pub(crate) fn is_js_whitespace(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r' | ' ' | '\u{A0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200A}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202F}'
                | '\u{205F}'
                | '\u{3000}'
                | '\u{FEFF}'
    )
}

/// `uri`: `^\w+:(?:\/\/)?[^\s/][^\s]*$` (a scheme of `A-Za-z0-9_`, `:`, optional `//`, then a
/// first character that is neither whitespace nor `/`). No length limit, as in the reference.
pub fn is_valid_uri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    if scheme.is_empty()
        || !scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return false;
    }
    // ASCII bytes are checked as bytes; characters are decoded only when there are others.
    let ascii_space = |b: &u8| matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ');
    if rest.is_ascii() {
        if rest.as_bytes().iter().any(ascii_space) {
            return false;
        }
    } else if rest.chars().any(is_js_whitespace) {
        return false;
    }
    // `(?://)?[^\s/]`: with backtracking, `//x` matches via the optional group and `/x` never does.
    let after = rest.strip_prefix("//").unwrap_or(rest);
    match after.chars().next() {
        Some('/') => false,
        Some(_) => true,
        // `scheme://` alone: the optional group can give back its slashes, but `/` is refused.
        None => false,
    }
}
