//! Identifier formats: `did`, `handle`, `at-identifier`, `nsid`, `record-key`, `tid`.

/// A byte class as a lookup table: ASCII letters and digits, and the bytes of `extra`.
pub(super) const fn class(extra: &[u8]) -> [bool; 256] {
    let mut table = [false; 256];
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
}

/// The bytes of a DID's method-specific identifier.
const DID_ID: [bool; 256] = class(b"._:%-");
/// ASCII letters and digits.
const ALNUM: [bool; 256] = class(b"");
/// The bytes of a domain label (handles, NSID authorities).
const LABEL: [bool; 256] = class(b"-");
/// The bytes of a record key.
const RECORD_KEY: [bool; 256] = class(b"_~.:-");

/// Whether every byte of `b` is in `class`.
#[inline]
fn all_in(b: &[u8], class: &[bool; 256]) -> bool {
    // Without early exit the loop has no branch per byte.
    b.iter().fold(true, |ok, &c| ok & class[c as usize])
}

/// `did`: `^did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]$`, at most 2,048 characters.
pub fn is_valid_did(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(id) = did_id(b) else {
        return false;
    };
    all_in(id, &DID_ID) && did_prefix_end(b.len(), id)
}

/// The method-specific identifier of `b`, which starts with `did:`, a method and `:`; the
/// identifier is what follows (checked by the caller).
#[inline]
fn did_id(b: &[u8]) -> Option<&[u8]> {
    if !b.starts_with(b"did:") {
        return None;
    }
    let method = b[4..].iter().take_while(|c| c.is_ascii_lowercase()).count();
    let colon = 4 + method;
    (method > 0 && b.get(colon) == Some(&b':')).then(|| &b[colon + 1..])
}

/// Whether a DID of `len` bytes ending with identifier `id` (all DID characters) is valid:
/// not too long, the identifier not empty and not ending in `:` or `%`.
#[inline]
fn did_prefix_end(len: usize, id: &[u8]) -> bool {
    len <= 2048 && id.last().is_some_and(|&last| last != b':' && last != b'%')
}

/// The length of the DID at the start of `b`, which runs to the first byte a DID cannot hold
/// (the `/` or `#` after an AT-URI's authority), if that prefix is a valid DID.
pub(super) fn did_prefix(b: &[u8]) -> Option<usize> {
    let id = did_id(b)?;
    let start = b.len() - id.len();
    let id_len = id.iter().take_while(|&&c| DID_ID[c as usize]).count();
    let end = start + id_len;
    did_prefix_end(end, &b[start..end]).then_some(end)
}

/// `handle`: two or more domain labels (1 to 63 of `A-Za-z0-9-`, not starting or ending with
/// `-`), the last starting with a letter; at most 253 characters.
pub fn is_valid_handle(s: &str) -> bool {
    is_handle(s.as_bytes())
}

/// [`is_valid_handle`] of bytes.
fn is_handle(b: &[u8]) -> bool {
    if b.len() > 253 {
        return false;
    }
    // One pass: each `.` (and the end) closes a label.
    let (mut start, mut labels) = (0, 0);
    for i in 0..=b.len() {
        match b.get(i) {
            Some(b'.') | None => {
                let len = i - start;
                if len == 0 || len > 63 || b[start] == b'-' || b[i - 1] == b'-' {
                    return false;
                }
                labels += 1;
                if i < b.len() {
                    start = i + 1;
                }
            }
            Some(&c) if LABEL[c as usize] => {}
            Some(_) => return false,
        }
    }
    labels >= 2 && b[start].is_ascii_alphabetic()
}

/// `at-identifier`: a DID when it starts with `did:`, otherwise a handle.
pub fn is_valid_at_identifier(s: &str) -> bool {
    if s.starts_with("did:") {
        is_valid_did(s)
    } else {
        is_valid_handle(s)
    }
}

/// `nsid`: 5 to 317 characters; three or more segments; a first segment starting with a letter,
/// middle segments like domain labels, and a name of a letter followed by up to 62 letters or digits.
pub fn is_valid_nsid(s: &str) -> bool {
    nsid_prefix(s.as_bytes()) == Some(s.len())
}

/// The length of the NSID at the start of `b`, which runs to the first byte an NSID cannot hold
/// (the `/` or `#` after an AT-URI's collection), if that prefix is a valid NSID. One pass:
/// each `.` closes a domain label; what follows the last one is the name.
pub(super) fn nsid_prefix(b: &[u8]) -> Option<usize> {
    // Where the current segment starts, how many segments are closed, whether the current
    // one has a `-` (which a name may not).
    let (mut start, mut labels, mut dash) = (0, 0, false);
    let mut end = 0;
    loop {
        // A run of letters and digits, then what ends it.
        end += b[end..].iter().take_while(|&&c| ALNUM[c as usize]).count();
        match b.get(end) {
            Some(b'-') => dash = true,
            Some(b'.') => {
                let len = end - start;
                if len == 0 || len > 63 || b[start] == b'-' || b[end - 1] == b'-' {
                    return None;
                }
                labels += 1;
                start = end + 1;
                dash = false;
            }
            _ => break,
        }
        end += 1;
    }
    let name = &b[start..end];
    let valid = (5..=317).contains(&end)
        && b[0].is_ascii_alphabetic()
        && labels >= 2
        && (1..=63).contains(&name.len())
        && name[0].is_ascii_alphabetic()
        && !dash;
    valid.then_some(end)
}

/// `record-key`: 1 to 512 of `A-Za-z0-9_~.:-`, and not `.` or `..`.
pub fn is_valid_record_key(s: &str) -> bool {
    all_in(s.as_bytes(), &RECORD_KEY) && record_key_fits(s.as_bytes())
}

/// Whether record-key characters `b` are a record key: 1 to 512 of them, not `.` or `..`.
#[inline]
fn record_key_fits(b: &[u8]) -> bool {
    (1..=512).contains(&b.len()) && b != b"." && b != b".."
}

/// The length of the record key at the start of `b`, which runs to the first byte a record
/// key cannot hold (the `#` of an AT-URI's fragment), if that prefix is a valid record key.
pub(super) fn record_key_prefix(b: &[u8]) -> Option<usize> {
    let end = b.iter().take_while(|&&c| RECORD_KEY[c as usize]).count();
    record_key_fits(&b[..end]).then_some(end)
}

/// The length of the handle at the start of `b`, which runs to the first byte a handle cannot
/// hold (the `/` or `#` after an AT-URI's authority), if that prefix is a valid handle.
pub(super) fn handle_prefix(b: &[u8]) -> Option<usize> {
    let end = b
        .iter()
        .take_while(|&&c| LABEL[c as usize] || c == b'.')
        .count();
    is_handle(&b[..end]).then_some(end)
}

/// `tid`: 13 characters, the first from `2-7a-j`, the rest from `2-7a-z`.
pub fn is_valid_tid(s: &str) -> bool {
    let b = s.as_bytes();
    let sortable = |c: &u8| matches!(c, b'2'..=b'7' | b'a'..=b'z');
    b.len() == 13 && matches!(b[0], b'2'..=b'7' | b'a'..=b'j') && b[1..].iter().all(sortable)
}
