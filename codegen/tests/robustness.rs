//! The generator never panics on bad lexicons: arbitrary mutations of valid documents, a folder of
//! 10,000 files, a symlink loop, deep nesting.

use std::path::Path;

use lexicon_codegen::{generate, Options};
use lexicon_test_support::mutate;
use proptest::prelude::*;
use serde_json::{Map, Value};

fn docs() -> Vec<Value> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    [
        "lexicons/dev/cocore/compute/job.json",
        "lexicons/dev/cocore/compute/defs.json",
        "tests/golden/lexicons/features/test/golden/features.json",
        "lexicons/com/atproto/repo/strongRef.json",
        "tests/data/lexicons/interop-catalog/record.json",
        "tests/data/lexicons/interop-catalog/subscription.json",
    ]
    .iter()
    .map(|p| serde_json::from_str(&std::fs::read_to_string(repo.join(p)).unwrap()).unwrap())
    .collect()
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e3f64..1e3).prop_map(Value::from),
        prop_oneof![
            Just("string"),
            Just("object"),
            Just("ref"),
            Just("union"),
            Just("array"),
            Just("record"),
            Just("#main"),
            Just("did"),
            Just("tid"),
            Just("literal:self"),
            Just(""),
            Just("a#b#c"),
        ]
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("type".to_owned()),
                        Just("items".to_owned()),
                        Just("properties".to_owned()),
                        Just("refs".to_owned()),
                        "[a-z]{1,6}"
                    ],
                    inner
                ),
                0..4
            )
            .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    #[test]
    fn mutated_lexicons_never_panic(which in 0usize..6, path in prop::collection::vec(0usize..32, 1..8), new in arb_json(), delete in any::<bool>()) {
        let all = docs();
        let dir = tempfile::tempdir().unwrap();
        for (i, doc) in all.iter().enumerate() {
            let mut doc = doc.clone();
            if i == which {
                mutate(&mut doc, &path, new.clone(), delete);
            }
            std::fs::write(dir.path().join(format!("{i}.json")), doc.to_string()).unwrap();
        }
        // The documents are self-contained, so unmutated ones reach lowering and emission.
        let options = Options::new().lexicons(dir.path()).rustfmt(false);
        match generate(&options) {
            Ok(generated) => prop_assert!(generated.files.len() > 6),
            Err(diags) => {
                prop_assert!(!diags.is_empty() && diags.iter().all(|d| !d.message.is_empty()));
                // Rendering (with positions and carets) must not panic either.
                prop_assert!(diags.to_string().contains("error["));
            }
        }
    }
}

#[test]
fn a_folder_of_ten_thousand_lexicons() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..10_000 {
        let doc = format!(
            r#"{{"lexicon":1,"id":"test.many.n{i}","defs":{{"main":{{"type":"object","properties":{{"v":{{"type":"integer","maximum":{i}}}}}}}}}}}"#
        );
        std::fs::write(dir.path().join(format!("{i}.json")), doc).unwrap();
    }
    let options = Options::new().lexicons(dir.path()).rustfmt(false);
    let files = generate(&options).expect("10,000 lexicons generate").files;
    assert_eq!(
        files.len(),
        10_000 + 3,
        "one file per lexicon, plus lib.rs, test/mod.rs, test/many/mod.rs"
    );
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_is_read_once() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("a");
    std::fs::create_dir(&sub).unwrap();
    std::os::unix::fs::symlink(dir.path(), sub.join("loop")).unwrap();
    std::fs::write(
        sub.join("x.json"),
        r#"{"lexicon":1,"id":"test.loop.x","defs":{"main":{"type":"token"}}}"#,
    )
    .unwrap();
    let options = Options::new().lexicons(dir.path()).rustfmt(false);
    let files = generate(&options).expect("the loop is followed once").files;
    assert!(files.iter().any(|f| f.path.ends_with("x.rs")));
}

#[test]
fn deeply_nested_lexicon_json_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let deep = format!("{}1{}", "[".repeat(50_000), "]".repeat(50_000));
    std::fs::write(
        dir.path().join("deep.json"),
        format!(r#"{{"lexicon":1,"id":"test.deep.x","defs":{deep}}}"#),
    )
    .unwrap();
    let diags = generate(&Options::new().lexicons(dir.path())).expect_err("too deep");
    assert_eq!(diags.iter().next().unwrap().rule, "json");
    assert!(
        diags
            .iter()
            .next()
            .unwrap()
            .message
            .contains("recursion limit"),
        "{}",
        diags.iter().next().unwrap()
    );
}

#[test]
fn unmutated_documents_generate() {
    let dir = tempfile::tempdir().unwrap();
    for (i, doc) in docs().iter().enumerate() {
        std::fs::write(dir.path().join(format!("{i}.json")), doc.to_string()).unwrap();
    }
    let options = Options::new().lexicons(dir.path()).rustfmt(false);
    assert!(
        generate(&options).is_ok(),
        "the proptest starts from documents that generate"
    );
}
