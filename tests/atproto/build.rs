//! Generates the atproto corpus bindings into OUT_DIR, every namespace behind its feature.

fn main() -> Result<(), lexicon_codegen::CompileError> {
    lexicon_codegen::Builder::new()
        .lexicons("../data/corpus/atproto")
        .file_name("atproto.rs")
        .feature_gates(true)
        .compile()?;
    Ok(())
}
