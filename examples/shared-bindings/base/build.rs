//! Generates the `com.atproto` bindings into `$OUT_DIR/lexicons.rs`.

fn main() -> Result<(), lexicon_codegen::BuildError> {
    lexicon_codegen::Builder::new()
        .lexicons("../../../lexicons")
        .only(["com.atproto.*"])
        .compile()?;
    Ok(())
}
