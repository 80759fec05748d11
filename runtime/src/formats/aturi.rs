//! The `at-uri` format, in the reference's strict mode.

use super::ident::{is_valid_at_identifier, is_valid_nsid, is_valid_record_key};

/// Characters allowed anywhere in an AT-URI.
fn is_uri_char(b: u8) -> bool {
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
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b'%'
                | b'/'
                | b'\\'
                | b'['
                | b']'
                | b'#'
                | b'?'
                | b'-'
        )
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
    let segments: Vec<&str> = path.split('/').collect();
    if segments.len() > 3 || segments.iter().any(|s| s.is_empty()) {
        return false;
    }
    if !is_valid_at_identifier(segments[0]) {
        return false;
    }
    if segments.len() > 1 && !is_valid_nsid(segments[1]) {
        return false;
    }
    if segments.len() > 2 && !is_valid_record_key(segments[2]) {
        return false;
    }
    match fragment {
        None => true,
        Some(f) => f.starts_with('/') && f.bytes().all(is_pointer_char) && percent_decodes(f),
    }
}
