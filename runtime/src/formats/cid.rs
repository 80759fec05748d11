//! The `cid` string format: what `CID.parse` accepts and prints back unchanged.

/// Decoded bytes on the stack: a CID string is at most 128 characters.
struct Decoded {
    buf: [u8; 128],
    len: usize,
}

impl Decoded {
    fn push(&mut self, b: u8) -> Option<()> {
        *self.buf.get_mut(self.len)? = b;
        self.len += 1;
        Some(())
    }
}

impl std::ops::Deref for Decoded {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// The value of each base32 digit (`a-z2-7`), 0xFF for other bytes.
const BASE32: [u8; 256] = {
    let mut table = [0xFF; 256];
    let mut i = 0;
    while i < 26 {
        table[b'a' as usize + i] = i as u8;
        i += 1;
    }
    let mut j = 0;
    while j < 6 {
        table[b'2' as usize + j] = 26 + j as u8;
        j += 1;
    }
    table
};

/// Decodes unpadded (or `=`-padded) lower-case RFC 4648 base32, refusing non-zero trailing bits.
fn base32_decode(s: &str) -> Option<Decoded> {
    let s = s.trim_end_matches('=').as_bytes();
    let mut out = Decoded {
        buf: [0; 128],
        len: 0,
    };
    // Eight digits are five whole bytes; an invalid digit sets the high bit of `bad`.
    let chunks = s.chunks_exact(8);
    let rest = chunks.remainder();
    let mut bad = 0u8;
    for chunk in chunks {
        let mut acc = 0u64;
        for &c in chunk {
            let v = BASE32[c as usize];
            bad |= v;
            acc = acc << 5 | u64::from(v & 31);
        }
        out.buf
            .get_mut(out.len..out.len + 5)?
            .copy_from_slice(&acc.to_be_bytes()[3..]);
        out.len += 5;
    }
    if bad & 0x80 != 0 {
        return None;
    }
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &c in rest {
        let v = BASE32[c as usize];
        if v == 0xFF {
            return None;
        }
        buffer = (buffer << 5 | u32::from(v)) & 0xFFFF;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8)?;
        }
    }
    if bits >= 5 || (buffer << (8 - bits)) & 0xFF != 0 {
        return None;
    }
    Some(out)
}

/// Decodes a base-x string (base58btc, base36): leading "zero" digits become zero bytes.
fn basex_decode(s: &str, alphabet: &[u8]) -> Option<Vec<u8>> {
    let base = alphabet.len() as u32;
    let zeroes = s.bytes().take_while(|b| *b == alphabet[0]).count();
    let mut num: Vec<u8> = Vec::new(); // big-endian base 256
    for c in s.bytes().skip(zeroes) {
        let mut carry = alphabet.iter().position(|a| *a == c)? as u32;
        for digit in num.iter_mut().rev() {
            carry += u32::from(*digit) * base;
            *digit = (carry & 0xFF) as u8;
            carry >>= 8;
        }
        while carry > 0 {
            num.insert(0, (carry & 0xFF) as u8);
            carry >>= 8;
        }
    }
    let mut out = vec![0u8; zeroes];
    out.extend(num);
    Some(out)
}

const BASE58: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const BASE36: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// Reads one unsigned LEB128 varint of at most 9 bytes.
fn read_varint(bytes: &[u8], pos: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    for shift in 0..9 {
        let b = *bytes.get(*pos)?;
        *pos += 1;
        value |= u64::from(b & 0x7F) << (7 * shift);
        if b & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// The CID version and codec that `bytes` encode exactly (no bytes left over), if they are a CID.
fn cid_header(bytes: &[u8]) -> Option<(u64, u64)> {
    const DAG_PB: u64 = 0x70;
    let mut pos = 0;
    let first = read_varint(bytes, &mut pos)?;
    let (version, codec) = if first == 0x12 {
        // CIDv0: the bytes are a bare sha2-256 multihash.
        pos = 0;
        (0, DAG_PB)
    } else {
        let codec = read_varint(bytes, &mut pos)?;
        match first {
            0 if codec == DAG_PB => (0, codec),
            1 => (1, codec),
            _ => return None,
        }
    };
    let _hash_code = read_varint(bytes, &mut pos)?;
    let digest_len = usize::try_from(read_varint(bytes, &mut pos)?).ok()?;
    (bytes.len().checked_sub(pos)? == digest_len).then_some((version, codec))
}

/// The version and codec of the CID whose bytes `digits` encode in base32. Only the first
/// eight digits (five bytes) are decoded when they hold the whole header, as they do for every
/// CIDv1 whose varints are one byte each (sha2-256 of dag-cbor or raw data among them): the
/// other digits need only be base32 digits, with no bits set past the last whole byte.
fn base32_cid_header(digits: &str) -> Option<(u64, u64)> {
    let digits = digits.trim_end_matches('=');
    let d = digits.as_bytes();
    if d.len() < 8 {
        return cid_header(&base32_decode(digits)?);
    }
    let bad = d.iter().fold(0, |bad, &c| bad | BASE32[c as usize]);
    let bits = d.len() * 5 % 8;
    let last = BASE32[d[d.len() - 1] as usize];
    if bad & 0x80 != 0 || bits >= 5 || last & ((1 << bits) - 1) != 0 {
        return None;
    }
    let head = d[..8]
        .iter()
        .fold(0u64, |acc, &c| acc << 5 | u64::from(BASE32[c as usize]));
    let [version, codec, hash, digest_len] = [32, 24, 16, 8].map(|shift| (head >> shift) as u8);
    if version == 1 && (codec | hash | digest_len) & 0x80 == 0 {
        let len = d.len() * 5 / 8;
        return (len == 4 + usize::from(digest_len)).then_some((1, u64::from(codec)));
    }
    cid_header(&base32_decode(digits)?)
}

/// What `CID.parse` reads from a string: version and codec. Accepts CIDv0 (`Q...`) and CIDv1 in
/// base32 (`b`), base36 (`k`) and base58btc (`z`), at most 128 characters.
pub fn parse_cid(s: &str) -> Option<(u64, u64)> {
    if s.len() > 128 {
        return None;
    }
    let (version, codec) = match s.as_bytes().first()? {
        b'b' => base32_cid_header(&s[1..])?,
        b'k' => cid_header(&basex_decode(&s[1..], BASE36)?)?,
        b'z' => cid_header(&basex_decode(&s[1..], BASE58)?)?,
        b'Q' => cid_header(&basex_decode(s, BASE58)?)?,
        _ => return None,
    };
    // A CIDv0 is only ever written bare, starting with `Q`.
    (version == 1 || s.starts_with('Q')).then_some((version, codec))
}

/// `cid`: at most 128 characters; a CIDv1 in base32 (`b` prefix) or a CIDv0 (`Q...`, base58btc).
/// Other multibase forms parse in the reference but print back differently, so they fail.
pub fn is_valid_cid(s: &str) -> bool {
    if s.len() > 128 {
        return false;
    }
    match s.as_bytes().first() {
        Some(b'b') => base32_cid_header(&s[1..]).map(|(version, _)| version) == Some(1),
        Some(b'Q') => {
            basex_decode(s, BASE58)
                .and_then(|b| cid_header(&b))
                .map(|(version, _)| version)
                == Some(0)
        }
        _ => false,
    }
}
