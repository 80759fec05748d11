//! Generates the atproto corpus bindings into OUT_DIR, every namespace behind its feature.

use std::path::PathBuf;

use lexicon_codegen::{generate, Layout, Options};

fn main() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data/corpus/atproto");
    println!("cargo::rerun-if-changed={}", dir.display());
    let mut options = Options::new([dir]);
    options.layout = Layout::SingleFile("atproto.rs".into());
    options.rustfmt = false;
    options.emit.feature_gates = true;
    match generate(&options) {
        Ok(files) => {
            let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
            for f in files {
                std::fs::write(out.join(&f.path), f.contents).expect("OUT_DIR is writable");
            }
        }
        Err(diags) => {
            for d in &diags.0 {
                println!("cargo::error={d}");
            }
            std::process::exit(1);
        }
    }
}
