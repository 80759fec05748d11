//! Generates the cocore bindings into `$OUT_DIR/lexicons.rs`; refs to `com.atproto` lexicons
//! use the types of `base-lexicons`.

fn main() -> Result<(), lexicon_codegen::BuildError> {
    lexicon_codegen::Builder::new()
        .lexicons("../../../lexicons")
        .extern_path("com.atproto.*", "::base_lexicons::com::atproto")
        .compile()?;
    Ok(())
}
