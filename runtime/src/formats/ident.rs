//! Identifier formats: `did`, `handle`, `at-identifier`, `nsid`, `record-key`, `tid`.

/// `did`: `^did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]$`, at most 2,048 characters.
pub fn is_valid_did(s: &str) -> bool {
    if s.len() > 2048 {
        return false;
    }
    let Some(rest) = s.strip_prefix("did:") else {
        return false;
    };
    let Some((method, id)) = rest.split_once(':') else {
        return false;
    };
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_lowercase()) {
        return false;
    }
    let Some(&last) = id.as_bytes().last() else {
        return false;
    };
    let allowed =
        |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'%' | b'-');
    id.bytes().all(allowed) && last != b':' && last != b'%'
}

/// One handle label: 1 to 63 of `A-Za-z0-9-`, not starting or ending with `-`.
fn is_domain_label(label: &[u8]) -> bool {
    (1..=63).contains(&label.len())
        && label
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        && label[0] != b'-'
        && label[label.len() - 1] != b'-'
}

/// `handle`: two or more domain labels, the last starting with a letter; at most 253 characters.
pub fn is_valid_handle(s: &str) -> bool {
    if s.len() > 253 {
        return false;
    }
    let mut count = 0;
    let mut last: &[u8] = &[];
    for label in s.as_bytes().split(|b| *b == b'.') {
        if !is_domain_label(label) {
            return false;
        }
        count += 1;
        last = label;
    }
    count >= 2 && last[0].is_ascii_alphabetic()
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
    if b.len() < 5 || b.len() > 317 || !b[0].is_ascii_alphabetic() {
        return false;
    }
    // One pass: characters are letters, digits, `-` and `.`; each `.` closes a domain label
    // (1 to 63 long, no `-` at either end); after the last `.` comes the name.
    let (mut start, mut labels, mut name_has_hyphen) = (0, 0, false);
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'.' => {
                let len = i - start;
                if len == 0 || len > 63 || b[start] == b'-' || b[i - 1] == b'-' {
                    return false;
                }
                labels += 1;
                start = i + 1;
                name_has_hyphen = false;
            }
            b'-' => name_has_hyphen = true,
            c if c.is_ascii_alphanumeric() => {}
            _ => return false,
        }
    }
    let name = &b[start..];
    labels >= 2
        && (1..=63).contains(&name.len())
        && name[0].is_ascii_alphabetic()
        && !name_has_hyphen
}

/// `record-key`: 1 to 512 of `A-Za-z0-9_~.:-`, and not `.` or `..`.
pub fn is_valid_record_key(s: &str) -> bool {
    (1..=512).contains(&s.len())
        && s != "."
        && s != ".."
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'~' | b'.' | b':' | b'-'))
}

/// `tid`: 13 characters, the first from `2-7a-j`, the rest from `2-7a-z`.
pub fn is_valid_tid(s: &str) -> bool {
    let b = s.as_bytes();
    let sortable = |c: &u8| matches!(c, b'2'..=b'7' | b'a'..=b'z');
    b.len() == 13 && matches!(b[0], b'2'..=b'7' | b'a'..=b'j') && b[1..].iter().all(sortable)
}
