//! `dynamic::Lexicons`: documents it cannot follow are errors (never panics), method bodies are
//! reachable by id, and values nested past the limit are refused rather than followed.

use lexicon_runtime::dynamic::Lexicons;
use lexicon_runtime::{Error, Mode};
use serde_json::{json, Value};

fn doc(defs: Value) -> Value {
    json!({"lexicon": 1, "id": "com.example.t", "defs": defs})
}

fn messages(defs: Value) -> Vec<String> {
    match Lexicons::from_json_values([&doc(defs)]) {
        Ok(_) => Vec::new(),
        Err(e) => e.0.iter().map(|e| e.to_string()).collect(),
    }
}

#[test]
fn documents_it_cannot_follow_are_errors() {
    assert_eq!(
        messages(json!({"main": {"type": "object", "properties": {
            "a": {"type": "ref", "ref": "#gone"},
            "c": {"type": "ref", "ref": "#tok"}}},
            "tok": {"type": "token"}})),
        [
            "com.example.t/defs/main/properties/a/ref: \"#gone\" does not resolve",
            "com.example.t/defs/main: refers to com.example.t#tok, which has no values",
        ]
    );
    // A document that does not read (the reader the generator uses) is not built at all.
    assert_eq!(
        messages(json!({"main": {"type": "object", "properties": {"b": {"type": "wat"}}}})),
        [
            "com.example.t/defs/main/properties/b/type: unknown type \"wat\" here: expected one \
          of string, integer, boolean, bytes, cid-link, blob, array, object, ref, union, unknown"
        ]
    );
    assert_eq!(
        messages(json!({"a": {"type": "ref", "ref": "#b"}, "b": {"type": "ref", "ref": "#a"}}))
            .len(),
        2,
        "each def of a ref cycle without a value in between"
    );
    assert_eq!(
        messages(json!({"main": {"type": "union", "refs": ["#s"]}, "s": {"type": "string"}})),
        ["com.example.t/defs/main: union member com.example.t#s is not an object or a record"]
    );
    let not_a_doc = Lexicons::from_json_documents(["[1]", "{"]).unwrap_err();
    assert_eq!(not_a_doc.0.len(), 2, "not JSON; no id: {not_a_doc}");
}

#[test]
fn method_bodies_are_named_by_their_place() {
    let lexicons = Lexicons::from_json_values([&doc(json!({"main": {
        "type": "procedure",
        "input": {"encoding": "application/json", "schema": {"type": "object",
            "required": ["n"], "properties": {"n": {"type": "integer", "maximum": 3}}}},
        "output": {"encoding": "application/json", "schema": {"type": "ref", "ref": "#out"}}},
        "out": {"type": "object", "properties": {"ok": {"type": "boolean"}}}}))])
    .unwrap();
    let err = lexicons
        .validate(
            "com.example.t#(input)",
            &json!({"n": 4, "$type": 1}),
            Mode::Strict,
        )
        .unwrap_err();
    // An inline body: `$type` is an ordinary property, checked as data only.
    assert_eq!(
        err.to_string(),
        "$.n: integer too big: expected at most 3, got 4"
    );
    assert!(lexicons
        .validate("com.example.t#(output)", &json!({"ok": true}), Mode::Strict)
        .is_ok());
    assert!(matches!(
        lexicons.validate("com.example.t", &json!({}), Mode::Strict),
        Err(Error::UnknownDefinition(_))
    ));
}

#[test]
fn values_nested_past_the_limit_are_refused() {
    let lexicons = Lexicons::from_json_values([&doc(json!({"main": {"type": "object",
        "properties": {"next": {"type": "ref", "ref": "#main"}}}}))])
    .unwrap();
    let mut value = json!({});
    for _ in 0..200 {
        value = json!({ "next": value });
    }
    let err = lexicons
        .validate("com.example.t", &value, Mode::Strict)
        .unwrap_err();
    assert!(
        err.to_string().contains("nested deeper than 128 levels"),
        "{err}"
    );
    // Not deeper than the limit: valid.
    let mut value = json!({});
    for _ in 0..100 {
        value = json!({ "next": value });
    }
    assert!(lexicons
        .validate("com.example.t", &value, Mode::Strict)
        .is_ok());
}

/// The walker finds each property by a scan that starts after the last one found: properties in
/// any order, `$type` anywhere (a record's checked, an object's named), undeclared ones among
/// them, give the same violations in the same order.
#[test]
fn properties_in_any_order_get_the_same_violations() {
    let lexicons =
        Lexicons::from_json_values([&json!({"lexicon": 1, "id": "com.example.r", "defs": {
        "main": {"type": "record", "key": "tid", "record": {"type": "object",
            "required": ["a", "b", "c"],
            "properties": {
                "a": {"type": "string", "maxLength": 1},
                "b": {"type": "integer", "maximum": 1},
                "c": {"type": "ref", "ref": "#inner"}}}},
        "inner": {"type": "object", "properties": {"x": {"type": "string", "format": "did"}}}}})])
        .unwrap();
    let check = |value: Value| match lexicons.validate_record("com.example.r", &value, Mode::Strict)
    {
        Ok(()) => Vec::new(),
        Err(Error::Invalid(errors)) => errors.iter().map(|e| e.to_string()).collect(),
        Err(other) => panic!("{other}"),
    };
    let inner = json!({"$type": "com.example.r#nope", "x": "no"});
    let orders = [
        json!({"$type": "com.example.q", "a": "aa", "b": 2, "c": inner, "z": 1.5}),
        json!({"z": 1.5, "c": inner, "b": 2, "a": "aa", "$type": "com.example.q"}),
        json!({"b": 2, "$type": "com.example.q", "z": 1.5, "a": "aa", "c": inner}),
    ];
    let expected = check(orders[0].clone());
    assert_eq!(expected.len(), 6, "{expected:#?}");
    assert!(expected[0].starts_with("$.$type"), "{expected:#?}");
    for value in orders {
        assert_eq!(check(value), expected);
    }
    let missing = check(json!({"$type": "com.example.r", "c": {"x": "did:plc:abc"}}));
    assert_eq!(missing.len(), 2, "{missing:#?}");
}
