//! Sorted-key canonical JSON: UTF-8, no whitespace, object keys sorted by code point, strings
//! escaped in their shortest form (`\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, and `\u00xx` for
//! the other control characters; everything else written as it is), integers only. It is not
//! RFC 8785 (JCS): cocore signs over this stricter subset.

use serde_json::Value;

/// Why a value has no canonical form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CanonicalError {
    /// A number that is not an integer (signed records hold none).
    #[error("{path}: {number} is not an integer; signed records hold integers only")]
    NotAnInteger {
        /// Where, as a JSON path.
        path: String,
        /// The number as written.
        number: String,
    },
}

/// The canonical bytes of `value`.
pub fn to_bytes(value: &Value) -> Result<Vec<u8>, CanonicalError> {
    let mut out = Vec::new();
    write(&mut out, value, &mut String::from("$"))?;
    Ok(out)
}

fn write(out: &mut Vec<u8>, value: &Value, path: &mut String) -> Result<(), CanonicalError> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => out.extend_from_slice(i.to_string().as_bytes()),
            (None, Some(u)) => out.extend_from_slice(u.to_string().as_bytes()),
            (None, None) => {
                return Err(CanonicalError::NotAnInteger {
                    path: path.clone(),
                    number: n.to_string(),
                })
            }
        },
        Value::String(s) => string(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                write(out, item, path)?;
                path.truncate(len);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            // `String`'s order is byte order, which for UTF-8 is code point order.
            keys.sort();
            out.push(b'{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                string(out, key);
                out.push(b':');
                let len = path.len();
                path.push('.');
                path.push_str(key);
                write(out, &map[key], path)?;
                path.truncate(len);
            }
            out.push(b'}');
        }
    }
    Ok(())
}

fn string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\u{8}' => out.extend_from_slice(b"\\b"),
            '\u{c}' => out.extend_from_slice(b"\\f"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            c if (c as u32) < 0x20 => {
                out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes())
            }
            c => out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn text(value: Value) -> String {
        String::from_utf8(to_bytes(&value).unwrap()).unwrap()
    }

    // The golden values of cocore's `packages/sdk/src/canonical.test.ts`, which its Rust
    // provider's `canonical.rs` tests pin too.
    #[test]
    fn it_writes_what_cocore_signs() {
        assert_eq!(text(json!(null)), "null");
        assert_eq!(text(json!(true)), "true");
        assert_eq!(text(json!(-1)), "-1");
        assert_eq!(text(json!("")), "\"\"");
        assert_eq!(
            text(json!({ "b": 1, "a": 2, "c": 3 })),
            r#"{"a":2,"b":1,"c":3}"#
        );
        assert_eq!(
            text(json!({ "outer": { "z": 1, "a": 2 } })),
            r#"{"outer":{"a":2,"z":1}}"#
        );
        assert_eq!(text(json!([3, 1, 2])), "[3,1,2]");
        assert_eq!(
            text(json!({ "a": [1, 2, { "b": 3 }] })),
            r#"{"a":[1,2,{"b":3}]}"#
        );
        assert_eq!(text(json!("\"")), r#""\"""#);
        assert_eq!(text(json!("\\")), r#""\\""#);
        assert_eq!(text(json!("\n\t")), r#""\n\t""#);
        assert_eq!(text(json!("\u{1}")), r#""\u0001""#);
        assert_eq!(
            to_bytes(&json!("café")).unwrap(),
            [0x22, 0x63, 0x61, 0x66, 0xc3, 0xa9, 0x22]
        );
        let receipt = json!({
            "model": "llama-3.1-70b",
            "tokens": { "in": 32, "out": 128 },
            "price": { "amount": 12, "currency": "USD" },
            "startedAt": "2026-05-07T12:00:00Z",
            "completedAt": "2026-05-07T12:00:03Z",
            "inputCommitment": "aa",
            "outputCommitment": "bb",
            "requester": "did:plc:requester",
        });
        assert_eq!(
            text(receipt),
            concat!(
                r#"{"completedAt":"2026-05-07T12:00:03Z","inputCommitment":"aa","#,
                r#""model":"llama-3.1-70b","outputCommitment":"bb","#,
                r#""price":{"amount":12,"currency":"USD"},"requester":"did:plc:requester","#,
                r#""startedAt":"2026-05-07T12:00:00Z","tokens":{"in":32,"out":128}}"#
            )
        );
    }

    #[test]
    fn keys_sort_by_code_point_and_large_integers_are_written_whole() {
        assert_eq!(
            text(json!({ "é": 1, "z": 2, "Z": 3 })),
            r#"{"Z":3,"z":2,"é":1}"#
        );
        assert_eq!(text(json!(u64::MAX)), "18446744073709551615");
    }

    #[test]
    fn a_float_is_refused_with_its_path() {
        let error = to_bytes(&json!({ "price": { "amount": 1.5 } })).unwrap_err();
        assert_eq!(
            error,
            CanonicalError::NotAnInteger {
                path: "$.price.amount".into(),
                number: "1.5".into()
            }
        );
    }
}
