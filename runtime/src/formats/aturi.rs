//! The `at-uri` format, in the reference's strict mode.

use super::ident::{class, did_prefix, handle_prefix, nsid_prefix, record_key_prefix};

/// Characters allowed anywhere in an AT-URI, as a lookup table.
const URI_CHARS: [bool; 256] = class(b"._~:@!$&'()*+,;=%/\\[]#?-");

fn is_uri_char(b: u8) -> bool {
    URI_CHARS[b as usize]
}

/// Characters allowed in the fragment (a JSON pointer).
fn is_pointer_char(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'.' | b'_'
                | b'~'
                | b':'
                | b'@'
                | b'!'
                | b'$'
                | b'&'
                | b'\''
                | b')'
                | b'('
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b'%'
                | b'['
                | b']'
                | b'/'
                | b'-'
        )
}

/// Whether percent-decoding succeeds and yields UTF-8 (what `decodeURIComponent` accepts).
fn percent_decodes(s: &str) -> bool {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = |c: u8| (c as char).to_digit(16);
            match (
                b.get(i + 1).and_then(|c| hex(*c)),
                b.get(i + 2).and_then(|c| hex(*c)),
            ) {
                (Some(h), Some(l)) => out.push((h * 16 + l) as u8),
                _ => return false,
            }
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    std::str::from_utf8(&out).is_ok()
}

/// `at-uri` (strict): at most 8,192 characters from the allowed set; `at://` authority (DID or
/// handle), optionally `/collection` (NSID) and `/rkey` (record key); no trailing slash, no query;
/// an optional `#` fragment that is a JSON pointer with valid percent-encoding.
pub fn is_valid_at_uri(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() > 8192 || !b.starts_with(b"at://") {
        return false;
    }
    // One pass: each part runs to the first byte its format cannot hold, and must be followed
    // by the end, the `/` before the next part, or the `#` of the fragment. The characters of
    // every part are all AT-URI characters, so the path needs no scan of its own: any other
    // character (`?` among them) ends a part where no delimiter is.
    let rest = &b[5..];
    let authority = if rest.starts_with(b"did:") {
        did_prefix(rest)
    } else {
        handle_prefix(rest)
    };
    let Some(mut pos) = authority else {
        return false;
    };
    if rest.get(pos) == Some(&b'/') {
        let Some(collection) = nsid_prefix(&rest[pos + 1..]) else {
            return false;
        };
        pos += 1 + collection;
        if rest.get(pos) == Some(&b'/') {
            let Some(rkey) = record_key_prefix(&rest[pos + 1..]) else {
                return false;
            };
            pos += 1 + rkey;
        }
    }
    match rest.get(pos) {
        None => true,
        Some(b'#') => {
            let f = &s[5 + pos + 1..];
            f.starts_with('/')
                && f.bytes().all(|c| is_uri_char(c) && is_pointer_char(c))
                && (!f.contains('%') || percent_decodes(f))
        }
        Some(_) => false,
    }
}
