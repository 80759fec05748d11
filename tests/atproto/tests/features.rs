//! The `[features]` table of this crate is what the generator computes from the corpus.

use std::path::Path;

#[test]
fn cargo_features_match_the_namespace_graph() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    let options = lexicon_codegen::Options::new().lexicons(dir.join("../data/corpus/atproto"));
    let features = lexicon_codegen::namespace_features(&options).unwrap();
    assert_eq!(features.len(), 7);
    for (feature, deps) in &features {
        let deps: Vec<String> = deps.iter().map(|d| format!("{d:?}")).collect();
        let line = format!("{feature} = [{}]", deps.join(", "));
        assert!(manifest.contains(&line), "Cargo.toml lacks `{line}`");
    }
}
