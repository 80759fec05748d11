//! Source positions: where a JSON pointer lands in a document's text, as line and column.

/// The 1-based line and column (in characters) of the value at `pointer` in `text`, and that
/// line's text. The whole document for an empty pointer.
pub fn locate(text: &str, pointer: &str) -> Option<(usize, usize, String)> {
    let segments: Vec<String> = if pointer.is_empty() {
        Vec::new()
    } else {
        pointer
            .strip_prefix('/')?
            .split('/')
            .map(|s| s.replace("~1", "/").replace("~0", "~"))
            .collect()
    };
    let offset = find(text.as_bytes(), 0, &segments)?;
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..offset].chars().count() + 1;
    let line_text = text[line_start..].lines().next().unwrap_or("").to_owned();
    Some((line, column, line_text))
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// The index just past the string starting at `i` (which holds `"`).
fn string_end(b: &[u8], mut i: usize) -> Option<usize> {
    i += 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// The index just past the value starting at `i`.
fn value_end(b: &[u8], i: usize) -> Option<usize> {
    match *b.get(i)? {
        b'"' => string_end(b, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            while j < b.len() {
                match b[j] {
                    b'"' => {
                        j = string_end(b, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            None
        }
        _ => {
            let mut j = i;
            while j < b.len() && !matches!(b[j], b',' | b'}' | b']') && !b[j].is_ascii_whitespace()
            {
                j += 1;
            }
            Some(j)
        }
    }
}

fn find(b: &[u8], i: usize, segments: &[String]) -> Option<usize> {
    let i = skip_ws(b, i);
    let Some((seg, rest)) = segments.split_first() else {
        return Some(i);
    };
    match *b.get(i)? {
        b'{' => {
            let mut j = skip_ws(b, i + 1);
            while b.get(j) == Some(&b'"') {
                let key_end = string_end(b, j)?;
                let key: String = serde_json::from_slice(&b[j..key_end]).ok()?;
                let colon = skip_ws(b, key_end);
                let value = skip_ws(b, colon + 1);
                if &key == seg {
                    return find(b, value, rest);
                }
                j = skip_ws(b, value_end(b, value)?);
                if b.get(j) == Some(&b',') {
                    j = skip_ws(b, j + 1);
                }
            }
            None
        }
        b'[' => {
            let index: usize = seg.parse().ok()?;
            let mut j = skip_ws(b, i + 1);
            for _ in 0..index {
                j = skip_ws(b, value_end(b, j)?);
                if b.get(j) != Some(&b',') {
                    return None;
                }
                j = skip_ws(b, j + 1);
            }
            find(b, j, rest)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::locate;

    #[test]
    fn finds_values_by_pointer() {
        let text = "{\n  \"defs\": {\n    \"main\": { \"type\": \"ref\", \"ref\": \"#mony\" },\n    \"a/b\": [1, {\"x\": 2}]\n  }\n}";
        assert_eq!(
            locate(text, "/defs/main/ref").map(|(l, c, _)| (l, c)),
            Some((3, 37))
        );
        assert_eq!(
            locate(text, "/defs/a~1b/1/x").map(|(l, c, _)| (l, c)),
            Some((4, 22))
        );
        assert_eq!(locate(text, "").map(|(l, c, _)| (l, c)), Some((1, 1)));
        assert_eq!(locate(text, "/defs/nope"), None);
        assert_eq!(
            locate(text, "/defs/main/ref").unwrap().2,
            "    \"main\": { \"type\": \"ref\", \"ref\": \"#mony\" },"
        );
    }
}
