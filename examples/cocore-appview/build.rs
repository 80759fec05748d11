//! Generates the bindings of the upstream cocore lexicons (`tests/data/lexicons/
//! cocore-upstream-all`, all 40 documents) into OUT_DIR/cocore.rs.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Paths are relative to the package's folder, where cargo runs build scripts.
    lexicon_codegen::Builder::new()
        .lexicons("../../tests/data/lexicons/cocore-upstream-all")
        .file_name("cocore.rs")
        .module_path("crate::lexicons")
        .builders(false)
        // The com.atproto types lexicon-xrpc uses, instead of a copy of our own.
        .extern_path("com.atproto.*", "::lexicon_atproto::com::atproto")
        .compile()?;
    Ok(())
}
