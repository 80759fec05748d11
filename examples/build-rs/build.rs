//! Generates the cocore types into `$OUT_DIR/lexicons.rs` at build time.

fn main() -> Result<(), lexicon_codegen::CompileError> {
    // Counts runs of this script, so that a test can see when cargo reruns it.
    if let Some(out) = std::env::var_os("OUT_DIR") {
        let runs = std::path::Path::new(&out).join("build-runs");
        let n: u32 = std::fs::read_to_string(&runs)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0);
        std::fs::write(&runs, (n + 1).to_string()).expect("OUT_DIR is writable");
    }
    lexicon_codegen::Builder::new()
        // Relative to the package's folder, where cargo runs build scripts.
        .lexicons("../../lexicons")
        .only(["dev.cocore.*"])
        // The com.atproto types lexicon-xrpc uses, instead of a copy of our own.
        .extern_path("com.atproto.*", "::lexicon_atproto::com::atproto")
        .compile()?;
    Ok(())
}
