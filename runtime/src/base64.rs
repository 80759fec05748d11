//! `$bytes` base64, decoded as the reference does on Node (lenient about padding and alphabet,
//! strict about length and stray characters).

const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn sextet(c: u16) -> Option<u32> {
    let c = u8::try_from(c).ok()?;
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' | b'-' => 62,
        b'/' | b'_' => 63,
        _ => return None,
    } as u32)
}

/// Decodes `s`: what Node's `Buffer.from(s, "base64")` yields, accepted only when it passes the
/// reference's `verifyBase64ForBytes` length and character checks.
pub fn decode(s: &str) -> Option<Vec<u8>> {
    let units: Vec<u16> = s.encode_utf16().collect();
    // Node skips characters outside both alphabets and stops at the first `=`.
    let mut out = Vec::with_capacity(units.len() * 3 / 4);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &c in &units {
        if c == u16::from(b'=') {
            break;
        }
        if let Some(v) = sextet(c) {
            buffer = (buffer << 6 | v) & 0xFFFF;
            bits += 6;
            if bits >= 8 {
                bits -= 8;
                out.push((buffer >> bits) as u8);
            }
        }
    }
    let padding = if s.ends_with("==") {
        2
    } else if s.ends_with('=') {
        1
    } else {
        0
    };
    let trimmed = units.len() - padding;
    if out.len() != trimmed * 3 / 4 {
        return None;
    }
    let expected_b64 = out.len() as f64 / 3.0 * 4.0;
    let expected_pad = if expected_b64 % 4.0 == 0.0 {
        0.0
    } else {
        4.0 - expected_b64 % 4.0
    };
    if units.len() as f64 > expected_b64 + expected_pad {
        return None;
    }
    let start = expected_b64.ceil() as usize;
    let standard = |c: u16| u8::try_from(c).is_ok_and(|c| STANDARD.contains(&c));
    if (start..trimmed).any(|i| !standard(units[i])) {
        return None;
    }
    Some(out)
}

/// Encodes standard base64 without padding, as atproto JSON writes `$bytes`.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n =
            chunk.iter().fold(0u32, |acc, b| acc << 8 | u32::from(*b)) << (8 * (3 - chunk.len()));
        for i in 0..=chunk.len() {
            out.push(STANDARD[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{decode, encode};

    #[test]
    fn decodes_like_the_reference() {
        assert_eq!(decode("aGVsbG8").as_deref(), Some(&b"hello"[..]));
        assert_eq!(decode("aGVsbG8=").as_deref(), Some(&b"hello"[..]));
        assert_eq!(decode("aGVsbG8=="), None, "wrong padding");
        assert_eq!(
            decode("12").map(|b| b.len()),
            Some(1),
            "non-zero trailing bits pass"
        );
        assert_eq!(decode("123").map(|b| b.len()), Some(2));
        assert_eq!(decode("aGVsb"), None, "one leftover character");
        assert_eq!(decode("aGVs bG8"), None, "whitespace");
        assert_eq!(decode("").as_deref(), Some(&b""[..]));
        assert_eq!(
            decode("-_-_").map(|b| b.len()),
            Some(3),
            "url-safe alphabet"
        );
    }

    #[test]
    fn encodes_unpadded() {
        assert_eq!(encode(b"hello"), "aGVsbG8");
        assert_eq!(encode(b""), "");
        assert_eq!(
            decode(&encode(&[0, 1, 2, 254, 255])).unwrap(),
            vec![0, 1, 2, 254, 255]
        );
    }
}
