//! Generates the bindings of the upstream cocore lexicons (`tests/data/lexicons/
//! cocore-upstream-all`) into OUT_DIR/cocore.rs: the provider, attestation, job and receipt
//! records this example reads and writes.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Paths are relative to the package's folder, where cargo runs build scripts.
    lexicon_codegen::Builder::new()
        .lexicons("../../tests/data/lexicons/cocore-upstream-all")
        .file_name("cocore.rs")
        .module_path("crate::lexicons")
        .builders(false)
        // The com.atproto types lexicon-xrpc uses (its StrongRef), instead of a copy.
        .extern_path("com.atproto.*", "::lexicon_atproto::com::atproto")
        .compile()?;
    Ok(())
}
