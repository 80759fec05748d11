//! Generates the cocore bindings into `$OUT_DIR/lexicons.rs`; refs to `com.atproto` lexicons
//! use the types of `lexicon-atproto`, the ones `lexicon-xrpc` and `lexicon-repo` use.

fn main() -> Result<(), lexicon_codegen::CompileError> {
    lexicon_codegen::Builder::new()
        .lexicons("../../lexicons")
        .extern_path("com.atproto.*", "::lexicon_atproto::com::atproto")
        .compile()?;
    Ok(())
}
