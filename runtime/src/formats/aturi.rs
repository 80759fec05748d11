//! The `at-uri` format, in the reference's strict mode.

use super::ident::{is_valid_at_identifier, is_valid_nsid, is_valid_record_key};

/// Characters allowed anywhere in an AT-URI, as a lookup table.
const URI_CHARS: [bool; 256] = {
    let mut table = [false; 256];
    let extra = b"._~:@!$&'()*+,;=%/\\[]#?-";
    let mut i = 0;
    while i < 256 {
        table[i] = (i as u8).is_ascii_alphanumeric();
        i += 1;
    }
    let mut j = 0;
    while j < extra.len() {
        table[extra[j] as usize] = true;
        j += 1;
    }
    table
};

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
    if s.len() > 8192 || !s.bytes().all(is_uri_char) {
        return false;
    }
    let Some(rest) = s.strip_prefix("at://") else {
        return false;
    };
    let (path, fragment) = match rest.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (rest, None),
    };
    if path.contains('?') {
        return false;
    }
    let mut segments = path.split('/');
    let authority = segments.next().unwrap_or("");
    if authority.is_empty() || !is_valid_at_identifier(authority) {
        return false;
    }
    if let Some(collection) = segments.next() {
        if collection.is_empty() || !is_valid_nsid(collection) {
            return false;
        }
    }
    if let Some(rkey) = segments.next() {
        if rkey.is_empty() || !is_valid_record_key(rkey) {
            return false;
        }
    }
    if segments.next().is_some() {
        return false;
    }
    match fragment {
        None => true,
        Some(f) => {
            f.starts_with('/')
                && f.bytes().all(is_pointer_char)
                && (!f.contains('%') || percent_decodes(f))
        }
    }
}
