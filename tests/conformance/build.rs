//! Generates bindings for the conformance lexicons into OUT_DIR at build time.

use std::path::PathBuf;

use lexicon_codegen::{generate, EmitOptions, Layout, Options};

fn main() {
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data/lexicons");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    for (folder, module) in [
        ("cocore-upstream", "cocore_upstream"),
        ("interop-catalog", "interop"),
    ] {
        let dir = data.join(folder);
        println!("cargo::rerun-if-changed={}", dir.display());
        let mut options = Options::new([dir]);
        options.layout = Layout::SingleFile(format!("{module}.rs"));
        options.rustfmt = false;
        options.emit = EmitOptions::default()
            .with_root(&format!("crate::{module}"))
            .expect("a path");
        match generate(&options) {
            Ok(files) => {
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
}
