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
    let b = s.as_bytes();
    if b.len() > 8192 || !b.starts_with(b"at://") {
        return false;
    }
    // One pass over the rest: allowed characters only, up to two `/`, no `?`, then a `#`
    // fragment or the end. Every byte checked is ASCII, so slicing `s` at them is safe.
    let rest = &s[5..];
    let (mut slashes, mut count, mut end) = ([0usize; 2], 0, rest.len());
    for (i, &c) in rest.as_bytes().iter().enumerate() {
        if !is_uri_char(c) {
            return false;
        }
        match c {
            b'?' => return false,
            b'#' => {
                end = i;
                break;
            }
            b'/' if count == 2 => return false,
            b'/' => {
                slashes[count] = i;
                count += 1;
            }
            _ => {}
        }
    }
    let authority = &rest[..if count > 0 { slashes[0] } else { end }];
    if authority.is_empty() || !is_valid_at_identifier(authority) {
        return false;
    }
    if count >= 1 {
        let collection = &rest[slashes[0] + 1..if count == 2 { slashes[1] } else { end }];
        if collection.is_empty() || !is_valid_nsid(collection) {
            return false;
        }
    }
    if count == 2 {
        let rkey = &rest[slashes[1] + 1..end];
        if rkey.is_empty() || !is_valid_record_key(rkey) {
            return false;
        }
    }
    if end == rest.len() {
        return true;
    }
    let f = &rest[end + 1..];
    f.starts_with('/')
        && f.bytes().all(|c| is_uri_char(c) && is_pointer_char(c))
        && (!f.contains('%') || percent_decodes(f))
}
