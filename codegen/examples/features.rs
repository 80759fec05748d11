//! Prints the `[features]` table that a feature-gated crate for a lexicon folder needs:
//! `cargo run -p lexicon-codegen --example features -- tests/data/corpus/atproto`.

fn main() {
    let dirs: Vec<String> = std::env::args().skip(1).collect();
    let options = dirs
        .iter()
        .fold(lexicon_codegen::Options::new(), |o, d| o.lexicons(d));
    match lexicon_codegen::namespace_features(&options) {
        Ok(features) => {
            let all: Vec<String> = features.keys().map(|k| format!("{k:?}")).collect();
            println!("[features]\ndefault = [{}]", all.join(", "));
            for (feature, deps) in features {
                let deps: Vec<String> = deps.iter().map(|d| format!("{d:?}")).collect();
                println!("{feature} = [{}]", deps.join(", "));
            }
        }
        Err(diags) => {
            eprintln!("{diags}");
            std::process::exit(2);
        }
    }
}
