//! The `at-uri` format, in the reference's strict mode.

use super::ident::{class, is_valid_at_identifier, is_valid_nsid, is_valid_record_key};

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
    let rest = &s[5..];
    // The fragment starts at the first `#`. Before it: the authority, then at most a
    // collection and a record key, split by `/`. Each part is checked by its own format,
    // whose characters are all allowed in an AT-URI, so the path needs no scan of its own:
    // any other character (`?` among them) fails the part it is in.
    let (path, fragment) = match rest.find('#') {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    // `str::split_once` finds a byte with `memchr`.
    let (authority, collection, rkey) = match path.split_once('/') {
        None => (path, None, None),
        Some((authority, tail)) => match tail.split_once('/') {
            None => (authority, Some(tail), None),
            Some((collection, rkey)) => (authority, Some(collection), Some(rkey)),
        },
    };
    if authority.is_empty() || !is_valid_at_identifier(authority) {
        return false;
    }
    if let Some(collection) = collection {
        if collection.is_empty() || !is_valid_nsid(collection) {
            return false;
        }
    }
    if let Some(rkey) = rkey {
        // A third `/` lands in the record key, which refuses it.
        if rkey.is_empty() || !is_valid_record_key(rkey) {
            return false;
        }
    }
    let Some(f) = fragment else {
        return true;
    };
    f.starts_with('/')
        && f.bytes().all(|c| is_uri_char(c) && is_pointer_char(c))
        && (!f.contains('%') || percent_decodes(f))
}
