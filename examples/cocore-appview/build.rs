//! Generates the bindings of the upstream cocore lexicons (`tests/data/lexicons/
//! cocore-upstream-all`, all 40 documents) into OUT_DIR/cocore.rs, and the list of the
//! documents themselves (OUT_DIR/documents.rs), which the index is made from.

use std::path::{Path, PathBuf};

const LEXICONS: &str = "../../tests/data/lexicons/cocore-upstream-all";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Paths are relative to the package's folder, where cargo runs build scripts.
    lexicon_codegen::Builder::new()
        .lexicons(LEXICONS)
        .file_name("cocore.rs")
        .module_path("crate::lexicons")
        .builders(false)
        // The com.atproto types lexicon-xrpc uses, instead of a copy of our own.
        .extern_path("com.atproto.*", "::lexicon_atproto::com::atproto")
        .compile()?;

    let mut documents = Vec::new();
    walk(&Path::new(LEXICONS).canonicalize()?, &mut documents)?;
    documents.sort();
    let list: String = documents
        .iter()
        .map(|path| format!("    include_str!({:?}),\n", path.display().to_string()))
        .collect();
    let out = PathBuf::from(std::env::var("OUT_DIR")?).join("documents.rs");
    std::fs::write(
        out,
        format!("/// The lexicon documents, as JSON text.\npub const DOCUMENTS: &[&str] = &[\n{list}];\n"),
    )?;
    Ok(())
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    Ok(())
}
