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
/// The bytes of a domain label (handles, NSID authorities).
const LABEL: [bool; 256] = class(b"-");
/// The bytes of an NSID.
const NSID: [bool; 256] = class(b"-.");
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
    if b.len() > 2048 || !b.starts_with(b"did:") {
        return false;
    }
    let method = b[4..].iter().take_while(|c| c.is_ascii_lowercase()).count();
    let colon = 4 + method;
    if method == 0 || b.get(colon) != Some(&b':') {
        return false;
    }
    let id = &b[colon + 1..];
    let Some(&last) = id.last() else {
        return false;
    };
    all_in(id, &DID_ID) && last != b':' && last != b'%'
}

/// `handle`: two or more domain labels (1 to 63 of `A-Za-z0-9-`, not starting or ending with
/// `-`), the last starting with a letter; at most 253 characters.
pub fn is_valid_handle(s: &str) -> bool {
    let b = s.as_bytes();
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
    let b = s.as_bytes();
    if b.len() < 5 || b.len() > 317 || !b[0].is_ascii_alphabetic() || !all_in(b, &NSID) {
        return false;
    }
    // Letters, digits, `-` and `.` only; after the last `.` comes the name.
    let Some(dot) = b.iter().rposition(|&c| c == b'.') else {
        return false;
    };
    let name = &b[dot + 1..];
    if !(1..=63).contains(&name.len()) || !name[0].is_ascii_alphabetic() || name.contains(&b'-') {
        return false;
    }
    let mut labels = 0;
    for label in b[..dot].split(|&c| c == b'.') {
        let len = label.len();
        if len == 0 || len > 63 || label[0] == b'-' || label[len - 1] == b'-' {
            return false;
        }
        labels += 1;
    }
    labels >= 2
}

/// `record-key`: 1 to 512 of `A-Za-z0-9_~.:-`, and not `.` or `..`.
pub fn is_valid_record_key(s: &str) -> bool {
    (1..=512).contains(&s.len()) && s != "." && s != ".." && all_in(s.as_bytes(), &RECORD_KEY)
}

/// `tid`: 13 characters, the first from `2-7a-j`, the rest from `2-7a-z`.
pub fn is_valid_tid(s: &str) -> bool {
    let b = s.as_bytes();
    let sortable = |c: &u8| matches!(c, b'2'..=b'7' | b'a'..=b'z');
    b.len() == 13 && matches!(b[0], b'2'..=b'7' | b'a'..=b'j') && b[1..].iter().all(sortable)
}
